"""The console links on a step's tasks: the stack in CloudFormation and the DMS tasks."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from dms_deploy.operators.links import (
    CloudFormationStackLink,
    DmsTasksLink,
    persist_step_links,
)


class _Ti:
    def __init__(self) -> None:
        self.pushed: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.pushed[key] = value


def _persisted(region: str, partition: str, stack: str) -> dict[str, Any]:
    ti = _Ti()
    hook = SimpleNamespace(conn_region_name=region, conn_partition=partition)
    operator = SimpleNamespace(hook=hook, do_xcom_push=True)
    persist_step_links({"ti": ti}, operator, stack)
    return ti.pushed


def test_links_open_the_stack_and_the_tasks_in_the_region_the_step_deployed_to() -> None:
    pushed = _persisted("eu-west-1", "aws", "dms-food")
    stack = CloudFormationStackLink().format_link(**pushed[CloudFormationStackLink.key])
    assert stack.startswith("https://console.aws.amazon.com/cloudformation/home?region=eu-west-1#")
    assert "filteringText=dms-food&" in stack
    tasks = DmsTasksLink().format_link(**pushed[DmsTasksLink.key])
    assert tasks == "https://console.aws.amazon.com/dms/v2/home?region=eu-west-1#tasks"


def test_links_follow_the_partition_and_escape_the_stack_name() -> None:
    pushed = _persisted("cn-north-1", "aws-cn", "dms-a&b")
    stack = CloudFormationStackLink().format_link(**pushed[CloudFormationStackLink.key])
    assert stack.startswith("https://console.amazonaws.cn/cloudformation/")
    assert "filteringText=dms-a%26b&" in stack

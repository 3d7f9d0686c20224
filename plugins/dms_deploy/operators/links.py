"""Console links on a step's tasks: its CloudFormation stack and the DMS tasks.

Built on the amazon provider's `BaseAwsLink`: `persist` stores the region, the partition's
console domain and the stack name in an XCom, and the link formats `format_str` with them,
so the link opens the right region and partition of the account the step deployed to.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from airflow.providers.amazon.aws.links.base_aws import BASE_AWS_CONSOLE_LINK, BaseAwsLink


class CloudFormationStackLink(BaseAwsLink):
    """The step's stack in the CloudFormation console (the stack list, filtered by name)."""

    name = "CloudFormation stack"
    key = "dms_deploy_cloudformation_stack"
    format_str = (
        BASE_AWS_CONSOLE_LINK + "/cloudformation/home?region={region_name}"
        "#/stacks?filteringText={stack_name}&filteringStatus=active&viewNested=true"
    )


class DmsTasksLink(BaseAwsLink):
    """The replication tasks in the DMS console, where their status and statistics are."""

    name = "DMS tasks"
    key = "dms_deploy_dms_tasks"
    format_str = BASE_AWS_CONSOLE_LINK + "/dms/v2/home?region={region_name}#tasks"


STEP_LINKS = (CloudFormationStackLink(), DmsTasksLink())


def persist_step_links(context: Any, operator: Any, stack_name: str) -> None:
    """Record what the step's links need; never fails the task (`persist` swallows errors)."""
    hook = operator.hook
    for link in STEP_LINKS:
        link.persist(
            context=context,
            operator=operator,
            region_name=hook.conn_region_name,
            aws_partition=hook.conn_partition,
            stack_name=quote(stack_name, safe=""),
        )

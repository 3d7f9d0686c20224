"""Links on the tasks: check_state's plan in the UI; a step's CloudFormation stack and DMS tasks.

Built on the amazon provider's `BaseAwsLink`: `persist` stores the region, the partition's
console domain and the stack name in an XCom, and the link formats `format_str` with them,
so the link opens the right region and partition of the account the step deployed to.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

from airflow.providers.amazon.aws.links.base_aws import BASE_AWS_CONSOLE_LINK, BaseAwsLink
from airflow.sdk import BaseOperatorLink, conf

from dms_deploy.ui.routes import tab_path


class PlanLink(BaseOperatorLink):
    """check_state's link to the run's Plan tab, the plan rendered (see dms_deploy/ui).

    A path on the UI's own server, so the UI opens it in place, behind any base URL path."""

    name: ClassVar[str] = "Plan"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        base = urlsplit(conf.get("api", "base_url", fallback="") or "").path.rstrip("/")
        return base + tab_path(ti_key.dag_id, ti_key.run_id)


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

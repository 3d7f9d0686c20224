"""Deploy configs into the sandbox the way apply would, so plans can be made against it."""

from __future__ import annotations

import json
import time

from botocore.exceptions import ClientError

from dms_deploy.apply.dms_tasks import Waiting, loading_tables, resume_tasks
from dms_deploy.apply.stacks import describe_stack, stack_progress
from dms_deploy.config.models import Configs
from dms_deploy.plan.analysis import Desired
from dms_deploy.plan.make import make_plan
from dms_deploy.plan.model import Plan
from dms_deploy.plan.templates import parse_template
from dms_deploy.state.clients import AwsClients
from dms_deploy.state.read import read_state
from tests.planner import world

POLL = 0.05
# What a read-only plan may call (ValidateTemplate aside).
READ_ONLY_PREFIXES = ("Describe", "List", "Get")
TIMEOUT = 120.0


def clients() -> AwsClients:
    """Clients from the environment the sandbox fixture sets (boto3's default chain)."""
    return AwsClients.from_hooks(aws_conn_id=None, region_name="us-east-1")


def wait(condition, what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(POLL)


def deploy(
    configs: Configs, aws: AwsClients, *, start: bool = True, wait_loads: bool = True
) -> None:
    """Deploy every stack, start every task not configured paused, wait for full loads."""
    for stack in world.render(configs):
        deploy_body(aws, stack.name, stack.body)
    if not start:
        return
    tasks = [t.identifier for t in configs.all_tasks()]
    paused = [t.identifier for t in configs.all_tasks() if t.paused]
    resume_tasks(aws.dms, tasks, keep_stopped=paused, waiting=Waiting(TIMEOUT, POLL))
    if wait_loads:
        wait_for_loads(aws, [t for t in tasks if t not in paused])


def deploy_body(aws: AwsClients, name: str, body: str) -> None:
    """Create or update one stack directly (no change set) and wait until it settles."""
    cfn = aws.cloudformation
    args = {"StackName": name, "TemplateBody": body, "Capabilities": ["CAPABILITY_NAMED_IAM"]}
    if describe_stack(cfn, name) is None:
        cfn.create_stack(**args)
    elif not start_update(aws, name, body):
        return

    def settled() -> bool:
        progress = stack_progress(cfn, name)
        assert progress.ok or not progress.done, progress.describe()
        return progress.done

    wait(settled, f"stack {name}")


def start_update(aws: AwsClients, name: str, body: str) -> bool:
    """Start an update of a stack without waiting; False when the template changes nothing."""
    try:
        aws.cloudformation.update_stack(
            StackName=name, TemplateBody=body, Capabilities=["CAPABILITY_NAMED_IAM"]
        )
    except ClientError as exc:
        if "No updates are to be performed" in str(exc):
            return False
        raise
    return True


def stack_status(aws: AwsClients, name: str) -> str:
    return aws.cloudformation.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]


def with_output(body: str, key: str = "Marker", value: str = "1") -> str:
    """The template (as JSON) with one more output: an update that touches no resource, so
    it is accepted while the team's tasks run."""
    template = parse_template(body)
    return json.dumps(
        {**template, "Outputs": {**template.get("Outputs", {}), key: {"Value": value}}}
    )


def task_status(aws: AwsClients, task_id: str) -> str:
    filters = [{"Name": "replication-task-id", "Values": [task_id]}]
    return aws.dms.describe_replication_tasks(Filters=filters)["ReplicationTasks"][0]["Status"]


def wait_for_loads(aws: AwsClients, task_ids: list[str]) -> None:
    arns = {}
    for page in aws.dms.get_paginator("describe_replication_tasks").paginate():
        arns |= {
            t["ReplicationTaskIdentifier"]: t["ReplicationTaskArn"]
            for t in page["ReplicationTasks"]
        }
    wait(lambda: not any(loading_tables(aws.dms, arns[t]) for t in task_ids), "full loads")


def plan(configs: Configs, aws: AwsClients, allow_disruptive: bool = False, teams=None) -> Plan:
    """Read the sandbox and plan, as `dmsctl plan` does."""
    desired: Desired = world.desired(configs)
    observed = read_state(desired, aws, teams=teams)
    return make_plan(desired, observed, allow_disruptive=allow_disruptive, teams=teams)

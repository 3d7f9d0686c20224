"""Operations that clients nobody here wrote perform against the sandbox, each with what AWS
answers: the AWS CLI v1 (run from this venv, ``python -m awscli``) and botocore's own waiters.

Each check resets nothing itself; it expects a freshly reset sandbox and AWS_* environment
variables pointing at it (``AWS_ENDPOINT_URL``). ``tests/sandbox/test_outside_clients.py``
runs every check; ``bench/fidelity.py`` prints how many behave as AWS.

The CLI's waiters poll every 5 to 30 seconds, so the checks run with the sandbox's time scale
at 0: every timed transition happens before the next request, and each waiter sees the state
it waits for at its first poll. The in-progress states themselves are covered by the other
contract tests, at the usual time scale.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from dms_templates import team_template

BUCKET = "acme-data-lake"
ORDERS = ("food", "orders", "fooddb__food__orders__v1")
ROLE_TEMPLATE = """\
Description: base
Parameters:
  Env:
    Type: String
    Default: dev
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: dms.amazonaws.com}
            Action: sts:AssumeRole
      Tags:
        - {Key: env, Value: !Ref Env}
Outputs:
  RoleArn:
    Value: !GetAtt Role.Arn
    Export:
      Name: !Sub "${AWS::StackName}-RoleArn"
"""


class Mismatch(AssertionError):
    """The client saw something AWS would not have answered."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise Mismatch(message)


def aws(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the AWS CLI v1 from this venv against AWS_ENDPOINT_URL."""
    result = subprocess.run(
        [sys.executable, "-m", "awscli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "AWS_PAGER": "", "AWS_MAX_ATTEMPTS": "3"},
    )
    if ok and result.returncode != 0:
        raise Mismatch(f"aws {' '.join(args)} exited {result.returncode}: {result.stderr.strip()}")
    return result


def aws_json(*args: str) -> Any:
    return json.loads(aws(*args, "--output", "json").stdout or "null")


def _client(service: str) -> Any:
    return boto3.client(service, region_name="us-east-1")


def _template_file(body: str) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
        handle.write(body)
    return handle.name


def _deploy_role(*extra: str) -> subprocess.CompletedProcess[str]:
    path = _template_file(ROLE_TEMPLATE)
    try:
        return aws(
            "cloudformation",
            "deploy",
            "--stack-name",
            "base",
            "--template-file",
            path,
            *extra,
            ok=False,
        )
    finally:
        Path(path).unlink()


def _team_stack() -> str:
    """A team stack with a replication task; returns the task ARN once the task is ready."""
    _client("s3").create_bucket(Bucket=BUCKET)
    cfn = _client("cloudformation")
    cfn.create_stack(StackName="team-food", TemplateBody=team_template([ORDERS]))
    aws("cloudformation", "wait", "stack-create-complete", "--stack-name", "team-food")
    task = _client("dms").describe_replication_tasks()["ReplicationTasks"][0]
    return str(task["ReplicationTaskArn"])


def _task_filter(arn: str) -> list[str]:
    return ["--filters", f"Name=replication-task-arn,Values={arn}"]


# --- CloudFormation through the AWS CLI ---------------------------------------------------


def cli_validate_template() -> None:
    path = _template_file(ROLE_TEMPLATE)
    try:
        answer = aws_json(
            "cloudformation", "validate-template", "--template-body", f"file://{path}"
        )
    finally:
        Path(path).unlink()
    expect(
        answer["Parameters"] == [{"ParameterKey": "Env", "DefaultValue": "dev", "NoEcho": False}],
        f"Parameters: {answer['Parameters']}",
    )
    expect(answer["Capabilities"] == ["CAPABILITY_IAM"], f"Capabilities: {answer['Capabilities']}")
    expect("AWS::IAM::Role" in answer.get("CapabilitiesReason", ""), "no CapabilitiesReason")
    expect(answer.get("Description") == "base", "no Description")


def cli_deploy_without_capabilities_is_refused() -> None:
    result = _deploy_role()
    expect(result.returncode != 0, "deploy of an IAM role without capabilities succeeded")
    expect(
        "InsufficientCapabilitiesException" in result.stderr
        and "Requires capabilities : [CAPABILITY_IAM]" in result.stderr,
        f"unexpected error: {result.stderr.strip()}",
    )
    stacks = _client("cloudformation").describe_stacks()["Stacks"]
    expect(all(s["StackStatus"] == "REVIEW_IN_PROGRESS" for s in stacks), f"stacks: {stacks}")


def cli_deploy_with_capabilities() -> None:
    result = _deploy_role("--capabilities", "CAPABILITY_IAM")
    expect(result.returncode == 0, f"deploy failed: {result.stderr.strip()}")
    expect("Successfully created/updated stack - base" in result.stdout, result.stdout)
    update = _deploy_role("--capabilities", "CAPABILITY_IAM", "--parameter-overrides", "Env=prod")
    expect(update.returncode == 0, f"update deploy failed: {update.stderr.strip()}")
    stack = _client("cloudformation").describe_stacks(StackName="base")["Stacks"][0]
    expect(stack["StackStatus"] == "UPDATE_COMPLETE", f"status {stack['StackStatus']}")
    expect("LastUpdatedTime" in stack, "no LastUpdatedTime after an update")
    again = _deploy_role(
        "--capabilities",
        "CAPABILITY_IAM",
        "--parameter-overrides",
        "Env=prod",
        "--no-fail-on-empty-changeset",
    )
    expect(again.returncode == 0, f"no-change deploy failed: {again.stderr.strip()}")
    expect("No changes to deploy" in again.stdout, again.stdout)


def cli_wait_stack_create_and_update_complete() -> None:
    cfn = _client("cloudformation")
    body = team_template([ORDERS])
    cfn.create_stack(StackName="team-food", TemplateBody=body)
    aws("cloudformation", "wait", "stack-create-complete", "--stack-name", "team-food")
    cfn.update_stack(StackName="team-food", TemplateBody=team_template([ORDERS], cdc_interval=600))
    aws("cloudformation", "wait", "stack-update-complete", "--stack-name", "team-food")
    stack = cfn.describe_stacks(StackName="team-food")["Stacks"][0]
    expect(stack["StackStatus"] == "UPDATE_COMPLETE", f"status {stack['StackStatus']}")


def cli_wait_change_set_create_complete_and_list_change_sets() -> None:
    cfn = _client("cloudformation")
    for name in ("team-food", "team-bar"):
        cfn.create_change_set(
            StackName=name,
            ChangeSetName=f"{name}-1",
            ChangeSetType="CREATE",
            TemplateBody=team_template([ORDERS], task_id=f"{name}-orders"),
        )
    aws(
        "cloudformation",
        "wait",
        "change-set-create-complete",
        "--stack-name",
        "team-food",
        "--change-set-name",
        "team-food-1",
    )
    listed = aws_json("cloudformation", "list-change-sets", "--stack-name", "team-food")
    names = [s["ChangeSetName"] for s in listed["Summaries"]]
    expect(names == ["team-food-1"], f"list-change-sets --stack-name team-food: {names}")
    expect(listed["Summaries"][0]["Status"] == "CREATE_COMPLETE", str(listed["Summaries"][0]))


def cli_describe_stack_events() -> None:
    _team_stack()
    events = aws_json("cloudformation", "describe-stack-events", "--stack-name", "team-food")
    statuses = [(e["LogicalResourceId"], e["ResourceStatus"]) for e in events["StackEvents"]]
    expect(statuses[0] == ("team-food", "CREATE_COMPLETE"), f"newest event {statuses[0]}")
    expect(statuses[-1] == ("team-food", "CREATE_IN_PROGRESS"), f"oldest event {statuses[-1]}")
    expect(("Task", "CREATE_COMPLETE") in statuses, "no Task CREATE_COMPLETE event")


# --- DMS through the AWS CLI --------------------------------------------------------------


def cli_wait_replication_instance_available() -> None:
    made = aws_json(
        "dms",
        "create-replication-instance",
        "--replication-instance-identifier",
        "food-ri",
        "--replication-instance-class",
        "dms.t3.medium",
    )["ReplicationInstance"]
    expect(made["ReplicationInstanceStatus"] == "creating", str(made["ReplicationInstanceStatus"]))
    arn = made["ReplicationInstanceArn"]
    aws(
        "dms",
        "wait",
        "replication-instance-available",
        "--filters",
        f"Name=replication-instance-arn,Values={arn}",
    )
    instance = aws_json("dms", "describe-replication-instances")["ReplicationInstances"][0]
    expect(bool(instance.get("EngineVersion")), "no EngineVersion")
    # The JSON protocol carries timestamps as epoch seconds; CLI v1 prints them as it got them.
    expect(
        isinstance(instance["InstanceCreateTime"], int | float),
        f"InstanceCreateTime {instance['InstanceCreateTime']!r}",
    )


def cli_wait_replication_task_lifecycle() -> None:
    arn = _team_stack()
    aws("dms", "wait", "replication-task-ready", *_task_filter(arn))
    aws(
        "dms",
        "start-replication-task",
        "--replication-task-arn",
        arn,
        "--start-replication-task-type",
        "start-replication",
    )
    aws("dms", "wait", "replication-task-running", *_task_filter(arn))
    aws("dms", "stop-replication-task", "--replication-task-arn", arn)
    aws("dms", "wait", "replication-task-stopped", *_task_filter(arn))
    _client("cloudformation").delete_stack(StackName="team-food")
    aws("dms", "wait", "replication-task-deleted", *_task_filter(arn))


def cli_reload_tables() -> None:
    arn = _team_stack()
    dms = _client("dms")
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    aws("dms", "wait", "replication-task-running", *_task_filter(arn))
    answer = aws_json(
        "dms",
        "reload-tables",
        "--replication-task-arn",
        arn,
        "--tables-to-reload",
        "SchemaName=food,TableName=orders",
    )
    expect(answer == {"ReplicationTaskArn": arn}, f"reload-tables answered {answer}")
    stats = aws_json("dms", "describe-table-statistics", "--replication-task-arn", arn)
    row = stats["TableStatistics"][0]
    expect(row["FullLoadReloaded"] is True, f"FullLoadReloaded {row['FullLoadReloaded']}")


def cli_test_connection() -> None:
    _team_stack()
    dms = _client("dms")
    instance = dms.describe_replication_instances()["ReplicationInstances"][0]
    endpoint = dms.describe_endpoints(Filters=[{"Name": "endpoint-id", "Values": ["fooddb"]}])[
        "Endpoints"
    ][0]
    tested = aws_json(
        "dms",
        "test-connection",
        "--replication-instance-arn",
        instance["ReplicationInstanceArn"],
        "--endpoint-arn",
        endpoint["EndpointArn"],
    )["Connection"]
    expect(tested["Status"] == "testing", f"test-connection answered {tested['Status']}")
    found = aws_json("dms", "describe-connections")["Connections"]
    expect([c["Status"] for c in found] == ["successful"], f"connections {found}")


# --- S3 through the AWS CLI ---------------------------------------------------------------


def cli_s3_ls() -> None:
    arn = _team_stack()
    _client("dms").start_replication_task(
        ReplicationTaskArn=arn, StartReplicationTaskType="start-replication"
    )
    aws("dms", "wait", "replication-task-running", *_task_filter(arn))
    listing = aws("s3", "ls", "--recursive", f"s3://{BUCKET}/dms/").stdout
    expect("dms/data/fooddb__food__orders__v1/LOAD00000001.csv" in listing, listing)


# --- botocore's own waiters (boto3, default waiter configuration) -------------------------


def boto3_waiters() -> None:
    arn = _team_stack()
    dms, cfn = _client("dms"), _client("cloudformation")
    task_filter = [{"Name": "replication-task-arn", "Values": [arn]}]
    dms.get_waiter("replication_instance_available").wait()
    dms.get_waiter("replication_task_ready").wait(Filters=task_filter)
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    dms.get_waiter("replication_task_running").wait(Filters=task_filter)
    dms.stop_replication_task(ReplicationTaskArn=arn)
    dms.get_waiter("replication_task_stopped").wait(Filters=task_filter)
    cfn.create_change_set(
        StackName="team-food",
        ChangeSetName="c1",
        TemplateBody=team_template([ORDERS], cdc_interval=5),
    )
    cfn.get_waiter("change_set_create_complete").wait(StackName="team-food", ChangeSetName="c1")
    cfn.execute_change_set(StackName="team-food", ChangeSetName="c1")
    cfn.get_waiter("stack_update_complete").wait(StackName="team-food")
    cfn.delete_stack(StackName="team-food")
    cfn.get_waiter("stack_delete_complete").wait(StackName="team-food")
    dms.get_waiter("replication_task_deleted").wait(Filters=task_filter)


CHECKS: dict[str, Callable[[], None]] = {
    "aws cloudformation validate-template": cli_validate_template,
    "aws cloudformation deploy (no --capabilities)": cli_deploy_without_capabilities_is_refused,
    "aws cloudformation deploy --capabilities": cli_deploy_with_capabilities,
    "aws cloudformation wait stack-create-complete / stack-update-complete": (
        cli_wait_stack_create_and_update_complete
    ),
    "aws cloudformation wait change-set-create-complete, list-change-sets": (
        cli_wait_change_set_create_complete_and_list_change_sets
    ),
    "aws cloudformation describe-stack-events": cli_describe_stack_events,
    "aws dms wait replication-instance-available": cli_wait_replication_instance_available,
    "aws dms wait replication-task-ready / -running / -stopped / -deleted": (
        cli_wait_replication_task_lifecycle
    ),
    "aws dms reload-tables": cli_reload_tables,
    "aws dms test-connection": cli_test_connection,
    "aws s3 ls": cli_s3_ls,
    "botocore waiters (DMS and CloudFormation)": boto3_waiters,
}

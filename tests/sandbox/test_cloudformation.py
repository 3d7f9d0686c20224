"""Contract tests: CloudFormation for AWS::DMS::* types, updates, rollbacks and change sets."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.config import Config
from dms_templates import team_template
from sandbox_helpers import client, poll

pytestmark = pytest.mark.sandbox

ORDERS = [("food", "orders", "fooddb__food__orders__v1")]
WAIT = {"Delay": 0.05, "MaxAttempts": 400}


def _create(template: str, name: str = "team-food") -> dict:
    cfn = client("cloudformation")
    cfn.create_stack(StackName=name, TemplateBody=template)
    cfn.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig=WAIT)
    return cfn.describe_stacks(StackName=name)["Stacks"][0]


def _task() -> dict:
    return client("dms").describe_replication_tasks()["ReplicationTasks"][0]


def _outputs(stack: dict) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def test_stack_creates_dms_resources_and_refs_are_arns(sandbox) -> None:
    """Creating a stack creates the DMS resources; Ref of a task is its ARN, GetAtt works."""
    stack = _create(team_template(ORDERS))
    task = _task()
    outputs = _outputs(stack)
    assert outputs["TaskArn"] == task["ReplicationTaskArn"]
    assert task["ReplicationTaskArn"].startswith("arn:aws:dms:us-east-1:123456789012:task:")
    assert task["ReplicationTaskIdentifier"] == "food-orders"
    endpoints = client("dms").describe_endpoints()["Endpoints"]
    target = next(e for e in endpoints if e["EndpointIdentifier"] == "s3-target")
    assert target["S3Settings"]["CdcMaxBatchInterval"] == 60
    assert outputs["TargetExternalId"] == target["ExternalId"]
    assert outputs["InstanceIps"]
    exports = {e["Name"] for e in client("cloudformation").list_exports()["Exports"]}
    assert "food-TaskArn" in exports


def test_stack_operation_stays_in_progress_for_a_while(sandbox) -> None:
    """A stack operation is CREATE_IN_PROGRESS first; the boto3 waiter really waits."""
    cfn = client("cloudformation")
    cfn.create_stack(StackName="team-food", TemplateBody=team_template(ORDERS))
    assert cfn.describe_stacks(StackName="team-food")["Stacks"][0]["StackStatus"] == (
        "CREATE_IN_PROGRESS"
    )
    cfn.get_waiter("stack_create_complete").wait(StackName="team-food", WaiterConfig=WAIT)
    events = cfn.describe_stack_events(StackName="team-food")["StackEvents"]
    task_events = [e["ResourceStatus"] for e in events if e["LogicalResourceId"] == "Task"]
    assert "CREATE_COMPLETE" in task_events


def test_in_place_update_keeps_the_task(sandbox) -> None:
    """Changing TableMappings (not createOnly) modifies the task in place: same ARN."""
    _create(team_template(ORDERS))
    before = _task()
    poll(_task, lambda t: t["Status"] == "ready")
    cfn = client("cloudformation")
    tables = [*ORDERS, ("food", "menus", "fooddb__food__menus__v1")]
    cfn.update_stack(StackName="team-food", TemplateBody=team_template(tables))
    cfn.get_waiter("stack_update_complete").wait(StackName="team-food", WaiterConfig=WAIT)
    after = _task()
    assert after["ReplicationTaskArn"] == before["ReplicationTaskArn"]
    assert "menus" in after["TableMappings"]


def test_change_set_reports_replacement_from_create_only_properties(sandbox) -> None:
    """A new ReplicationInstanceArn (createOnly) is Replacement True with RequiresRecreation
    Always; a TableMappings change alone is Replacement False."""
    _create(team_template(ORDERS))
    cfn = client("cloudformation")
    cfn.create_change_set(
        StackName="team-food",
        ChangeSetName="move",
        TemplateBody=team_template(ORDERS, instance="InstanceB"),
    )
    cfn.get_waiter("change_set_create_complete").wait(
        StackName="team-food", ChangeSetName="move", WaiterConfig=WAIT
    )
    changes = cfn.describe_change_set(StackName="team-food", ChangeSetName="move")["Changes"]
    task = next(
        c["ResourceChange"] for c in changes if c["ResourceChange"]["LogicalResourceId"] == "Task"
    )
    assert task["Action"] == "Modify"
    assert task["Replacement"] == "True"
    detail = next(d for d in task["Details"] if d["Target"]["Name"] == "ReplicationInstanceArn")
    assert detail["Target"]["RequiresRecreation"] == "Always"

    cfn.create_change_set(
        StackName="team-food",
        ChangeSetName="mappings",
        TemplateBody=(team_template([*ORDERS, ("food", "menus", "fooddb__food__menus__v1")])),
    )
    cfn.get_waiter("change_set_create_complete").wait(
        StackName="team-food", ChangeSetName="mappings", WaiterConfig=WAIT
    )
    changes = cfn.describe_change_set(StackName="team-food", ChangeSetName="mappings")["Changes"]
    (task,) = [c["ResourceChange"] for c in changes]
    assert task["Replacement"] == "False"
    assert task["Details"][0]["Target"] == {
        "Attribute": "Properties",
        "Name": "TableMappings",
        "RequiresRecreation": "Never",
    }


def test_empty_change_set_fails_with_aws_reason(sandbox) -> None:
    """An identical template gives a FAILED change set with AWS's status reason."""
    template = team_template(ORDERS)
    _create(template)
    cfn = client("cloudformation")
    cfn.create_change_set(StackName="team-food", ChangeSetName="same", TemplateBody=template)
    described = poll(
        lambda: cfn.describe_change_set(StackName="team-food", ChangeSetName="same"),
        lambda d: d["Status"] != "CREATE_IN_PROGRESS",
    )
    assert described["Status"] == "FAILED"
    assert described["StatusReason"] == (
        "The submitted information didn't contain changes. "
        "Submit different information to create a change set."
    )


def test_executed_create_change_set_registers_outputs_and_exports(sandbox) -> None:
    """Executing a CREATE change set creates the resources and registers outputs and exports."""
    cfn = client("cloudformation")
    cfn.create_change_set(
        StackName="team-food",
        ChangeSetName="init",
        ChangeSetType="CREATE",
        TemplateBody=team_template(ORDERS),
    )
    cfn.get_waiter("change_set_create_complete").wait(
        StackName="team-food", ChangeSetName="init", WaiterConfig=WAIT
    )
    cfn.execute_change_set(StackName="team-food", ChangeSetName="init")
    cfn.get_waiter("stack_create_complete").wait(StackName="team-food", WaiterConfig=WAIT)
    stack = cfn.describe_stacks(StackName="team-food")["Stacks"][0]
    assert _outputs(stack)["TaskArn"] == _task()["ReplicationTaskArn"]
    exports = {e["Name"]: e["Value"] for e in cfn.list_exports()["Exports"]}
    assert exports["food-TaskArn"] == _task()["ReplicationTaskArn"]


def test_create_change_set_resolves_imports_of_other_stacks(sandbox) -> None:
    """Fn::ImportValue in a stack created by a CREATE change set resolves against every
    export of the account and region, as with CreateStack."""
    cfn = client("cloudformation")
    exporter = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"Arn": {"Value": {"Ref": "Topic"}, "Export": {"Name": "shared-TopicArn"}}},
    }
    importer = {
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {"Imported": {"Value": {"Fn::ImportValue": "shared-TopicArn"}}},
    }
    topic_arn = _outputs(_create(json.dumps(exporter), name="shared"))["Arn"]
    cfn.create_change_set(
        StackName="consumer",
        ChangeSetName="init",
        ChangeSetType="CREATE",
        TemplateBody=json.dumps(importer),
    )
    cfn.get_waiter("change_set_create_complete").wait(
        StackName="consumer", ChangeSetName="init", WaiterConfig=WAIT
    )
    cfn.execute_change_set(StackName="consumer", ChangeSetName="init")
    cfn.get_waiter("stack_create_complete").wait(StackName="consumer", WaiterConfig=WAIT)
    stack = cfn.describe_stacks(StackName="consumer")["Stacks"][0]
    assert _outputs(stack)["Imported"] == topic_arn


def test_updating_a_running_task_rolls_back(sandbox) -> None:
    """Modifying a running task fails (InvalidResourceStateFault): UPDATE_FAILED on the task,
    then UPDATE_ROLLBACK_COMPLETE, and the task is unchanged."""
    _create(team_template(ORDERS))
    dms = client("dms")
    arn = poll(_task, lambda t: t["Status"] == "ready")["ReplicationTaskArn"]
    client("s3").create_bucket(Bucket="acme-data-lake")
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    poll(_task, lambda t: t["Status"] == "running")
    cfn = client("cloudformation")
    cfn.update_stack(
        StackName="team-food",
        TemplateBody=team_template([*ORDERS, ("food", "menus", "fooddb__food__menus__v1")]),
    )
    stack = poll(
        lambda: cfn.describe_stacks(StackName="team-food")["Stacks"][0],
        lambda s: s["StackStatus"].endswith("_COMPLETE"),
    )
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    events = cfn.describe_stack_events(StackName="team-food")["StackEvents"]
    failed = [e for e in events if e["ResourceStatus"] == "UPDATE_FAILED"]
    assert failed[0]["LogicalResourceId"] == "Task"
    assert "InvalidResourceStateFault" in failed[0]["ResourceStatusReason"]
    task = _task()
    assert task["ReplicationTaskArn"] == arn and "menus" not in task["TableMappings"]


def test_injected_stack_update_failure(sandbox) -> None:
    """fail_next_stack_update: the next update ends UPDATE_ROLLBACK_COMPLETE with the reason."""
    _create(team_template(ORDERS))
    sandbox.fail_next_stack_update("team-food", reason="Simulated outage")
    cfn = client("cloudformation")
    cfn.update_stack(StackName="team-food", TemplateBody=team_template(ORDERS, cdc_interval=600))
    stack = poll(
        lambda: cfn.describe_stacks(StackName="team-food")["Stacks"][0],
        lambda s: s["StackStatus"].endswith("_COMPLETE"),
    )
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    reasons = [
        e.get("ResourceStatusReason") or ""
        for e in cfn.describe_stack_events(StackName="team-food")["StackEvents"]
    ]
    assert any("Simulated outage" in r for r in reasons)
    target = client("dms").describe_endpoints(
        Filters=[{"Name": "endpoint-id", "Values": ["s3-target"]}]
    )["Endpoints"][0]
    assert target["S3Settings"]["CdcMaxBatchInterval"] == 60


def test_update_while_in_progress_is_refused(sandbox) -> None:
    """A stack that is *_IN_PROGRESS cannot be updated (ValidationError)."""
    cfn = boto3.client(
        "cloudformation", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1})
    )
    cfn.create_stack(StackName="team-food", TemplateBody=team_template(ORDERS))
    with pytest.raises(cfn.exceptions.ClientError, match="CREATE_IN_PROGRESS"):
        cfn.update_stack(
            StackName="team-food", TemplateBody=team_template(ORDERS, cdc_interval=600)
        )


def test_replaced_task_is_deleted_and_the_new_one_stays(sandbox) -> None:
    """Moving a task to another instance replaces it: the old task goes 'deleting' and then
    disappears; the new one (under its own ARN) stays, once the stack is complete."""
    _create(team_template(ORDERS))
    old = _task()["ReplicationTaskArn"]
    cfn = client("cloudformation")
    moved = team_template(ORDERS, instance="InstanceB", task_id="food-orders-b")
    cfn.update_stack(StackName="team-food", TemplateBody=moved)
    during = {t["ReplicationTaskArn"]: t["Status"] for t in _tasks()}
    assert during[old] == "deleting"
    cfn.get_waiter("stack_update_complete").wait(StackName="team-food", WaiterConfig=WAIT)
    after = poll(_tasks, lambda ts: all(t["ReplicationTaskArn"] != old for t in ts))
    assert [t["ReplicationTaskIdentifier"] for t in after] == ["food-orders-b"]
    assert after[0]["ReplicationInstanceArn"].endswith(":rep:food-ri-b")


def test_resource_identifier_in_use_is_refused(sandbox) -> None:
    """A second task with a ResourceIdentifier already in use does not take over the ARN."""
    _create(team_template(ORDERS))
    dms = client("dms")
    task = _task()
    copy = {
        k: task[k]
        for k in (
            "SourceEndpointArn",
            "TargetEndpointArn",
            "ReplicationInstanceArn",
            "MigrationType",
            "TableMappings",
        )
    }
    dms.create_replication_task(ReplicationTaskIdentifier="one", ResourceIdentifier="SAME1", **copy)
    with pytest.raises(dms.exceptions.ResourceAlreadyExistsFault):
        dms.create_replication_task(
            ReplicationTaskIdentifier="two", ResourceIdentifier="SAME1", **copy
        )
    assert sorted(t["ReplicationTaskIdentifier"] for t in _tasks()) == ["food-orders", "one"]


def _tasks() -> list[dict]:
    return client("dms").describe_replication_tasks()["ReplicationTasks"]


def test_deleted_stack_leaves_no_task_behind(sandbox) -> None:
    """DELETE_COMPLETE means its resources are gone: no task is still 'deleting'."""
    _create(team_template(ORDERS))
    cfn = client("cloudformation")
    cfn.delete_stack(StackName="team-food")
    cfn.get_waiter("stack_delete_complete").wait(StackName="team-food", WaiterConfig=WAIT)
    assert _tasks() == []
    assert client("dms").describe_replication_instances()["ReplicationInstances"] == []

"""Contract tests: stack-state faults (hold_stack, fail_rollback) and ContinueUpdateRollback.

AWS: a stack operation is *_IN_PROGRESS until it ends, and an update cannot start meanwhile;
a failed update whose rollback fails too leaves the stack UPDATE_ROLLBACK_FAILED, which only
ContinueUpdateRollback (or a delete) gets it out of.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html#troubleshooting-errors-update-rollback-failed
"""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, WaiterError
from dms_templates import team_template
from sandbox_helpers import client, poll

pytestmark = pytest.mark.sandbox

ORDERS = [("food", "orders", "fooddb__food__orders__v1")]
WAIT = {"Delay": 0.05, "MaxAttempts": 400}
# Several times a whole stack operation plus its rollback at the test time scale (0.02).
LONGER_THAN_AN_OPERATION = 1.0


def _cfn() -> Any:
    # No retries: a refused update must surface at once.
    return boto3.client(
        "cloudformation", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1})
    )


def _status(name: str = "team-food") -> str:
    return _cfn().describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]


def _created() -> Any:
    cfn = _cfn()
    cfn.create_stack(StackName="team-food", TemplateBody=team_template(ORDERS))
    cfn.get_waiter("stack_create_complete").wait(StackName="team-food", WaiterConfig=WAIT)
    return cfn


def _cdc_interval() -> int:
    target = client("dms").describe_endpoints(
        Filters=[{"Name": "endpoint-id", "Values": ["s3-target"]}]
    )["Endpoints"][0]
    return target["S3Settings"]["CdcMaxBatchInterval"]


def test_held_stack_update_stays_in_progress_until_released(sandbox) -> None:
    """hold_stack: an executed change set leaves the stack UPDATE_IN_PROGRESS (and the
    execution EXECUTE_IN_PROGRESS) for as long as the hold lasts; another update is refused
    meanwhile; once faults are cleared, the update finishes normally."""
    cfn = _created()
    sandbox.hold_stack("team-food")
    cfn.create_change_set(
        StackName="team-food",
        ChangeSetName="c1",
        TemplateBody=team_template(ORDERS, cdc_interval=600),
    )
    cfn.get_waiter("change_set_create_complete").wait(
        StackName="team-food", ChangeSetName="c1", WaiterConfig=WAIT
    )
    cfn.execute_change_set(StackName="team-food", ChangeSetName="c1")
    time.sleep(LONGER_THAN_AN_OPERATION)
    assert _status() == "UPDATE_IN_PROGRESS"
    change_set = cfn.describe_change_set(StackName="team-food", ChangeSetName="c1")
    assert change_set["ExecutionStatus"] == "EXECUTE_IN_PROGRESS"
    with pytest.raises(ClientError, match="is in UPDATE_IN_PROGRESS state and can not be updated"):
        cfn.update_stack(StackName="team-food", TemplateBody=team_template(ORDERS, cdc_interval=5))
    assert sandbox.faults()["held_stacks"] == ["team-food"]

    sandbox.clear_faults()
    cfn.get_waiter("stack_update_complete").wait(StackName="team-food", WaiterConfig=WAIT)
    assert _status() == "UPDATE_COMPLETE"
    change_set = poll(
        lambda: cfn.describe_change_set(StackName="team-food", ChangeSetName="c1"),
        lambda c: c["ExecutionStatus"] != "EXECUTE_IN_PROGRESS",
    )
    assert change_set["ExecutionStatus"] == "EXECUTE_COMPLETE"
    assert _cdc_interval() == 600


def test_hold_applies_to_an_operation_already_in_progress(sandbox) -> None:
    """hold_stack on a stack being created keeps it CREATE_IN_PROGRESS; released, it
    completes with its exports, as a creation that merely took long."""
    cfn = _cfn()
    cfn.create_stack(StackName="team-food", TemplateBody=team_template(ORDERS))
    sandbox.hold_stack("team-food")
    time.sleep(LONGER_THAN_AN_OPERATION)
    assert _status() == "CREATE_IN_PROGRESS"
    sandbox.clear_faults()
    cfn.get_waiter("stack_create_complete").wait(StackName="team-food", WaiterConfig=WAIT)
    assert "food-TaskArn" in {e["Name"] for e in cfn.list_exports()["Exports"]}


def test_failed_rollback_leaves_update_rollback_failed_with_reasons(sandbox) -> None:
    """fail_rollback: the next update fails, its rollback fails too: UPDATE_FAILED on the
    resource, UPDATE_ROLLBACK_IN_PROGRESS, UPDATE_FAILED again during the rollback (with the
    rollback's reason), then UPDATE_ROLLBACK_FAILED. The update waiter fails, further updates
    are refused, and ContinueUpdateRollback brings it to UPDATE_ROLLBACK_COMPLETE."""
    cfn = _created()
    sandbox.fail_rollback("team-food", reason="Replication instance is not available")
    cfn.update_stack(StackName="team-food", TemplateBody=team_template(ORDERS, cdc_interval=600))
    with pytest.raises(WaiterError, match="UPDATE_ROLLBACK_FAILED"):
        cfn.get_waiter("stack_update_complete").wait(StackName="team-food", WaiterConfig=WAIT)
    stack = cfn.describe_stacks(StackName="team-food")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_FAILED"
    assert stack["StackStatusReason"].startswith("The following resource(s) failed to update: [")

    events = cfn.describe_stack_events(StackName="team-food")["StackEvents"][::-1]  # oldest first
    since_update = events[
        max(
            i
            for i, e in enumerate(events)
            if e["ResourceStatus"] == "UPDATE_IN_PROGRESS"
            and e["ResourceType"] == "AWS::CloudFormation::Stack"
        ) :
    ]
    assert [
        (e["ResourceType"] == "AWS::CloudFormation::Stack", e["ResourceStatus"])
        for e in since_update
    ] == [
        (True, "UPDATE_IN_PROGRESS"),
        (False, "UPDATE_IN_PROGRESS"),
        (False, "UPDATE_FAILED"),
        (True, "UPDATE_ROLLBACK_IN_PROGRESS"),
        (False, "UPDATE_FAILED"),
        (True, "UPDATE_ROLLBACK_FAILED"),
    ]
    assert since_update[2]["ResourceStatusReason"] == "Injected failure"
    assert since_update[4]["ResourceStatusReason"] == "Replication instance is not available"
    assert _cdc_interval() == 60  # the update changed nothing
    assert sandbox.faults()["failed_rollbacks"] == {}  # consumed

    with pytest.raises(ClientError, match="UPDATE_ROLLBACK_FAILED state and can not be updated"):
        cfn.update_stack(StackName="team-food", TemplateBody=team_template(ORDERS, cdc_interval=5))

    cfn.continue_update_rollback(StackName="team-food")
    assert _status() == "UPDATE_ROLLBACK_IN_PROGRESS"
    cfn.get_waiter("stack_rollback_complete").wait(StackName="team-food", WaiterConfig=WAIT)
    assert _status() == "UPDATE_ROLLBACK_COMPLETE"
    cfn.update_stack(StackName="team-food", TemplateBody=team_template(ORDERS, cdc_interval=600))
    cfn.get_waiter("stack_update_complete").wait(StackName="team-food", WaiterConfig=WAIT)
    assert _cdc_interval() == 600


def test_failed_rollback_of_a_change_set_execution(sandbox) -> None:
    """Through a change set (the deploy path): the execution ends EXECUTE_FAILED and the stack
    UPDATE_ROLLBACK_FAILED; with fail_next_stack_update armed too, its reason is the update's."""
    cfn = _created()
    sandbox.fail_next_stack_update("team-food", reason="Simulated outage")
    sandbox.fail_rollback("team-food")
    cfn.create_change_set(
        StackName="team-food",
        ChangeSetName="c1",
        TemplateBody=team_template(ORDERS, cdc_interval=600),
    )
    cfn.get_waiter("change_set_create_complete").wait(
        StackName="team-food", ChangeSetName="c1", WaiterConfig=WAIT
    )
    cfn.execute_change_set(StackName="team-food", ChangeSetName="c1")
    poll(_status, lambda s: s == "UPDATE_ROLLBACK_FAILED")
    change_set = poll(
        lambda: cfn.describe_change_set(StackName="team-food", ChangeSetName="c1"),
        lambda c: c["ExecutionStatus"] != "EXECUTE_IN_PROGRESS",
    )
    assert change_set["ExecutionStatus"] == "EXECUTE_FAILED"
    reasons = [
        e.get("ResourceStatusReason") or ""
        for e in cfn.describe_stack_events(StackName="team-food")["StackEvents"]
        if e["ResourceStatus"] == "UPDATE_FAILED"
    ]
    assert "Simulated outage" in reasons
    assert any("Injected rollback failure" in r for r in reasons)


def test_continue_update_rollback_needs_update_rollback_failed(sandbox) -> None:
    """ContinueUpdateRollback on a stack that is not UPDATE_ROLLBACK_FAILED is refused."""
    cfn = _created()
    with pytest.raises(ClientError, match="CREATE_COMPLETE"):
        cfn.continue_update_rollback(StackName="team-food")

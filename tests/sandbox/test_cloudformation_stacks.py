"""Contract tests: stack, change set and event details that clients read.

https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Stack.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListChangeSets.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_GetTemplate.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackResource.html
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError, WaiterError
from sandbox_helpers import client

pytestmark = pytest.mark.sandbox

WAIT = {"Delay": 0.05, "MaxAttempts": 400}


def _param(name: str, value: str) -> dict[str, str]:
    return {"Name": f"/dms/{name}", "Type": "String", "Value": value}


def _template(a: str = "one", b: str = "two") -> str:
    return json.dumps(
        {
            "Resources": {
                "A": {"Type": "AWS::SSM::Parameter", "Properties": _param("a", a)},
                "B": {"Type": "AWS::SSM::Parameter", "Properties": _param("b", b)},
            }
        }
    )


def _create(name: str = "s", body: str | None = None) -> None:
    cfn = client("cloudformation")
    cfn.create_stack(StackName=name, TemplateBody=body or _template())
    cfn.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig=WAIT)


def _update(**kwargs) -> None:
    cfn = client("cloudformation")
    cfn.update_stack(StackName="s", **kwargs)
    cfn.get_waiter("stack_update_complete").wait(StackName="s", WaiterConfig=WAIT)


def test_update_sets_last_updated_time_and_only_changed_resources_are_updated(sandbox) -> None:
    _create()
    cfn = client("cloudformation")
    assert "LastUpdatedTime" not in cfn.describe_stacks(StackName="s")["Stacks"][0]
    _update(TemplateBody=_template(a="changed"))
    stack = cfn.describe_stacks(StackName="s")["Stacks"][0]
    assert stack["LastUpdatedTime"] >= stack["CreationTime"]
    resources = cfn.describe_stack_resources(StackName="s")["StackResources"]
    assert {r["LogicalResourceId"]: r["ResourceStatus"] for r in resources} == {
        "A": "UPDATE_COMPLETE",
        "B": "CREATE_COMPLETE",
    }
    summaries = cfn.list_stack_resources(StackName="s")["StackResourceSummaries"]
    assert {r["LogicalResourceId"]: r["ResourceStatus"] for r in summaries} == {
        "A": "UPDATE_COMPLETE",
        "B": "CREATE_COMPLETE",
    }


def test_tag_only_update_is_an_update(sandbox) -> None:
    _create()
    _update(UsePreviousTemplate=True, Tags=[{"Key": "team", "Value": "food"}])
    stack = client("cloudformation").describe_stacks(StackName="s")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    assert stack["Tags"] == [{"Key": "team", "Value": "food"}]


def test_list_change_sets_lists_only_the_named_stack(sandbox) -> None:
    cfn = client("cloudformation")
    for name in ("s", "t"):
        cfn.create_change_set(
            StackName=name,
            ChangeSetName=f"{name}-1",
            ChangeSetType="CREATE",
            TemplateBody=_template(),
        )
    names = [c["ChangeSetName"] for c in cfn.list_change_sets(StackName="s")["Summaries"]]
    assert names == ["s-1"]


def test_failed_update_shows_resource_update_in_progress_before_update_failed(sandbox) -> None:
    _create()
    sandbox.fail_next_stack_update("s", reason="Injected failure")
    cfn = client("cloudformation")
    cfn.update_stack(StackName="s", TemplateBody=_template(a="changed"))
    with pytest.raises(WaiterError):
        cfn.get_waiter("stack_update_complete").wait(StackName="s", WaiterConfig=WAIT)
    events = cfn.describe_stack_events(StackName="s")["StackEvents"][::-1]  # oldest first
    a = [e["ResourceStatus"] for e in events if e["LogicalResourceId"] == "A"]
    assert a[-2:] == ["UPDATE_IN_PROGRESS", "UPDATE_FAILED"]


def test_delete_writes_one_stack_delete_in_progress_event(sandbox) -> None:
    _create()
    cfn = client("cloudformation")
    stack_id = cfn.describe_stacks(StackName="s")["Stacks"][0]["StackId"]
    cfn.delete_stack(StackName="s")
    cfn.get_waiter("stack_delete_complete").wait(StackName="s", WaiterConfig=WAIT)
    events = cfn.describe_stack_events(StackName=stack_id)["StackEvents"]
    stack_events = [e["ResourceStatus"] for e in events if e["LogicalResourceId"] == "s"]
    assert stack_events.count("DELETE_IN_PROGRESS") == 1
    assert stack_events[0] == "DELETE_COMPLETE"


def test_get_template_reports_stages_and_policy_url_errors_name_it(sandbox) -> None:
    _create()
    cfn = client("cloudformation")
    answer = cfn.get_template(StackName="s")
    assert answer["StagesAvailable"] == ["Original", "Processed"]
    with pytest.raises(ClientError) as raised:
        cfn.set_stack_policy(
            StackName="s", StackPolicyURL="https://nope.s3.amazonaws.com/policy.json"
        )
    message = raised.value.response["Error"]["Message"]
    assert "StackPolicyURL" in message
    assert "TemplateURL" not in message


def test_change_set_of_tags_only_is_a_change_and_no_tags_keeps_them(sandbox) -> None:
    _create()
    cfn = client("cloudformation")
    tags = [{"Key": "team", "Value": "food"}]
    cfn.create_change_set(StackName="s", ChangeSetName="t1", UsePreviousTemplate=True, Tags=tags)
    cfn.get_waiter("change_set_create_complete").wait(
        StackName="s", ChangeSetName="t1", WaiterConfig=WAIT
    )
    cfn.execute_change_set(StackName="s", ChangeSetName="t1")
    cfn.get_waiter("stack_update_complete").wait(StackName="s", WaiterConfig=WAIT)
    assert cfn.describe_stacks(StackName="s")["Stacks"][0]["Tags"] == tags
    # A change set without Tags changes the template only; the stack keeps its tags.
    cfn.create_change_set(StackName="s", ChangeSetName="t2", TemplateBody=_template(a="new"))
    cfn.get_waiter("change_set_create_complete").wait(
        StackName="s", ChangeSetName="t2", WaiterConfig=WAIT
    )
    cfn.execute_change_set(StackName="s", ChangeSetName="t2")
    cfn.get_waiter("stack_update_complete").wait(StackName="s", WaiterConfig=WAIT)
    assert cfn.describe_stacks(StackName="s")["Stacks"][0]["Tags"] == tags

"""Contract tests: exports in use by another stack (ListImports, refused updates and deletes).

https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListImports.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-stack-exports.html
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError, WaiterError
from sandbox_helpers import client

pytestmark = pytest.mark.sandbox

WAIT = {"Delay": 0.05, "MaxAttempts": 400}


def _exporter(exports: dict[str, str]) -> str:
    outputs = {
        f"Out{i}": {"Value": value, "Export": {"Name": name}}
        for i, (name, value) in enumerate(sorted(exports.items()))
    }
    return json.dumps(
        {
            "Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
            "Outputs": outputs,
        }
    )


def _importer(export_name: str) -> str:
    return json.dumps(
        {
            "Parameters": {"Network": {"Type": "String", "Default": "network"}},
            "Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
            "Outputs": {
                "Seen": {
                    "Value": {
                        "Fn::ImportValue": {"Fn::Sub": "${Network}-" + export_name.split("-", 1)[1]}
                    }
                }
            },
        }
    )


def _create(name: str, body: str) -> None:
    cfn = client("cloudformation")
    cfn.create_stack(StackName=name, TemplateBody=body)
    cfn.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig=WAIT)


def _two_stacks() -> None:
    _create("network", _exporter({"network-VpcId": "vpc-1", "network-Other": "x"}))
    _create("team-food", _importer("network-VpcId"))


def test_list_imports_names_the_importing_stacks(sandbox) -> None:
    _two_stacks()
    cfn = client("cloudformation")
    assert cfn.list_imports(ExportName="network-VpcId")["Imports"] == ["team-food"]
    with pytest.raises(ClientError) as raised:
        cfn.list_imports(ExportName="network-Other")
    assert raised.value.response["Error"]["Code"] == "ValidationError"
    assert raised.value.response["Error"]["Message"] == (
        "Export 'network-Other' is not imported by any stack."
    )


@pytest.mark.parametrize(
    ("exports", "message"),
    [
        (
            {"network-Other": "x"},
            "Cannot delete export network-VpcId as it is in use by team-food.",
        ),
        (
            {"network-VpcId": "vpc-2", "network-Other": "x"},
            "Cannot update export network-VpcId as it is in use by team-food.",
        ),
    ],
)
def test_update_of_an_export_in_use_rolls_back(sandbox, exports, message) -> None:
    _two_stacks()
    cfn = client("cloudformation")
    cfn.update_stack(StackName="network", TemplateBody=_exporter(exports))
    with pytest.raises(WaiterError):  # the waiter fails on UPDATE_ROLLBACK_COMPLETE
        cfn.get_waiter("stack_update_complete").wait(StackName="network", WaiterConfig=WAIT)
    stack = cfn.describe_stacks(StackName="network")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    reasons = [
        e.get("ResourceStatusReason", "")
        for e in cfn.describe_stack_events(StackName="network")["StackEvents"]
    ]
    assert any(message in r for r in reasons), reasons
    values = {e["Name"]: e["Value"] for e in cfn.list_exports()["Exports"]}
    assert values["network-VpcId"] == "vpc-1"


def test_update_of_an_unused_export_goes_through(sandbox) -> None:
    _two_stacks()
    cfn = client("cloudformation")
    cfn.update_stack(
        StackName="network",
        TemplateBody=_exporter({"network-VpcId": "vpc-1", "network-Other": "y"}),
    )
    cfn.get_waiter("stack_update_complete").wait(StackName="network", WaiterConfig=WAIT)
    values = {e["Name"]: e["Value"] for e in cfn.list_exports()["Exports"]}
    assert values["network-Other"] == "y"


def test_delete_of_a_stack_whose_export_is_in_use_fails(sandbox) -> None:
    _two_stacks()
    cfn = client("cloudformation")
    cfn.delete_stack(StackName="network")
    with pytest.raises(WaiterError):
        cfn.get_waiter("stack_delete_complete").wait(StackName="network", WaiterConfig=WAIT)
    stack = cfn.describe_stacks(StackName="network")["Stacks"][0]
    assert stack["StackStatus"] == "DELETE_FAILED"
    assert stack["StackStatusReason"] == (
        "Export network-VpcId cannot be deleted as it is in use by team-food."
    )
    # Once the importer is gone, the export is free.
    cfn.delete_stack(StackName="team-food")
    cfn.get_waiter("stack_delete_complete").wait(StackName="team-food", WaiterConfig=WAIT)
    cfn.delete_stack(StackName="network")
    cfn.get_waiter("stack_delete_complete").wait(StackName="network", WaiterConfig=WAIT)

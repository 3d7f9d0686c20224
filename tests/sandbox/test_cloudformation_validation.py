"""Contract tests: what CloudFormation refuses up front, and what ValidateTemplate answers.

https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ValidateTemplate.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/control-access-with-iam.html#using-iam-capabilities
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError, WaiterError
from sandbox_helpers import client

pytestmark = pytest.mark.sandbox

WAIT = {"Delay": 0.05, "MaxAttempts": 400}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "dms.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def _role_template(named: bool = False) -> str:
    props: dict[str, Any] = {"AssumeRolePolicyDocument": TRUST}
    if named:
        props["RoleName"] = "dms-s3-role"
    return json.dumps({"Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": props}}})


def _error(call: Any, **kwargs: Any) -> dict[str, str]:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    return raised.value.response["Error"]


def _params_template(*required: str, default: str | None = None) -> str:
    params: dict[str, Any] = {name: {"Type": "String"} for name in required}
    if default is not None:
        params["Optional"] = {"Type": "String", "Default": default}
    return json.dumps(
        {
            "Parameters": params,
            "Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
            "Outputs": {name: {"Value": {"Ref": name}} for name in params},
        }
    )


@pytest.mark.parametrize(
    ("named", "needed"), [(False, "CAPABILITY_IAM"), (True, "CAPABILITY_NAMED_IAM")]
)
def test_iam_resources_need_capabilities(sandbox, named: bool, needed: str) -> None:
    cfn = client("cloudformation")
    body = _role_template(named)
    expected = {
        "Type": "Sender",
        "Code": "InsufficientCapabilitiesException",
        "Message": f"Requires capabilities : [{needed}]",
    }
    assert _error(cfn.create_stack, StackName="base", TemplateBody=body) == expected
    change_set = {"StackName": "base", "ChangeSetName": "c1", "ChangeSetType": "CREATE"}
    assert _error(cfn.create_change_set, TemplateBody=body, **change_set) == expected
    if named:  # CAPABILITY_IAM does not cover a named IAM resource
        assert (
            _error(
                cfn.create_stack,
                StackName="base",
                TemplateBody=body,
                Capabilities=["CAPABILITY_IAM"],
            )
            == expected
        )
    assert cfn.describe_stacks()["Stacks"] == []
    cfn.create_stack(StackName="base", TemplateBody=body, Capabilities=[needed])
    cfn.get_waiter("stack_create_complete").wait(StackName="base", WaiterConfig=WAIT)
    # An update of such a template needs them again.
    other = json.loads(body)
    other["Resources"]["Role"]["Properties"]["Path"] = "/dms/"
    assert _error(cfn.update_stack, StackName="base", TemplateBody=json.dumps(other)) == expected


@pytest.mark.parametrize("block", ["Resources", "Outputs"])
def test_unresolved_ref_is_a_template_format_error(sandbox, block: str) -> None:
    template: dict[str, Any] = {
        "Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}
    }
    if block == "Resources":
        template["Resources"]["Other"] = {
            "Type": "AWS::SQS::Queue",
            "Properties": {"QueueName": {"Ref": "Missing"}},
        }
    else:
        template["Outputs"] = {"Out": {"Value": {"Fn::GetAtt": ["Missing", "Arn"]}}}
    cfn = client("cloudformation")
    error = _error(
        cfn.create_change_set,
        StackName="s",
        ChangeSetName="c1",
        ChangeSetType="CREATE",
        TemplateBody=json.dumps(template),
    )
    assert error["Code"] == "ValidationError"
    assert error["Message"] == (
        f"Template format error: Unresolved resource dependencies [Missing] in the {block} "
        "block of the template"
    )
    assert _error(cfn.validate_template, TemplateBody=json.dumps(template)) == error


def test_validate_template_reports_parameters_and_capabilities(sandbox) -> None:
    cfn = client("cloudformation")
    body = json.loads(_role_template(named=True))
    body["Description"] = "base"
    body["Parameters"] = {
        "Unused": {"Type": "String", "Default": "x", "Description": "declared, never used"},
        "Env": {"Type": "String"},
    }
    answer = cfn.validate_template(TemplateBody=json.dumps(body))
    assert answer["Description"] == "base"
    assert answer["Parameters"] == [
        {
            "ParameterKey": "Unused",
            "DefaultValue": "x",
            "NoEcho": False,
            "Description": "declared, never used",
        },
        {"ParameterKey": "Env", "NoEcho": False},
    ]
    assert answer["Capabilities"] == ["CAPABILITY_NAMED_IAM"]
    assert answer["CapabilitiesReason"] == (
        "The following resource(s) require capabilities: [AWS::IAM::Role]"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Resources:\n  A: [unclosed\n", "Template format error: YAML not well-formed."),
        ('{"Resources": ', "Template format error: JSON not well-formed."),
        (
            json.dumps({"Resources": {"A": {"Type": "AWS::Nope::Thing"}}}),
            "Template format error: Unrecognized resource types: [AWS::Nope::Thing]",
        ),
        (
            json.dumps({"Outputs": {}}),
            "Template format error: At least one Resources member must be defined.",
        ),
    ],
)
def test_validate_template_format_errors(sandbox, body: str, message: str) -> None:
    error = _error(client("cloudformation").validate_template, TemplateBody=body)
    assert error["Code"] == "ValidationError"
    assert error["Message"].startswith(message)


def test_missing_or_unknown_parameters_are_refused_and_the_stack_stays_updatable(sandbox) -> None:
    """An update that lacks a new required parameter is refused by the call (AWS), not
    rolled back; the stack keeps its parameters, and the next valid update works."""
    cfn = client("cloudformation")
    error = _error(cfn.create_stack, StackName="s", TemplateBody=_params_template("Env"))
    assert error["Message"] == "Parameters: [Env] must have values"
    cfn.create_stack(
        StackName="s",
        TemplateBody=_params_template("Env"),
        Parameters=[{"ParameterKey": "Env", "ParameterValue": "dev"}],
    )
    cfn.get_waiter("stack_create_complete").wait(StackName="s", WaiterConfig=WAIT)
    kept = [{"ParameterKey": "Env", "UsePreviousValue": True}]
    error = _error(
        cfn.update_stack,
        StackName="s",
        TemplateBody=_params_template("Env", "Team"),
        Parameters=kept,
    )
    assert error == {
        "Type": "Sender",
        "Code": "ValidationError",
        "Message": "Parameters: [Team] must have values",
    }
    error = _error(
        cfn.update_stack,
        StackName="s",
        TemplateBody=_params_template("Env"),
        Parameters=[*kept, {"ParameterKey": "Nope", "ParameterValue": "x"}],
    )
    assert error["Message"] == "Parameters: [Nope] do not exist in the template"
    assert cfn.describe_stacks(StackName="s")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"

    cfn.update_stack(
        StackName="s",
        TemplateBody=_params_template("Env", default="d"),
        Parameters=kept,
    )
    cfn.get_waiter("stack_update_complete").wait(StackName="s", WaiterConfig=WAIT)
    stack = cfn.describe_stacks(StackName="s")["Stacks"][0]
    values = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert values == {"Env": "dev", "Optional": "d"}


def test_update_that_fails_midway_keeps_the_stack_parameters(sandbox) -> None:
    """An update moto cannot carry out (an import of a missing export) rolls back and leaves
    the stack's parameters as they were, so a later valid update still works."""
    cfn = client("cloudformation")
    cfn.create_stack(
        StackName="s",
        TemplateBody=_params_template("Env"),
        Parameters=[{"ParameterKey": "Env", "ParameterValue": "dev"}],
    )
    cfn.get_waiter("stack_create_complete").wait(StackName="s", WaiterConfig=WAIT)
    broken = json.loads(_params_template("Env", "Team"))
    broken["Resources"]["Imported"] = {
        "Type": "AWS::SSM::Parameter",
        "Properties": {"Name": "/x", "Type": "String", "Value": {"Fn::ImportValue": "missing"}},
    }
    cfn.update_stack(
        StackName="s",
        TemplateBody=json.dumps(broken),
        Parameters=[
            {"ParameterKey": "Env", "UsePreviousValue": True},
            {"ParameterKey": "Team", "ParameterValue": "food"},
        ],
    )
    with pytest.raises(WaiterError):
        cfn.get_waiter("stack_update_complete").wait(StackName="s", WaiterConfig=WAIT)
    stack = cfn.describe_stacks(StackName="s")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert {p["ParameterKey"] for p in stack["Parameters"]} == {"Env"}
    cfn.update_stack(
        StackName="s",
        TemplateBody=_params_template("Env", default="d"),
        Parameters=[{"ParameterKey": "Env", "UsePreviousValue": True}],
    )
    cfn.get_waiter("stack_update_complete").wait(StackName="s", WaiterConfig=WAIT)
    assert cfn.describe_stacks(StackName="s")["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"

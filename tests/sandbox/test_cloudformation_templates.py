"""Contract tests: the inline TemplateBody limit and templates read from S3 (TemplateURL).

AWS: "Template body size in a request: 51,200 bytes" for CreateStack, UpdateStack,
CreateChangeSet and ValidateTemplate; larger templates are passed as an S3 object URL.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from dms_templates import team_template
from sandbox_helpers import client, poll

pytestmark = pytest.mark.sandbox

ORDERS = [("food", "orders", "fooddb__food__orders__v1")]
LIMIT = 51_200
TOO_LONG = "failed to satisfy constraint: Member must have length less than or equal to 51200"
WAIT = {"Delay": 0.05, "MaxAttempts": 400}


def _padded(size: int, **kwargs: Any) -> str:
    """The small team template, padded with template Metadata to exactly ``size`` bytes."""
    template = json.loads(team_template(ORDERS, **kwargs))
    template["Metadata"] = {"Padding": ""}
    short = len(json.dumps(template).encode())
    template["Metadata"]["Padding"] = "x" * (size - short)
    body = json.dumps(template)
    assert len(body.encode()) == size
    return body


def _refused(call: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response


def _assert_too_long(response: dict[str, Any], body: str) -> None:
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["Error"]["Code"] == "ValidationError"
    # The service's input validation message echoes the value it refused.
    assert response["Error"]["Message"] == (
        f"1 validation error detected: Value '{body}' at 'templateBody' {TOO_LONG}"
    )


def test_inline_template_over_51200_bytes_is_refused_by_every_operation(sandbox) -> None:
    """A TemplateBody of 51,201 bytes is a ValidationError (HTTP 400) in CreateStack,
    UpdateStack, CreateChangeSet and ValidateTemplate; nothing is created or changed."""
    cfn = client("cloudformation")
    big = _padded(LIMIT + 1)
    _assert_too_long(_refused(cfn.validate_template, TemplateBody=big), big)
    _assert_too_long(_refused(cfn.create_stack, StackName="team-food", TemplateBody=big), big)
    create_set = {"StackName": "team-food", "ChangeSetName": "c1", "TemplateBody": big}
    _assert_too_long(_refused(cfn.create_change_set, ChangeSetType="CREATE", **create_set), big)
    assert cfn.describe_stacks()["Stacks"] == []

    cfn.create_stack(StackName="team-food", TemplateBody=team_template(ORDERS))
    cfn.get_waiter("stack_create_complete").wait(StackName="team-food", WaiterConfig=WAIT)
    _assert_too_long(_refused(cfn.update_stack, StackName="team-food", TemplateBody=big), big)
    _assert_too_long(_refused(cfn.create_change_set, **create_set), big)
    stack = cfn.describe_stacks(StackName="team-food")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert cfn.list_change_sets(StackName="team-food")["Summaries"] == []


def test_inline_template_of_exactly_51200_bytes_is_accepted(sandbox) -> None:
    """The limit is inclusive: 51,200 bytes inline still works."""
    cfn = client("cloudformation")
    body = _padded(LIMIT)
    assert cfn.validate_template(TemplateBody=body)["Parameters"] == []
    cfn.create_stack(StackName="team-food", TemplateBody=body)
    cfn.get_waiter("stack_create_complete").wait(StackName="team-food", WaiterConfig=WAIT)


def test_non_ascii_template_is_measured_in_bytes(sandbox) -> None:
    """The quota is documented in bytes: 30,000 two-byte characters (60,000 bytes) are
    refused. (AWS's validator may count characters; the sandbox is the stricter of the two.)"""
    template = json.loads(team_template(ORDERS))
    template["Metadata"] = {"Padding": "é" * 30_000}
    body = json.dumps(template, ensure_ascii=False)
    assert len(body) < LIMIT < len(body.encode())
    _assert_too_long(_refused(client("cloudformation").validate_template, TemplateBody=body), body)


# Bucket names moto's own URL parsing gets wrong: one starting with "s3", one with dots.
URL_FORMS = [
    ("acme-templates", "https://{b}.s3.us-east-1.amazonaws.com/{k}"),
    ("acme-templates", "https://{b}.s3.amazonaws.com/{k}"),
    ("acme-templates", "https://s3.us-east-1.amazonaws.com/{b}/{k}"),
    ("acme-templates", "https://s3.amazonaws.com/{b}/{k}"),
    ("acme-templates", "https://s3-us-east-1.amazonaws.com/{b}/{k}"),
    ("acme-templates", "https://{b}.s3.dualstack.us-east-1.amazonaws.com/{k}"),
    ("s3-templates", "https://{b}.s3.us-east-1.amazonaws.com/{k}"),
    ("acme.templates", "https://{b}.s3.us-east-1.amazonaws.com/{k}"),
]
KEY = "dms/team food+v2.json"  # a space and a plus: the URL carries them percent-encoded
ENCODED_KEY = "dms/team%20food%2Bv2.json"


def _upload(bucket: str, body: str, key: str = KEY) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key=key, Body=body.encode())


@pytest.mark.parametrize(("bucket", "form"), URL_FORMS)
def test_change_set_reads_a_large_template_from_every_s3_url_form(
    sandbox, bucket: str, form: str
) -> None:
    """CreateChangeSet with TemplateURL reads the object, virtual-hosted or path style, with a
    regional, global, legacy or dual-stack host and a percent-encoded key; 100 kB works."""
    body = _padded(100_000)
    _upload(bucket, body)
    url = form.format(b=bucket, k=ENCODED_KEY)
    cfn = client("cloudformation")
    cfn.create_change_set(
        StackName="team-food", ChangeSetName="c1", ChangeSetType="CREATE", TemplateURL=url
    )
    cfn.get_waiter("change_set_create_complete").wait(
        StackName="team-food", ChangeSetName="c1", WaiterConfig=WAIT
    )
    change_set = cfn.describe_change_set(StackName="team-food", ChangeSetName="c1")
    added = {c["ResourceChange"]["LogicalResourceId"] for c in change_set["Changes"]}
    assert {"Task", "InstanceA", "Target"} <= added


def test_create_and_update_stack_from_template_urls(sandbox) -> None:
    """CreateStack and UpdateStack take a TemplateURL too (templates over the inline limit),
    and ValidateTemplate validates one."""
    _upload("acme.templates", _padded(80_000))
    _upload("acme.templates", _padded(80_000, cdc_interval=600), key="dms/next.json")
    cfn = client("cloudformation")
    first = f"https://acme.templates.s3.us-east-1.amazonaws.com/{ENCODED_KEY}"
    assert "Parameters" in cfn.validate_template(TemplateURL=first)
    cfn.create_stack(StackName="team-food", TemplateURL=first)
    cfn.get_waiter("stack_create_complete").wait(StackName="team-food", WaiterConfig=WAIT)
    cfn.update_stack(
        StackName="team-food",
        TemplateURL="https://s3.us-east-1.amazonaws.com/acme.templates/dms/next.json",
    )
    cfn.get_waiter("stack_update_complete").wait(StackName="team-food", WaiterConfig=WAIT)
    target = client("dms").describe_endpoints(
        Filters=[{"Name": "endpoint-id", "Values": ["s3-target"]}]
    )["Endpoints"][0]
    assert target["S3Settings"]["CdcMaxBatchInterval"] == 600


@pytest.mark.parametrize(
    "url",
    [
        "s3://acme-templates/dms/t.json",  # an S3 URI is not a URL CloudFormation reads
        "https://example.com/acme-templates/dms/t.json",  # not S3
        "http://acme-templates.s3.us-east-1.amazonaws.com/dms/t.json",  # must be https
        "https://acme-templates.s3-website-us-east-1.amazonaws.com/dms/t.json",  # website
    ],
)
def test_unsupported_template_urls_are_refused(sandbox, url: str) -> None:
    """AWS accepts only https URLs of S3 objects: "TemplateURL must be a supported URL."."""
    _upload("acme-templates", team_template(ORDERS), key="dms/t.json")
    response = _refused(client("cloudformation").validate_template, TemplateURL=url)
    assert response["Error"]["Code"] == "ValidationError"
    assert response["Error"]["Message"] == "TemplateURL must be a supported URL."


def test_template_url_of_a_missing_object_is_refused(sandbox) -> None:
    """A missing bucket or key is a ValidationError, not an S3 error."""
    _upload("acme-templates", team_template(ORDERS), key="dms/t.json")
    cfn = client("cloudformation")
    for url in (
        "https://acme-templates.s3.amazonaws.com/dms/missing.json",
        "https://no-such-bucket.s3.amazonaws.com/dms/t.json",
    ):
        response = _refused(cfn.create_stack, StackName="team-food", TemplateURL=url)
        assert response["Error"] == {
            "Type": "Sender",
            "Code": "ValidationError",
            "Message": "TemplateURL must reference a valid S3 object to which you have access.",
        }
    assert poll(lambda: cfn.describe_stacks()["Stacks"], lambda s: True) == []


def test_sandbox_endpoint_path_style_url_stands_for_s3(sandbox) -> None:
    """Sandbox only: the sandbox's own endpoint, path style, is its S3 endpoint."""
    _upload("acme-templates", team_template(ORDERS), key="dms/t.json")
    url = f"{sandbox.url}/acme-templates/dms/t.json"
    assert "Parameters" in client("cloudformation").validate_template(TemplateURL=url)


def test_template_url_over_one_megabyte_is_refused(sandbox) -> None:
    """A template in S3 may be up to 1,048,576 bytes; one byte more is a ValidationError
    in every operation that reads a TemplateURL, and no stack is created."""
    _upload("acme-templates", _padded(1_048_576), key="dms/limit.json")
    _upload("acme-templates", _padded(1_048_577), key="dms/big.json")
    cfn = client("cloudformation")
    base = "https://acme-templates.s3.amazonaws.com/dms/"
    assert "Parameters" in cfn.validate_template(TemplateURL=base + "limit.json")
    big = base + "big.json"
    for call, kwargs in (
        (cfn.validate_template, {}),
        (cfn.create_stack, {"StackName": "team-food"}),
        (
            cfn.create_change_set,
            {"StackName": "team-food", "ChangeSetName": "c1", "ChangeSetType": "CREATE"},
        ),
    ):
        response = _refused(call, TemplateURL=big, **kwargs)
        assert response["Error"]["Code"] == "ValidationError"
        assert response["Error"]["Message"] == "Template may not exceed 1048576 bytes in size."
    assert cfn.describe_stacks()["Stacks"] == []

"""The IAM policies in deploy/iam/ allow exactly what the code and CloudFormation need.

The deployer policy has two parts. Statements whose Sid does not start with
`CloudFormation` cover the calls the code makes (found with `ast`). The `CloudFormation*`
statements cover what CloudFormation does with the deployer's own credentials when it
executes a change set, because the code passes no stack service role: the handler
permissions of each resource type in our templates, from the resource schemas cfn-lint ships.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

from tests.production.aws_calls import actions_used

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "plugins" / "dms_deploy"
IAM = REPO / "deploy" / "iam"
# The pure core (configs in, templates out) has no AWS client; jinja's `get_template`
# there would otherwise read as cloudformation:GetTemplate.
PURE_CORE = ("config", "render")
# What `dmsctl plan` and `check_state` run: read-only by design.
PLANNER = ("state", "plan", "checks")
# What `dmsctl drift` and the dms_drift DAG run besides the planner; their own policy.
WATCH = ("watch",)
# The one part of the watch that a deploy runs too: its rehearsal reads CDC latency.
DEPLOY_READS_OF_THE_WATCH = (PACKAGE / "watch" / "cdc_latency.py",)
CFN_PREFIX = "CloudFormation"
HANDLERS = ("create", "read", "update", "delete")

# Handler permissions our templates never exercise, left out on purpose.
NOT_NEEDED = {
    "kms:": "no KmsKeyId is set: DMS uses its AWS managed key",
    "redshift:": "no Redshift endpoint",
    "rds:": "endpoints name their database directly, not an RDS cluster",
    "iam:AttachRolePolicy": "roles carry inline policies only; attaching is an escalation path",
    "iam:DetachRolePolicy": "roles carry inline policies only",
    "iam:PutRolePermissionsBoundary": "no permissions boundary is set",
    "iam:DeleteRolePermissionsBoundary": "removing a boundary is an escalation path",
}
# AWS::DMS::ReplicationInstance is a legacy resource type without handler permissions.
LEGACY_TYPES = {
    "AWS::DMS::ReplicationInstance": {
        "dms:AddTagsToResource",
        "dms:CreateReplicationInstance",
        "dms:DeleteReplicationInstance",
        "dms:DescribeReplicationInstances",
        "dms:ListTagsForResource",
        "dms:ModifyReplicationInstance",
    }
}


def load(name: str) -> list[dict]:
    return json.loads((IAM / name).read_text(encoding="utf-8"))["Statement"]


def actions(statements: list[dict]) -> set[str]:
    found: set[str] = set()
    for statement in statements:
        assert statement["Effect"] == "Allow"
        action = statement["Action"]
        found |= {action} if isinstance(action, str) else set(action)
    return found


def code_actions(subpackages: tuple[str, ...] | None = None) -> set[str]:
    roots = (
        [PACKAGE / p for p in subpackages]
        if subpackages
        else [
            p
            for p in PACKAGE.iterdir()
            if p.name not in (*PURE_CORE, *WATCH) and p.name != "__pycache__"
        ]
        + list(DEPLOY_READS_OF_THE_WATCH)
    )
    return actions_used(roots)


def template_resource_types() -> set[str]:
    text = "".join(
        p.read_text(encoding="utf-8") for p in (REPO / "include" / "templates").glob("*.j2")
    )
    return set(re.findall(r"Type:\s*(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)", text))


def cloudformation_actions() -> set[str]:
    needed: set[str] = set()
    for resource_type in template_resource_types():
        if resource_type in LEGACY_TYPES:
            needed |= LEGACY_TYPES[resource_type]
            continue
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", resource_type).schema
        for handler in HANDLERS:
            needed |= set(schema["handlers"][handler]["permissions"])
    return {a for a in needed if not any(a.startswith(prefix) for prefix in NOT_NEEDED)}


@pytest.fixture(scope="module")
def deployer() -> list[dict]:
    return load("dms-deploy-policy.json")


def test_the_deployer_may_make_every_call_the_code_makes_and_no_other(
    deployer: list[dict],
) -> None:
    direct = [s for s in deployer if not s["Sid"].startswith(CFN_PREFIX)]
    used = code_actions()
    assert used, "the scan found no AWS call at all"
    assert sorted(used - actions(direct)) == [], "called but not allowed"
    assert sorted(actions(direct) - used) == [], "allowed but never called"


def test_cloudformation_gets_what_our_resource_types_need_and_no_more(
    deployer: list[dict],
) -> None:
    on_behalf = [s for s in deployer if s["Sid"].startswith(CFN_PREFIX)]
    needed = cloudformation_actions()
    assert sorted(needed - actions(on_behalf)) == [], "CloudFormation would be refused"
    assert sorted(actions(on_behalf) - needed) == [], "allowed but no resource type needs it"


@pytest.mark.parametrize(
    "name",
    ["dms-deploy-policy.json", "dms-plan-readonly-policy.json", "dms-drift-readonly-policy.json"],
)
def test_no_wildcard_action_and_no_s3_delete(name: str) -> None:
    for action in actions(load(name)):
        service, _, verb = action.partition(":")
        assert "*" not in action, action
        assert service != "s3" or not verb.startswith("Delete"), action


def test_s3_objects_are_reached_only_in_the_template_and_ledger_folders(
    deployer: list[dict],
) -> None:
    """Templates too large to send inline go to `<folder>/cloudformation/`, run records to
    `<folder>/deployments/`; the deployer reaches objects there only, never under
    `<folder>/data/` where DMS writes."""
    base = json.loads((REPO / "dms_configs" / "base.json").read_text(encoding="utf-8"))
    folder = f"arn:aws:s3:::{base['bucket']}/{base['bucket_folder']}"
    object_level = [
        s for s in deployer if any(a.startswith("s3:") and "Bucket" not in a for a in actions([s]))
    ]
    allowed = {
        f"{folder}/cloudformation/*": [{"s3:GetObject", "s3:PutObject"}],
        f"{folder}/deployments/*": [{"s3:GetObject"}, {"s3:PutObject"}],
    }
    assert {s["Resource"] for s in object_level} == set(allowed)
    for statement in object_level:
        assert actions([statement]) in allowed[statement["Resource"]], statement["Sid"]


def test_records_are_only_added_never_overwritten(deployer: list[dict]) -> None:
    """Under `deployments/` a put must carry If-None-Match, which S3 refuses with 412 when
    the key exists (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes-enforce.html).
    """
    base = json.loads((REPO / "dms_configs" / "base.json").read_text(encoding="utf-8"))
    ledger = f"arn:aws:s3:::{base['bucket']}/{base['bucket_folder']}/deployments/*"
    writes = [s for s in deployer if s["Resource"] == ledger and "s3:PutObject" in actions([s])]
    assert writes
    for statement in writes:
        assert statement["Condition"] == {"Null": {"s3:if-none-match": "false"}}, statement


def test_the_dms_roles_can_be_passed_to_dms_only(deployer: list[dict]) -> None:
    passing = [s for s in deployer if "iam:PassRole" in actions([s])]
    assert passing
    for statement in passing:
        assert statement["Condition"]["StringLike"]["iam:PassedToService"].startswith("dms")
        assert statement["Resource"].endswith(":role/dms-*")


def test_the_planner_policy_is_read_only_and_covers_the_planner_calls() -> None:
    readonly = actions(load("dms-plan-readonly-policy.json"))
    for action in readonly:
        verb = action.partition(":")[2]
        assert verb.startswith(("Describe", "List", "Get")) or action == (
            "cloudformation:ValidateTemplate"
        ), action
    used = code_actions(PLANNER)
    assert sorted(used - readonly) == [], "the planner calls more than its policy allows"
    assert sorted(readonly - used) == [], "allowed but the planner never calls it"


def test_the_planner_policy_is_a_subset_of_the_deployer_policy(deployer: list[dict]) -> None:
    assert actions(load("dms-plan-readonly-policy.json")) <= actions(deployer)


def test_the_drift_policy_is_read_only_and_covers_the_watch_calls() -> None:
    """Read-only towards DMS, CloudFormation and CloudWatch; its one write is the watch's
    record in the audit ledger, through `audit.ledger.write_record`: a PutObject under
    `<folder>/deployments/` that must carry If-None-Match, so it never overwrites."""
    statements = load("dms-drift-readonly-policy.json")
    writes = [s for s in statements if "s3:PutObject" in actions([s])]
    base = json.loads((REPO / "dms_configs" / "base.json").read_text(encoding="utf-8"))
    ledger = f"arn:aws:s3:::{base['bucket']}/{base['bucket_folder']}/deployments/*"
    assert [(actions([s]), s["Resource"], s.get("Condition")) for s in writes] == [
        ({"s3:PutObject"}, ledger, {"Null": {"s3:if-none-match": "false"}})
    ]
    readonly = actions([s for s in statements if s not in writes])
    for action in readonly:
        verb = action.partition(":")[2]
        assert verb.startswith(("Describe", "List", "Get")) or action == (
            "cloudformation:ValidateTemplate"
        ), action
    used = code_actions(PLANNER + WATCH)
    assert "cloudwatch:GetMetricData" in used
    assert "s3:PutObject" in actions_used([PACKAGE / "audit" / "ledger.py"])
    used.add("s3:PutObject")  # the ledger record, written by the watch's operator
    assert sorted(used - actions(statements)) == [], "the watch calls more than its policy allows"
    assert sorted(actions(statements) - used) == [], "allowed but the watch never calls it"

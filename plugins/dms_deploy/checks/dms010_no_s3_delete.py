"""DMS010: the DMS role cannot delete (or mass-expire) S3 objects."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from typing import Any

from dms_deploy.checks.base import CheckInfo, Finding
from dms_deploy.checks.context import OfflineCheck, OfflineContext, needs_base_stack
from dms_deploy.config.pointers import pointer
from dms_deploy.render.stacks import RenderedStack

INFO = CheckInfo(
    "DMS010",
    "the DMS role cannot delete S3 objects",
    "Data in the lake is never removed by replication: a reload writes a new folder. "
    "If DMS cannot delete, no setting or bug can make it delete.",
)

# Actions whose grant would let DMS remove or rewrite existing data.
DESTRUCTIVE_ACTIONS = (
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:DeleteBucket",
    "s3:PutLifecycleConfiguration",
    "s3:PutBucketPolicy",
)
_POLICY_TYPES = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statement_problems(statement: dict[str, Any]) -> Iterator[str]:
    if statement.get("Effect") != "Allow":
        return
    if "NotAction" in statement:
        yield "an Allow with NotAction grants every other action, including deletes"
        return
    for action in _as_list(statement.get("Action", [])):
        if not isinstance(action, str):
            yield f"action {action!r} cannot be inspected"
            continue
        granted = [a for a in DESTRUCTIVE_ACTIONS if fnmatch.fnmatch(a.lower(), action.lower())]
        if granted:
            yield f"action {action!r} grants {', '.join(granted)}"


def _policy_documents(resource: dict[str, Any]) -> Iterator[tuple[list[str | int], Any]]:
    props = resource.get("Properties") or {}
    if resource.get("Type") == "AWS::IAM::Role":
        for i, policy in enumerate(props.get("Policies") or []):
            yield ["Properties", "Policies", i, "PolicyDocument"], policy.get("PolicyDocument")
    elif resource.get("Type") in _POLICY_TYPES:
        yield ["Properties", "PolicyDocument"], props.get("PolicyDocument")


def run(ctx: OfflineContext) -> list[Finding]:
    # Every stack: the base stack's S3 role and each team's secrets role alike.
    return [finding for stack in ctx.stacks for finding in _stack_findings(stack)]


def _stack_findings(stack: RenderedStack) -> list[Finding]:
    findings = []
    for name, resource in (stack.template.get("Resources") or {}).items():
        if not isinstance(resource, dict):
            continue
        if resource.get("Type") == "AWS::IAM::Role" and (resource.get("Properties") or {}).get(
            "ManagedPolicyArns"
        ):
            findings.append(
                Finding(
                    f"stack {stack.name}: role {name} attaches managed policies, which "
                    "cannot be checked for S3 deletes; use inline policies",
                    team=stack.team,
                    file=f"{stack.name}.yaml",
                    pointer=pointer("Resources", name, "Properties", "ManagedPolicyArns"),
                )
            )
        for path, document in _policy_documents(resource):
            statements = (document or {}).get("Statement", []) if isinstance(document, dict) else []
            for i, statement in enumerate(_as_list(statements)):
                for problem in _statement_problems(
                    statement if isinstance(statement, dict) else {}
                ):
                    findings.append(
                        Finding(
                            f"stack {stack.name}: {name}: {problem}",
                            team=stack.team,
                            file=f"{stack.name}.yaml",
                            pointer=pointer("Resources", name, *path, "Statement", i),
                        )
                    )
    return findings


CHECK = OfflineCheck(INFO, run, needs_base_stack)

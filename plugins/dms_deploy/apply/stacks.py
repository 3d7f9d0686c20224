"""Deploy one stack through a change set, and read how its operation ended.

AWS behaviour relied on:
- Change sets, their `Changes` and `Replacement` values:
  https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ResourceChange.html
- A change set without changes fails with "The submitted information didn't contain changes":
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-changesets-create.html
- Stack status codes:
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/view-stack-events.html#cfn-console-view-stack-data-resources-status-codes
- A template too large to send inline goes through S3: see `apply.template_store`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from dms_deploy.apply.errors import ApplyError, PreconditionFailed
from dms_deploy.apply.polling import Waiting, wait_until
from dms_deploy.apply.template_store import TemplateStore, template_source
from dms_deploy.plan import templates

CAPABILITIES = ["CAPABILITY_NAMED_IAM"]
SETTLED_OK = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"})
SETTLED_BAD = frozenset(
    {
        "CREATE_FAILED",
        "ROLLBACK_COMPLETE",
        "ROLLBACK_FAILED",
        "UPDATE_ROLLBACK_COMPLETE",
        "UPDATE_ROLLBACK_FAILED",
        "DELETE_COMPLETE",
        "DELETE_FAILED",
        "IMPORT_ROLLBACK_COMPLETE",
        "IMPORT_ROLLBACK_FAILED",
    }
)
# A stack in one of these cannot take an update until a person repairs or deletes it.
NOT_UPDATABLE = frozenset(
    {"ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "UPDATE_ROLLBACK_FAILED", "DELETE_FAILED"}
)
NO_CHANGES = "didn't contain changes"


@dataclass(frozen=True)
class DeployOutcome:
    action: str  # "executed" | "unchanged" | "in progress" | "deleting" | "deleted"
    change_set: str | None = None
    # The executed change set's resource changes, as `change_rows` lists them.
    changes: tuple[tuple[str, str, str, str], ...] = ()

    @property
    def expect_change(self) -> bool:
        return self.action != "unchanged"

    @property
    def expect_deleted(self) -> bool:
        return self.action in ("deleting", "deleted")


@dataclass(frozen=True)
class StackProgress:
    status: str | None
    done: bool
    ok: bool
    reasons: tuple[str, ...] = ()

    def describe(self) -> str:
        why = "; ".join(self.reasons) or "no failure event recorded"
        return f"stack is {self.status}" + ("" if self.ok else f": {why}")


def change_set_name(body: str) -> str:
    """The same template always gets the same name, so a rerun finds its own change set."""
    return "dms-deploy-" + hashlib.sha256(body.encode()).hexdigest()[:20]


def parse_template(body: str | dict) -> Any:
    """GetTemplate returns JSON bodies already parsed and YAML bodies as text."""
    return body if isinstance(body, dict) else templates.parse_template(body)


def describe_stack(cfn: Any, stack_name: str) -> dict | None:
    try:
        return cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    except ClientError as error:
        if "does not exist" in error.response["Error"].get("Message", ""):
            return None
        raise


def is_deployed(cfn: Any, stack_name: str, body: str) -> bool:
    """True when the stack settled successfully with exactly this template."""
    stack = describe_stack(cfn, stack_name)
    if stack is None or stack["StackStatus"] not in SETTLED_OK | {"UPDATE_ROLLBACK_COMPLETE"}:
        return False
    deployed = cfn.get_template(StackName=stack_name, TemplateStage="Original")["TemplateBody"]
    return parse_template(deployed) == parse_template(body)


def ensure_deployable(cfn: Any, stack_name: str, body: str) -> str:
    """Refuse a stack that another operation holds, or that cannot take an update.

    Returns "in progress" when the operation under way is this body's own change set (a
    rerun of the step), else "ready". Checked before anything is stopped, and again
    before the change set: the stack may have changed since the plan was made.
    """
    stack = describe_stack(cfn, stack_name)
    status = stack["StackStatus"] if stack else None
    if status and _busy(status):
        if _change_set_of(stack) == change_set_name(body):
            return "in progress"
        raise PreconditionFailed(f"stack {stack_name} is busy ({status}); nothing was changed")
    if status in NOT_UPDATABLE:
        raise PreconditionFailed(
            f"stack {stack_name} is {status} and cannot be updated; repair or delete it first"
        )
    return "ready"


def deploy_stack(
    cfn: Any,
    stack_name: str,
    body: str,
    announced: Iterable[str] = (),
    *,
    store: TemplateStore | None = None,
    stored: bool = False,
    allow_removals: bool = False,
    timeout_seconds: float = 600.0,
    poll_seconds: float = 5.0,
) -> DeployOutcome:
    """Create (or find) the change set for `body`, check it, and execute it.

    Refuses a change set that replaces or removes a resource the plan did not announce:
    such a change would reload whole tasks without anyone having reviewed it. A body over
    CloudFormation's inline limit is uploaded to `store` (unless `stored` says the body
    was read from it) and sent as a TemplateURL.
    """
    name = change_set_name(body)
    if ensure_deployable(cfn, stack_name, body) == "in progress":
        return DeployOutcome("in progress", name)
    if is_deployed(cfn, stack_name, body):
        return DeployOutcome("unchanged")

    waiting = (timeout_seconds, poll_seconds)
    stack = describe_stack(cfn, stack_name)
    change_set = _fresh_change_set(cfn, stack_name, name, body, stack, waiting, store, stored)
    if change_set is None:
        return DeployOutcome("unchanged")
    changes = _all_changes(cfn, stack_name, name)
    surprises = unannounced_changes(changes, set(announced), allow_removals)
    if surprises:
        cfn.delete_change_set(StackName=stack_name, ChangeSetName=name)
        raise ApplyError(
            f"change set for {stack_name} holds changes the plan did not announce, "
            f"so it was deleted, not executed: {'; '.join(surprises)}. The stack or the "
            "configs changed since the plan: review a new plan (`dmsctl plan`) and trigger "
            "a new run"
        )
    cfn.execute_change_set(StackName=stack_name, ChangeSetName=name)
    return DeployOutcome("executed", name, change_rows(changes))


def wait_until_settled(cfn: Any, stack_name: str, waiting: Waiting) -> str | None:
    """Wait while the stack is `*_IN_PROGRESS`; returns its settled status (None if gone).

    A task that CloudFormation is still creating or modifying must not be started: the
    update would then find it running and roll back."""

    def settled() -> tuple[str | None] | None:
        stack = describe_stack(cfn, stack_name)
        status = stack["StackStatus"] if stack else None
        return None if status and _busy(status) else (status,)

    (status,) = waiting.until(settled, f"stack {stack_name} to leave *_IN_PROGRESS")
    return status


def delete_stack(cfn: Any, stack_name: str) -> DeployOutcome:
    """Delete a stack the plan removes (a team whose config is gone, reviewed as
    disruptive). Its DMS resources go; the data they wrote stays in S3."""
    stack = describe_stack(cfn, stack_name)
    if stack is None:
        return DeployOutcome("deleted")
    status = stack["StackStatus"]
    if status != "DELETE_IN_PROGRESS":
        if _busy(status):
            raise PreconditionFailed(
                f"stack {stack_name} is busy ({status}); nothing was changed. Clear this "
                "step's deploy_stack when that operation is over"
            )
        cfn.delete_stack(StackName=stack_name)
    return DeployOutcome("deleting")


def _fresh_change_set(
    cfn: Any,
    stack_name: str,
    name: str,
    body: str,
    stack: dict | None,
    waiting: tuple[float, float],
    store: TemplateStore | None,
    stored: bool,
) -> dict | None:
    """A change set ready to execute, or None when the template changes nothing."""
    existing = _describe_change_set(cfn, stack_name, name)
    if existing and existing.get("ExecutionStatus") == "AVAILABLE":
        return existing
    # Uploaded (if too large to send inline) before anything changes, so a missing S3
    # location fails the step with the stack and its change sets as they were.
    source = template_source(stack_name, body, store, stored=stored)
    if existing:
        # Left from an earlier attempt (failed, or executed and rolled back): start afresh.
        cfn.delete_change_set(StackName=stack_name, ChangeSetName=name)
    new_stack = stack is None or stack["StackStatus"] == "REVIEW_IN_PROGRESS"
    cfn.create_change_set(
        StackName=stack_name,
        ChangeSetName=name,
        Capabilities=CAPABILITIES,
        ChangeSetType="CREATE" if new_stack else "UPDATE",
        Description="dms-deploy",
        **source,
    )

    def created() -> dict | None:
        found = _describe_change_set(cfn, stack_name, name)
        if found and found["Status"] in ("CREATE_COMPLETE", "FAILED"):
            return found
        return None

    result = wait_until(
        created,
        what=f"change set {name} of {stack_name}",
        timeout_seconds=waiting[0],
        poll_seconds=waiting[1],
    )
    if result["Status"] == "FAILED":
        reason = result.get("StatusReason", "")
        if NO_CHANGES in reason:
            cfn.delete_change_set(StackName=stack_name, ChangeSetName=name)
            return None
        raise ApplyError(
            f"change set for {stack_name} failed: {reason}. Fix what the reason names, "
            "then clear this step's deploy_stack"
        )
    return result


def _busy(status: str) -> bool:
    # REVIEW_IN_PROGRESS only means a stack created by a change set that was never executed.
    return status.endswith("_IN_PROGRESS") and status != "REVIEW_IN_PROGRESS"


def _change_set_of(stack: dict) -> str | None:
    """The name in `arn:...:changeSet/<name>/<id>`, if the stack was last changed by one."""
    parts = stack.get("ChangeSetId", "").split("/")
    return parts[-2] if len(parts) >= 3 else None


def _describe_change_set(cfn: Any, stack_name: str, name: str) -> dict | None:
    try:
        return cfn.describe_change_set(StackName=stack_name, ChangeSetName=name)
    except ClientError as error:
        if error.response["Error"]["Code"] in ("ChangeSetNotFound", "ChangeSetNotFoundException"):
            return None
        if "does not exist" in error.response["Error"].get("Message", ""):
            return None
        raise


def _all_changes(cfn: Any, stack_name: str, name: str) -> list[dict]:
    changes: list[dict] = []
    token = None
    while True:
        kwargs = {"StackName": stack_name, "ChangeSetName": name}
        if token:
            kwargs["NextToken"] = token
        page = cfn.describe_change_set(**kwargs)
        changes.extend(page.get("Changes", []))
        token = page.get("NextToken")
        if not token:
            return changes


def change_rows(changes: list[dict]) -> tuple[tuple[str, str, str, str], ...]:
    """(logical id, resource type, action, replacement) of each resource change."""
    rows = []
    for change in changes:
        resource = change.get("ResourceChange", {})
        rows.append(
            (
                resource.get("LogicalResourceId", "?"),
                resource.get("ResourceType", "?"),
                resource.get("Action", "?"),
                # Only a Modify says whether it replaces; an Add or Remove has no value.
                resource.get("Replacement") or "-",
            )
        )
    return tuple(rows)


def unannounced_changes(
    changes: list[dict], announced: set[str], allow_removals: bool = False
) -> list[str]:
    """Replacements (and, unless the plan allowed them, removals) it did not list."""
    surprises = []
    for change in changes:
        resource = change.get("ResourceChange", {})
        logical_id = resource.get("LogicalResourceId", "?")
        if logical_id in announced:
            continue
        if resource.get("Action") == "Remove" and not allow_removals:
            surprises.append(f"{logical_id} would be removed")
        elif resource.get("Replacement") in ("True", "Conditional"):
            surprises.append(f"{logical_id} would be replaced ({resource['Replacement']})")
    return surprises


def stack_progress(
    cfn: Any, stack_name: str, expect_change: bool = True, expect_deleted: bool = False
) -> StackProgress:
    """Where the stack's current operation stands, with the failure reasons if it failed."""
    stack = describe_stack(cfn, stack_name)
    if stack is None:
        if expect_deleted:
            return StackProgress("DELETE_COMPLETE", done=True, ok=True)
        return StackProgress(None, done=True, ok=False, reasons=("the stack does not exist",))
    status = stack["StackStatus"]
    if _busy(status):
        return StackProgress(status, done=False, ok=False)
    if status in SETTLED_OK or (not expect_change and status not in NOT_UPDATABLE):
        return StackProgress(status, done=True, ok=True)
    return StackProgress(status, done=True, ok=False, reasons=tuple(failure_reasons(cfn, stack)))


def failure_reasons(cfn: Any, stack: dict) -> list[str]:
    """The failed resource events of the latest operation, oldest first."""
    reasons: list[str] = []
    paginator = cfn.get_paginator("describe_stack_events")
    for page in paginator.paginate(StackName=stack["StackId"]):
        for event in page.get("StackEvents", []):
            is_stack = event.get("ResourceType") == "AWS::CloudFormation::Stack"
            if is_stack and event.get("ResourceStatusReason") == "User Initiated":
                return list(reversed(reasons))
            if event.get("ResourceStatus", "").endswith("FAILED"):
                why = event.get("ResourceStatusReason") or "no reason given"
                reasons.append(f"{event.get('LogicalResourceId')}: {why}")
    return list(reversed(reasons))

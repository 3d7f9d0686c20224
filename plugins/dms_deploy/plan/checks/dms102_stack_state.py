"""DMS102: every stack to deploy is in a deployable state."""

from __future__ import annotations

from dms_deploy.checks.base import CheckInfo, Finding
from dms_deploy.plan.checks.online_context import OnlineCheck, OnlineContext, always
from dms_deploy.state.model import UPDATABLE_STACK_STATUSES

INFO = CheckInfo(
    "DMS102",
    "every stack to update is in a deployable state (not in progress, not *_FAILED)",
    "CloudFormation refuses an update while a stack is in progress or failed to roll back; "
    "a stack whose creation rolled back must be deleted before it can be created again. "
    "A stack in progress is a no-go even when the plan has no change for it: an update under "
    "way (say, of a run whose worker died) may have stopped tasks that only its run resumes.",
)

# Statuses from which a change set of type CREATE may be executed.
_CREATABLE = frozenset({"REVIEW_IN_PROGRESS"})


def run(ctx: OnlineContext) -> list[Finding]:
    findings = []
    for diff in ctx.analysis.stack_diffs():
        status = diff.status
        if status is None:
            continue
        deployable = _CREATABLE if diff.action == "create" else UPDATABLE_STACK_STATUSES
        if in_progress(status):
            findings.append(ctx.finding(_message(diff.name, status), team=diff.team))
        elif diff.action == "none":
            if status not in UPDATABLE_STACK_STATUSES:
                findings.append(
                    ctx.finding(
                        f"stack {diff.name} is in {status}: it has no change in this plan, "
                        "but what it runs may not be its template",
                        team=diff.team,
                        severity="warning",
                    )
                )
        elif status not in deployable:
            findings.append(ctx.finding(_message(diff.name, status), team=diff.team))
    return findings


def in_progress(status: str) -> bool:
    """An operation runs; REVIEW_IN_PROGRESS only means a change set that was never run."""
    return status.endswith("_IN_PROGRESS") and status != "REVIEW_IN_PROGRESS"


def _message(stack: str, status: str) -> str:
    if status == "ROLLBACK_COMPLETE":
        return f"stack {stack} is in ROLLBACK_COMPLETE: its creation failed; delete it first"
    if in_progress(status):
        return (
            f"stack {stack} is in {status}: an operation is under way, so live state is moving "
            "and its tasks may be stopped for it. Wait until it settles; if a dms_deploy run "
            "failed during it, clear that run's failed step so it resumes the tasks; then "
            "plan again"
        )
    return f"stack {stack} is in {status}: CloudFormation cannot update it; repair it first"


CHECK = OnlineCheck(INFO, run, always)

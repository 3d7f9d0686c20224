"""DMS106: no disruptive change (task replacement, migration-type change) unless acknowledged."""

from __future__ import annotations

from dms_deploy.checks.base import CheckInfo, CheckResult, Finding
from dms_deploy.plan.checks.online_context import OnlineCheck, OnlineContext, always
from dms_deploy.plan.templates import resources

INFO = CheckInfo(
    "DMS106",
    "no disruptive change (task replacement, migration-type change) unless acknowledged",
    "Replacing a task reloads every table in it; deleting a task, an instance or a team "
    "stack stops replication. Both are acknowledged by a person: in the run, an approver at "
    "approve_plan, or on the pull request, a plan made with allow_disruptive whose digest the "
    "run is given. CloudFormation cannot update a task's migration type in place (a "
    "create-only property).",
)

# Each disruption is a warning, so the plan stays a go: the run asks for the approval (or
# finds it acknowledged); a migration-type change is an error, since nothing can deploy it.
ACKNOWLEDGED = "; acknowledged (allow_disruptive)"
NEEDS_APPROVAL = "; a run waits for approval at approve_plan"


def disruptive(result: CheckResult) -> bool:
    """Whether DMS106 found a disruption that a person must accept (its warnings)."""
    return any(f.severity == "warning" for f in result.findings)


# Deleting these stops replication (a task, or every task on an instance).
_DISRUPTIVE_DELETIONS = ("AWS::DMS::ReplicationTask", "AWS::DMS::ReplicationInstance")


def run(ctx: OnlineContext) -> list[Finding]:
    severity = "warning"
    hint = ACKNOWLEDGED if ctx.allow_disruptive else NEEDS_APPROVAL
    findings = []
    for change in ctx.changes():
        why = "; ".join(change.reasons)
        if change.classification == "forbidden":
            findings.append(
                ctx.finding(
                    f"task {change.task}: {why}; CloudFormation cannot update this on an "
                    "existing task (create-only: it would replace the task under the same "
                    "identifier, which fails); create a new task under a new name instead",
                    team=change.team,
                    task_id=change.task,
                )
            )
        elif change.classification == "replacement":
            findings.append(
                ctx.finding(
                    f"task {change.task} is replaced ({why}): every table in it loads again{hint}",
                    team=change.team,
                    task_id=change.task,
                    severity=severity,
                )
            )
        elif change.classification == "deletion":
            findings.append(
                ctx.finding(
                    f"task {change.task} is deleted: its replication stops{hint}",
                    team=change.team,
                    task_id=change.task,
                    severity=severity,
                )
            )
    findings += _stack_level(ctx, severity, hint)
    return findings


def _stack_level(ctx: OnlineContext, severity: str, hint: str) -> list[Finding]:
    findings = []
    for diff in ctx.analysis.stack_diffs():
        if diff.action == "delete":
            findings.append(
                ctx.finding(
                    f"stack {diff.name} is deleted: team {diff.team} stops replicating{hint}",
                    team=diff.team,
                    severity=severity,
                )
            )
            continue
        old = resources(diff.deployed)
        for lid in sorted(diff.resources.deleted):
            if old[lid].get("Type") == "AWS::DMS::ReplicationInstance":
                findings.append(
                    ctx.finding(
                        f"stack {diff.name}: replication instance {lid} is deleted{hint}",
                        team=diff.team,
                        severity=severity,
                    )
                )
        for lid, why in sorted(diff.resources.replaced.items()):
            kind = old.get(lid, {}).get("Type", "")
            if kind != "AWS::DMS::ReplicationTask" and kind.startswith("AWS::DMS::"):
                findings.append(
                    ctx.finding(
                        f"stack {diff.name}: {kind} {lid} is replaced ({'; '.join(why)}), "
                        f"and every task using it with it{hint}",
                        team=diff.team,
                        severity=severity,
                    )
                )
    return findings


CHECK = OnlineCheck(INFO, run, always)

"""DMS108: drift: live DMS state matches what the deployed stack says.

Compared: the task's status with the config (a `full-load` task that stopped by itself
with StopReason FULL_LOAD_ONLY_FINISHED is where it should be), its TableMappings, and its
ReplicationTaskSettings on the keys the deployed template sets:
https://docs.aws.amazon.com/dms/latest/APIReference/API_ReplicationTask.html
"""

from __future__ import annotations

from dataclasses import replace

from dms_deploy.checks.base import CheckInfo, Finding
from dms_deploy.config.models import FULL_LOAD
from dms_deploy.plan.checks.dms102_stack_state import in_progress
from dms_deploy.plan.checks.online_context import OnlineCheck, OnlineContext, always
from dms_deploy.plan.settings_drift import differing_settings
from dms_deploy.plan.templates import json_value
from dms_deploy.plan.views import TaskView

INFO = CheckInfo(
    "DMS108",
    "drift: live DMS state matches what the deployed stack says",
    "A task stopped, deleted or edited by hand is not what the stack describes. Deploying "
    "over it would resume or overwrite a state nobody reviewed.",
)

# Every status finding says this, and no other finding does (see `is_status_drift`).
CONFIG_SAYS = ", but the config says it"

# A configured-running task in one of these did not get there through a deploy.
_STOPPED = {
    "stopping": "is stopping",
    "stopped": "is stopped",
    "failed": "has failed",
    "ready": "was never started",
}


def run(ctx: OnlineContext) -> list[Finding]:
    findings = []
    for diff in ctx.analysis.stack_diffs():
        if diff.status is not None and in_progress(diff.status):
            # The live state is moving: no drift can be told apart from the operation.
            findings.append(
                ctx.finding(
                    f"stack {diff.name} is in {diff.status}: its tasks cannot be compared "
                    "with it until it settles (see DMS102); plan again then",
                    team=diff.team,
                )
            )
            continue
        for ident, view in sorted(diff.old_views.items()):
            paused = view.paused
            if not view.has_metadata and diff.action == "none" and ident in diff.new_views:
                # Deployed before tasks carried metadata, but the template is the configured
                # one, so the config says what was deployed paused.
                paused = diff.new_views[ident].paused
            findings += _task_drift(ctx, replace(view, paused=paused))
    return findings


def _task_drift(ctx: OnlineContext, view: TaskView) -> list[Finding]:
    live = ctx.observed.tasks.get(view.identifier)

    def drift(message: str, severity: str = "error") -> Finding:
        return ctx.finding(message, view.team, view.identifier, severity=severity)

    if live is None:
        return [drift(f"task {view.identifier} is in the deployed stack but not in DMS")]
    found = []
    finished = live.load_finished and view.properties.get("MigrationType") == FULL_LOAD
    if not view.paused and live.status in _STOPPED and not finished:
        reason = f" ({live.stop_reason})" if live.stop_reason else ""
        found.append(
            drift(
                f"task {view.identifier} {_STOPPED[live.status]}{reason}{CONFIG_SAYS} runs: "
                "start it, or set it paused in the config"
            )
        )
    elif view.paused and live.running:
        found.append(
            drift(
                f"task {view.identifier} is {live.status}{CONFIG_SAYS} is paused",
                severity="warning",
            )
        )
    deployed = json_value(view.properties.get("TableMappings"))
    if live.table_mappings is not None and json_value(live.table_mappings) != deployed:
        found.append(
            drift(
                f"task {view.identifier}: the live TableMappings differ from the deployed "
                "template (edited outside CloudFormation)"
            )
        )
    deployed_settings = view.properties.get("ReplicationTaskSettings")
    if live.settings is not None and deployed_settings is not None:
        keys = differing_settings(deployed_settings, live.settings)
        if keys:
            found.append(
                drift(
                    f"task {view.identifier}: the live task settings differ from the deployed "
                    f"template at {', '.join(keys)} (edited outside CloudFormation, and a deploy "
                    "that leaves them unchanged does not undo it): undo the edit in DMS, or put "
                    "the value in the task's settings in the config"
                )
            )
    return found


def is_status_drift(finding: Finding) -> bool:
    """Whether a DMS108 finding is about the task's status (not its definition)."""
    return CONFIG_SAYS in finding.message


CHECK = OnlineCheck(INFO, run, always)

"""DMS107: no unpause without a version bump (no silent gap)."""

from __future__ import annotations

from dms_deploy.checks.base import CheckInfo, Finding
from dms_deploy.plan.checks.online_context import OnlineCheck, OnlineContext, always

INFO = CheckInfo(
    "DMS107",
    "no unpause without a version bump (no silent gap)",
    "While a table is paused its changes are not captured. Unpausing it under the same "
    "version would continue the old folder with the paused period missing; a new version "
    "full-loads it into a new folder instead.",
)


def run(ctx: OnlineContext) -> list[Finding]:
    return [
        ctx.finding(
            f"table {entry.rpartition('@')[0]} is unpaused under the same version "
            f"{entry.rpartition('@')[2]}: the paused period would be a silent gap; "
            "bump its version",
            team=change.team,
            task_id=change.task,
            source=entry.rpartition("@")[0],
        )
        for change in ctx.changes()
        for entry in change.unpaused_without_bump
    ]


CHECK = OnlineCheck(INFO, run, always)

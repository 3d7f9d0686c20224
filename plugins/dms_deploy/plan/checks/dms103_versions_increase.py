"""DMS103: table versions only increase compared with what is deployed."""

from __future__ import annotations

from dms_deploy.checks.base import CheckInfo, Finding
from dms_deploy.plan.checks.online_context import OnlineCheck, OnlineContext, always

INFO = CheckInfo(
    "DMS103",
    "table versions only increase compared with what is deployed",
    "A version names an S3 folder. Going back to an older version writes into a folder "
    "that already holds data, and readers take the newest version as current.",
)


def run(ctx: OnlineContext) -> list[Finding]:
    return [
        ctx.finding(
            f"table {bump.source} goes from version {bump.old} (deployed) down to {bump.new}; "
            "versions may only increase",
            team=change.team,
            task_id=change.task,
            source=bump.source,
        )
        for change in ctx.changes()
        for bump in change.lowered
    ]


CHECK = OnlineCheck(INFO, run, always)

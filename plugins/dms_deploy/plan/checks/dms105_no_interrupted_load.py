"""DMS105: no full load, or reload, is interrupted by a pause."""

from __future__ import annotations

from dms_deploy.checks.base import CheckInfo, Finding
from dms_deploy.plan.checks.online_context import OnlineCheck, OnlineContext, always

INFO = CheckInfo(
    "DMS105",
    "no full load, or reload, is interrupted by a pause",
    "Stopping a task during a full load leaves a partial load in S3 that readers take for "
    "the table. The plan stops a task only when none of its tables is loading.",
)


def run(ctx: OnlineContext) -> list[Finding]:
    findings = []
    for task_id in ctx.tasks_stopped_now():
        team = ctx.team_of(task_id)
        stats = ctx.observed.table_stats.get(task_id)
        if stats is None:
            findings.append(
                ctx.finding(
                    f"task {task_id} would be stopped, but its table statistics were not read",
                    team=team,
                    task_id=task_id,
                )
            )
            continue
        for stat in stats:
            if stat.loading:
                findings.append(
                    ctx.finding(
                        f"task {task_id} would be stopped while table "
                        f"{stat.schema}.{stat.table} is in {stat.state!r}; plan again after "
                        "the load completes",
                        team=team,
                        task_id=task_id,
                        source=ctx.source_of(task_id, stat.schema, stat.table),
                    )
                )
    return findings


CHECK = OnlineCheck(INFO, run, always)

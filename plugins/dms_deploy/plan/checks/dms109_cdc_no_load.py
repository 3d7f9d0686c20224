"""DMS109: a table that starts in a new folder of a `cdc` task opts in to having no full load.

A `cdc` task replicates changes only; it never full-loads a table:
https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Task.CDC.html
https://docs.aws.amazon.com/dms/latest/APIReference/API_CreateReplicationTask.html
So a new table, a version bump or an unpause with a bump there gives a folder that holds
changes without a base snapshot. That is a silent gap unless the table says it is meant:
`"cdc_only": true`. The flag on a table of a task that full-loads would promise something
DMS does not do, so it is refused there too.
"""

from __future__ import annotations

from dms_deploy.checks.base import CheckInfo, Finding
from dms_deploy.config.models import CDC
from dms_deploy.plan.checks.online_context import OnlineCheck, OnlineContext, always
from dms_deploy.plan.views import folder_of

INFO = CheckInfo(
    "DMS109",
    "a table new to a cdc task's folder says it is CDC-only (no full load there)",
    "A cdc task never full-loads: a bumped or added table gets a folder of changes without "
    "the rows that existed before. The table must opt in with cdc_only, or load in a task "
    "that full-loads.",
)


def run(ctx: OnlineContext) -> list[Finding]:
    findings = []
    for change in ctx.changes():
        task = ctx.configured_task(change.task)
        if task is None or task.migration_type != CDC:
            continue
        by_folder = {folder_of(t.source, t.version): t for t in task.active_tables}
        for folder in change.first_loads:
            table = by_folder.get(folder)
            if table is None or table.cdc_only:
                continue
            findings.append(
                ctx.finding(
                    f"task {change.task} is a cdc task: table {table.source} at "
                    f"{table.version} would get no full load, only changes from the deploy "
                    "on, so data/" + folder + "/ would miss every row that exists now. "
                    'Set "cdc_only": true on the table if that is meant, or load it in a '
                    "full-load-and-cdc task",
                    team=change.team,
                    task_id=change.task,
                    source=table.source,
                )
            )
    for task in _configured(ctx):
        if task.migration_type == CDC:
            continue
        for table in task.tables:
            if table.cdc_only:
                findings.append(
                    ctx.finding(
                        f"table {table.source} sets cdc_only, but task {task.identifier} is "
                        f"{task.migration_type} and full-loads it: remove cdc_only",
                        team=task.team,
                        task_id=task.identifier,
                        source=table.source,
                    )
                )
    return findings


def _configured(ctx: OnlineContext):
    """The configured tasks of the teams this plan covers."""
    configs = ctx.desired.configs
    teams = set(ctx.analysis.teams)
    return [t for t in configs.all_tasks() if t.team in teams] if configs else []


CHECK = OnlineCheck(INFO, run, always)

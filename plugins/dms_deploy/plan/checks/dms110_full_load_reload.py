"""DMS110: a `full-load` task that has loaded gets a bumped table only through new folders.

DMS keeps track of what a full-load task has loaded: resume-processing loads only "tables
that were partially loaded or not yet loaded", so a table whose only change is its folder
name is not loaded again; reload-target loads every table of the task again:
https://docs.aws.amazon.com/dms/latest/APIReference/API_StartReplicationTask.html
Under TargetTablePrepMode DO_NOTHING a reload writes LOAD files into folders that already
hold them, an overwrite. So the plan reloads a loaded full-load task only when every one of
its tables moves to a new folder (reload-target, nothing old rewritten), and refuses a bump
of some of its tables.
"""

from __future__ import annotations

from dms_deploy.checks.base import CheckInfo, Finding
from dms_deploy.config.models import FULL_LOAD
from dms_deploy.plan.checks.online_context import OnlineCheck, OnlineContext, always

INFO = CheckInfo(
    "DMS110",
    "a full-load task that has loaded is reloaded only into new folders",
    "DMS does not load a table of a full-load task again just because its folder changes, "
    "and reload-target rewrites the LOAD files of every table. Bump every table of the "
    "task, or load the table in a new full-load task.",
)


def run(ctx: OnlineContext) -> list[Finding]:
    findings = []
    for diff in ctx.analysis.teams.values():
        for change in diff.changes:
            live = ctx.observed.tasks.get(change.task)
            view = diff.new_views.get(change.task)
            if not change.bumped or live is None or view is None or not live.started:
                continue  # a task that never ran loads every table at its first start
            if view.properties.get("MigrationType") != FULL_LOAD:
                continue
            if len(change.first_loads) == len(view.active):
                continue  # every table moves to a new folder: reload-target is safe
            for bump in change.bumped:
                findings.append(
                    ctx.finding(
                        f"task {change.task} is a full-load task that has already loaded: "
                        f"bumping {bump.source} from {bump.old} to {bump.new} alone would "
                        "either not load it (resume-processing skips loaded tables) or "
                        "rewrite the other tables' LOAD files (reload-target). Bump every "
                        "table of the task together, or load the new version in a new "
                        "full-load task",
                        team=change.team,
                        task_id=change.task,
                        source=bump.source,
                    )
                )
    return findings


CHECK = OnlineCheck(INFO, run, always)

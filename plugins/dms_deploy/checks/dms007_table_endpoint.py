"""DMS007: a table's endpoint is the endpoint of its task."""

from __future__ import annotations

from dms_deploy.checks.base import CheckInfo, Finding
from dms_deploy.checks.context import OfflineCheck, OfflineContext, needs_configs, task_finding
from dms_deploy.config.pointers import join, split

INFO = CheckInfo(
    "DMS007",
    "a table's endpoint is the endpoint of its task",
    "A task reads from exactly one source endpoint. A table named under another endpoint "
    "would silently be read from the wrong database, or not at all.",
)


def run(ctx: OfflineContext) -> list[Finding]:
    return [
        task_finding(
            ctx,
            task,
            f"table {table.source} names endpoint {table.endpoint!r}, but task {task.name} "
            f"reads from endpoint {task.endpoint!r}",
            pointer=join([*split(table.pointer), "source"]),
            table=table,
        )
        for task in ctx.configs.all_tasks()
        for table in task.tables
        if table.endpoint != task.endpoint
    ]


CHECK = OfflineCheck(INFO, run, needs_configs)

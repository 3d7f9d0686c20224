"""DMS004: a (schema, table) pair appears at most once in a task."""

from __future__ import annotations

from dms_deploy.checks.base import CheckInfo, Finding
from dms_deploy.checks.context import OfflineCheck, OfflineContext, needs_configs, task_finding
from dms_deploy.config.models import Table

INFO = CheckInfo(
    "DMS004",
    "a (schema, table) pair appears at most once in a task",
    "DMS rejects two selection or rename rules for one object. To reload a table while "
    "its old version keeps flowing, list it under a newer version in a second task.",
)


def run(ctx: OfflineContext) -> list[Finding]:
    findings = []
    for task in ctx.configs.all_tasks():
        first: dict[tuple[str, str], Table] = {}
        for table in task.tables:
            key = (table.schema, table.name)
            if key in first:
                findings.append(
                    task_finding(
                        ctx,
                        task,
                        f"table {table.schema}.{table.name} is listed twice in task "
                        f"{task.name} (first at {first[key].pointer}); a task may hold a "
                        "source table once, so reload it in a second task instead",
                        table=table,
                    )
                )
            else:
                first[key] = table
    return findings


CHECK = OfflineCheck(INFO, run, needs_configs)

"""DMS005: S3 output paths are globally unique across all teams and tasks."""

from __future__ import annotations

from dms_deploy.checks.base import CheckInfo, Finding
from dms_deploy.checks.context import OfflineCheck, OfflineContext, needs_configs, task_finding
from dms_deploy.config.models import BaseConfig, Table, Task
from dms_deploy.render.mappings import TARGET_SCHEMA, table_folder

INFO = CheckInfo(
    "DMS005",
    "S3 output paths are globally unique across all teams and tasks",
    "Two tables writing to one folder mix or overwrite each other's files. Paused tables "
    "count too: they write again when resumed.",
)


def output_path(base: BaseConfig, table: Table) -> str:
    return f"s3://{base.bucket}/{base.bucket_folder}/{TARGET_SCHEMA}/{table_folder(table)}/"


def run(ctx: OfflineContext) -> list[Finding]:
    owners: dict[str, tuple[Task, Table]] = {}
    findings = []
    for task in ctx.configs.all_tasks():
        for table in task.tables:
            path = output_path(ctx.configs.base, table)
            if path not in owners:
                owners[path] = (task, table)
                continue
            other_task, other_table = owners[path]
            if other_task is task:
                continue  # the same table twice in one task is DMS004's finding
            findings.append(
                task_finding(
                    ctx,
                    task,
                    f"S3 path {path} is also written by task {other_task.identifier} "
                    f"({ctx.task_file(other_task)}#{other_table.pointer}); use a new "
                    "version (or rename the endpoint) so each table has its own folder",
                    table=table,
                )
            )
    return findings


CHECK = OfflineCheck(INFO, run, needs_configs)

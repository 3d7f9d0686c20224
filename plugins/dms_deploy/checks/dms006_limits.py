"""DMS006: TableMappings <= 2 MB, tasks per instance <= 200, and no empty task."""

from __future__ import annotations

from collections import defaultdict

from dms_deploy.checks.base import CheckInfo, Finding
from dms_deploy.checks.context import OfflineCheck, OfflineContext, needs_configs, task_finding
from dms_deploy.config.models import Task
from dms_deploy.config.pointers import pointer
from dms_deploy.render.errors import RenderError
from dms_deploy.render.mappings import MAX_MAPPING_BYTES, mapping_json

INFO = CheckInfo(
    "DMS006",
    "TableMappings <= 2 MB, tasks per instance <= 200, no task without tables",
    "DMS rejects a TableMappings document over 2 MB, more than 200 tasks on one "
    "replication instance, and a task whose mapping selects no table.",
)

# DMS quota: 200 replication tasks per replication instance
# (https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Limits.html).
MAX_TASKS_PER_INSTANCE = 200


def _mapping_findings(ctx: OfflineContext, task: Task) -> list[Finding]:
    if not task.active_tables:
        # Applies to paused tasks too: the task still exists in the stack, and DMS needs
        # at least one selection rule to create or modify it.
        return [
            task_finding(
                ctx,
                task,
                f"task {task.name} has no active table (all {len(task.tables)} are paused); "
                "DMS needs at least one selection rule, so unpause a table or remove the task",
                pointer=pointer("tasks", task.name, "tables"),
            )
        ]
    try:
        size = len(mapping_json(task).encode())
    except RenderError:
        return []  # reported by DMS003, where rendering fails
    if size <= MAX_MAPPING_BYTES:
        return []
    return [
        task_finding(
            ctx,
            task,
            f"task {task.name}: TableMappings is {size} bytes, over the DMS limit of "
            f"{MAX_MAPPING_BYTES} bytes (2 MB); split its tables across more tasks",
            pointer=pointer("tasks", task.name, "tables"),
        )
    ]


def run(ctx: OfflineContext) -> list[Finding]:
    findings = []
    per_instance: dict[tuple[str, str], list[Task]] = defaultdict(list)
    for task in ctx.configs.all_tasks():
        per_instance[(task.team, task.instance)].append(task)
        findings += _mapping_findings(ctx, task)
    for (team, instance), tasks in sorted(per_instance.items()):
        if len(tasks) > MAX_TASKS_PER_INSTANCE:
            config = ctx.configs.teams[team]
            findings.append(
                Finding(
                    f"instance {instance} runs {len(tasks)} tasks; DMS allows at most "
                    f"{MAX_TASKS_PER_INSTANCE} per replication instance",
                    team=team,
                    file=config.file,
                    pointer=config.instances[instance].pointer,
                )
            )
    return findings


CHECK = OfflineCheck(INFO, run, needs_configs)

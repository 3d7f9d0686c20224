"""DMS006: templates <= 1 MB, TableMappings <= 2 MB, tasks per instance <= 200, no empty task."""

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
    "templates <= 1 MB, TableMappings <= 2 MB, tasks per instance <= 200, no task without tables",
    "CloudFormation rejects a template over 1 MB, and DMS a TableMappings document over "
    "2 MB, more than 200 tasks on one replication instance, and a task whose mapping "
    "selects no table.",
)

# DMS quota: 200 replication tasks per replication instance
# (https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Limits.html).
MAX_TASKS_PER_INSTANCE = 200
# CloudFormation quota: a template body passed through TemplateURL (an S3 object) is at most
# 1 MB, counted in bytes; larger templates are refused
# (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html).
MAX_TEMPLATE_BYTES = 1_048_576


def _template_findings(ctx: OfflineContext) -> list[Finding]:
    """Every rendered stack over the limit. A team stack holds all of a team's tasks, so
    splitting a task inside the same team file does not shrink it: tables must move to
    another team file, which is another stack."""
    findings = []
    for stack in ctx.stacks:
        size = len(stack.body.encode("utf-8"))
        if size <= MAX_TEMPLATE_BYTES:
            continue
        over = (
            f"stack {stack.name}: the rendered template is {size:,} bytes, over "
            f"CloudFormation's limit of {MAX_TEMPLATE_BYTES:,} bytes (1 MB), so the deploy "
            "would fail"
        )
        config = ctx.configs.teams.get(stack.team)
        if config is None or not config.tasks:
            findings.append(Finding(f"{over}; shorten what it renders", team=stack.team))
            continue
        largest = max(config.tasks.values(), key=lambda task: len(mapping_json(task)))
        tables = sum(len(task.tables) for task in config.tasks.values())
        fit = tables * MAX_TEMPLATE_BYTES // size
        findings.append(
            task_finding(
                ctx,
                largest,
                f"{over}. A team's tasks all live in its one stack, so splitting a task "
                f"inside {config.file} does not help: move whole tasks, or part of the "
                f"tables of its largest task {largest.name} ({len(largest.tables):,} tables) "
                f"as a new task, into a second team file such as teams/{stack.team}-2.json, "
                f"which deploys as its own stack; about {fit:,} of the team's {tables:,} "
                "tables fit in one stack",
                pointer=pointer("tasks", largest.name, "tables"),
            )
        )
    return findings


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
    findings = _template_findings(ctx)
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

"""DMS008: task settings are safe for S3 (nothing deletes or rewrites table files)."""

from __future__ import annotations

from typing import Any

from dms_deploy.checks.base import CheckInfo, Finding
from dms_deploy.checks.context import OfflineCheck, OfflineContext, needs_configs, task_finding
from dms_deploy.config.models import Task
from dms_deploy.config.pointers import join, pointer
from dms_deploy.render.errors import RenderError
from dms_deploy.render.settings import SETTINGS_FILE, task_settings

INFO = CheckInfo(
    "DMS008",
    "task settings are safe for S3 (TargetTablePrepMode = DO_NOTHING)",
    "Any other prep mode drops or truncates the target, which on S3 deletes or rewrites "
    "files analysts read. Settings that move or remove table folders are refused too.",
)

# (settings path, the only safe value, what DMS uses when the key is absent, why).
# An absent key is not safe by omission: DMS defaults are DROP_AND_CREATE and true.
RULES: tuple[tuple[tuple[str, ...], Any, Any, str], ...] = (
    (
        ("FullLoadSettings", "TargetTablePrepMode"),
        "DO_NOTHING",
        "DROP_AND_CREATE",
        "DROP_AND_CREATE and TRUNCATE_BEFORE_LOAD delete the table's files in S3",
    ),
    (
        ("TargetMetadata", "TargetSchema"),
        "",
        "",
        "a target schema moves every table out of data/, away from its checked S3 path",
    ),
    (
        ("ChangeProcessingDdlHandlingPolicy", "HandleSourceTableDropped"),
        False,
        True,
        "a DROP TABLE on the source would be applied to the table's files in the lake",
    ),
    (
        ("ChangeProcessingDdlHandlingPolicy", "HandleSourceTableTruncated"),
        False,
        True,
        "a TRUNCATE on the source would be applied to the table's files in the lake",
    ),
)

_MISSING = object()


def _get(settings: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = settings
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return _MISSING
        value = value[key]
    return value


def _task_findings(ctx: OfflineContext, task: Task) -> list[Finding]:
    merged = task_settings(task, ctx.templates_dir)
    findings = []
    for path, safe, dms_default, why in RULES:
        value = _get(merged, path)
        if value is _MISSING:
            value = dms_default
        if value == safe:
            continue
        setting = ".".join(path)
        message = f"task {task.name}: {setting} is {value!r}, must be {safe!r}: {why}"
        if _get(task.settings, path) is not _MISSING:
            findings.append(
                task_finding(ctx, task, message, pointer("tasks", task.name, "settings", *path))
            )
        else:  # the unsafe value comes from the default settings file
            findings.append(
                Finding(
                    message,
                    team=task.team,
                    task=task.name,
                    file=str(ctx.templates_dir / SETTINGS_FILE),
                    pointer=join(path),
                )
            )
    return findings


def run(ctx: OfflineContext) -> list[Finding]:
    findings = []
    for task in ctx.configs.all_tasks():
        try:
            findings += _task_findings(ctx, task)
        except RenderError as exc:
            return [Finding(str(exc), file=str(ctx.templates_dir / SETTINGS_FILE))]
    return findings


CHECK = OfflineCheck(INFO, run, needs_configs)

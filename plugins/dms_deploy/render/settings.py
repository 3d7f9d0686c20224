"""ReplicationTaskSettings: one default file, deep-merged with a task's overrides."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from dms_deploy.config.models import Task
from dms_deploy.render.errors import RenderError

SETTINGS_FILE = "task_settings.json"


@functools.cache
def _default_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RenderError(f"cannot read default task settings {path}: {exc}") from exc


def default_settings(templates_dir: Path) -> dict[str, Any]:
    """A fresh copy of the defaults (parsed anew, so callers may not share state)."""
    path = Path(templates_dir) / SETTINGS_FILE
    try:
        return json.loads(_default_text(path))
    except ValueError as exc:
        raise RenderError(f"{path} is not valid JSON: {exc}") from exc


def deep_merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Objects merge key by key; anything else in `overrides` replaces the default."""
    merged = dict(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def task_settings(task: Task, templates_dir: Path) -> dict[str, Any]:
    return deep_merge(default_settings(templates_dir), task.settings)


def settings_json(task: Task, templates_dir: Path) -> str:
    return json.dumps(task_settings(task, templates_dir), sort_keys=True, separators=(",", ":"))

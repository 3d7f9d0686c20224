"""Where configs and templates live. Environment variables override the repo defaults."""

from __future__ import annotations

import os
from pathlib import Path

# plugins/dms_deploy/paths.py -> the repo (or the Airflow home that mounts plugins/ beside it).
REPO_ROOT = Path(__file__).resolve().parents[2]

CONFIG_DIR_ENV = "DMS_DEPLOY_CONFIG_DIR"
TEMPLATE_DIR_ENV = "DMS_DEPLOY_TEMPLATE_DIR"


def default_configs_dir() -> Path:
    return Path(os.environ.get(CONFIG_DIR_ENV) or REPO_ROOT / "dms_configs")


def default_templates_dir() -> Path:
    return Path(os.environ.get(TEMPLATE_DIR_ENV) or REPO_ROOT / "include" / "templates")


def resolve_dirs(
    configs_dir: str | Path | None, templates_dir: str | Path | None
) -> tuple[Path, Path]:
    """The given directories, or the defaults; resolved when used, never at import."""
    return (
        Path(configs_dir) if configs_dir else default_configs_dir(),
        Path(templates_dir) if templates_dir else default_templates_dir(),
    )

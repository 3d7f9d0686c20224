"""Fixtures for the unit tests: small configs written to a temp dir, and the examples."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dms_deploy.checks.offline import OfflineReport, run_offline
from dms_deploy.paths import REPO_ROOT

EXAMPLES = REPO_ROOT / "dms_configs"
TEMPLATES = REPO_ROOT / "include" / "templates"

_BASE: dict[str, Any] = {
    "$schema": "schema/base.schema.json",
    "stack_name": "dms-base",
    "network_stack_name": "network",
    "bucket": "acme-data-lake",
    "bucket_folder": "dms",
    "targets": {
        "s3-1min": {"cdc_max_batch_interval_seconds": 60},
        "s3-10min": {"cdc_max_batch_interval_seconds": 600},
    },
}
_FOOD: dict[str, Any] = {
    "$schema": "../schema/team.schema.json",
    "team": "food",
    "endpoints": {
        "fooddb": {
            "engine": "mysql",
            "server": "fooddb.internal",
            "port": 3306,
            "secret": "arn:aws:secretsmanager:us-east-1:123456789012:secret:dms/fooddb",
        }
    },
    "instances": {"food-1": {"class": "dms.r5.large", "storage_gb": 100}},
    "tasks": {
        "foodsearch": {
            "instance": "food-1",
            "endpoint": "fooddb",
            "target": "s3-10min",
            "paused": False,
            "tables": [
                {"source": "fooddb/foodsearch/barcodes", "version": "v202008040000"},
                {"source": "fooddb/foodsearch/foods", "version": "v202008040000", "paused": True},
            ],
        }
    },
}


@pytest.fixture
def base_doc() -> dict[str, Any]:
    """A valid base.json document (a fresh copy to mutate)."""
    return copy.deepcopy(_BASE)


@pytest.fixture
def team_doc() -> dict[str, Any]:
    """A valid teams/food.json document (a fresh copy to mutate)."""
    return copy.deepcopy(_FOOD)


WriteConfigs = Callable[..., Path]


@pytest.fixture
def write_configs(tmp_path: Path) -> WriteConfigs:
    """write_configs(base, {"food": doc_or_text, ...}) -> a configs directory."""
    counter = iter(range(1_000_000))

    def write(base: dict[str, Any] | str, teams: dict[str, dict[str, Any] | str]) -> Path:
        root = tmp_path / f"configs{next(counter)}"
        (root / "teams").mkdir(parents=True)
        files = {"base.json": base, **{f"teams/{t}.json": d for t, d in teams.items()}}
        for rel, doc in files.items():
            text = doc if isinstance(doc, str) else json.dumps(doc, indent=2)
            (root / rel).write_text(text, encoding="utf-8")
        return root

    return write


@pytest.fixture
def check_offline(write_configs: WriteConfigs) -> Callable[..., OfflineReport]:
    """Write configs and run the offline checks without cfn-lint (fast)."""

    def run(
        base: dict[str, Any], teams: dict[str, Any], templates: Path = TEMPLATES
    ) -> OfflineReport:
        return run_offline(write_configs(base, teams), templates, lint=False)

    return run


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return EXAMPLES


@pytest.fixture(scope="session")
def templates_dir() -> Path:
    return TEMPLATES


@pytest.fixture
def edited_templates(tmp_path: Path) -> Callable[[str, Callable[[str], str]], Path]:
    """edited_templates("base.yaml.j2", edit) -> a copy of the templates with one file edited."""

    def make(name: str, edit: Callable[[str], str]) -> Path:
        custom = tmp_path / "templates"
        shutil.copytree(TEMPLATES, custom, dirs_exist_ok=True)
        path = custom / name
        path.write_text(edit(path.read_text()))
        return custom

    return make


@pytest.fixture(scope="session")
def example_report() -> OfflineReport:
    """The example configs, checked once per session without cfn-lint."""
    return run_offline(EXAMPLES, TEMPLATES, lint=False)

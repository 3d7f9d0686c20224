"""Fixtures for running the real DAG against the sandbox."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.client import SandboxClient
from scripts.local_airflow import REPO, migrate_db


@pytest.fixture(scope="session", autouse=True)
def airflow_db() -> None:
    """The metadata database of the session's isolated AIRFLOW_HOME (see conftest.py)."""
    migrate_db()


@pytest.fixture
def configs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private copy of the example configs that the DAG reads; tests edit it freely."""
    target = tmp_path / "dms_configs"
    shutil.copytree(REPO / "dms_configs", target)
    monkeypatch.setenv("DMS_DEPLOY_CONFIG_DIR", str(target))
    yield target


@pytest.fixture
def account(sandbox: SandboxClient, configs: Path, airflow_db: None) -> SandboxClient:
    """An empty account as a real one would be before our base stack: network, bucket,
    secrets."""
    sandbox.bootstrap(str(configs))
    return sandbox


@pytest.fixture
def deployed(account: SandboxClient, configs: Path) -> SandboxClient:
    """The example configs already deployed and replicating, as after a first run: every
    stack through a change set, every task not configured paused running, loads done."""
    from scripts.local_airflow import deploy_directly

    deploy_directly(configs)
    account.clear_calls()
    return account

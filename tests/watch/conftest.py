"""Fixtures of the drift watch tests: the example configs deployed into a fresh sandbox."""

from __future__ import annotations

import shutil
from pathlib import Path

import boto3
import pytest

from sandbox.client import SandboxClient
from scripts.local_airflow import REPO, deploy_directly


@pytest.fixture
def configs(tmp_path: Path) -> Path:
    target = tmp_path / "dms_configs"
    shutil.copytree(REPO / "dms_configs", target)
    return target


@pytest.fixture
def deployed(sandbox: SandboxClient, configs: Path) -> SandboxClient:
    """Every stack deployed, every task not configured paused running, loads done."""
    sandbox.bootstrap(str(configs))
    deploy_directly(configs)
    sandbox.clear_calls()
    return sandbox


@pytest.fixture
def dms(sandbox: SandboxClient):
    return boto3.client("dms", region_name="us-east-1")


@pytest.fixture
def cfn(sandbox: SandboxClient):
    return boto3.client("cloudformation", region_name="us-east-1")

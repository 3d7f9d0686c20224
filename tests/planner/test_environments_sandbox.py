"""`dmsctl plan --env` against two sandboxes that stand for two AWS accounts.

Staging is account 210987654321, production the default sandbox account. Each environment
reaches its sandbox through its own Airflow connection, as environments.json names it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from dms_deploy.cli import main
from dms_deploy.paths import REPO_ROOT
from sandbox import ACCOUNT_ID
from sandbox.client import SandboxClient
from sandbox.launch import running_sandbox
from tests.conftest import TEST_TIME_SCALE
from tests.planner.sandbox_world import READ_ONLY_PREFIXES

pytestmark = pytest.mark.sandbox

STAGING_ACCOUNT = "210987654321"


@pytest.fixture(scope="module")
def staging_server() -> Iterator[SandboxClient]:
    with running_sandbox(TEST_TIME_SCALE, ready_seconds=15, account_id=STAGING_ACCOUNT) as client:
        yield client


def write_environments(configs: Path) -> None:
    """environments.json with staging (its own secrets' account) and production, each
    through its own connection."""
    staging_secrets = {}
    for path in (configs / "teams").glob("*.json"):
        team = json.loads(path.read_text())
        staging_secrets[team["team"]] = {
            "endpoints": {
                name: {"secret": e["secret"].replace(f":{ACCOUNT_ID}:", f":{STAGING_ACCOUNT}:")}
                for name, e in team["endpoints"].items()
            }
        }
    environments = {
        "environments": {
            "staging": {
                "aws_conn_id": "aws_staging",
                "region": "us-east-1",
                "account_id": STAGING_ACCOUNT,
                "teams": staging_secrets,
            },
            "production": {
                "aws_conn_id": "aws_production",
                "region": "us-east-1",
                "account_id": ACCOUNT_ID,
            },
        }
    }
    (configs / "environments.json").write_text(json.dumps(environments))


@pytest.fixture
def configs(tmp_path: Path) -> Path:
    """The example configs with a staging and a production environment."""
    configs = tmp_path / "configs"
    shutil.copytree(REPO_ROOT / "dms_configs", configs)
    write_environments(configs)
    return configs


def connect(monkeypatch: pytest.MonkeyPatch, conn_id: str, sandbox: SandboxClient) -> None:
    connection = {
        "conn_type": "aws",
        "login": "testing",
        "password": "testing",
        "extra": {"endpoint_url": sandbox.url, "region_name": "us-east-1"},
    }
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(connection))


@pytest.fixture
def two_accounts(bootstrapped_sandbox, staging_server, monkeypatch):
    """Production and staging, each bootstrapped, each behind its own connection."""
    staging_server.reset()
    staging_server.bootstrap(str(REPO_ROOT / "dms_configs"))
    # Only the connections say where AWS is.
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    connect(monkeypatch, "aws_production", bootstrapped_sandbox)
    connect(monkeypatch, "aws_staging", staging_server)
    bootstrapped_sandbox.clear_calls()
    staging_server.clear_calls()
    return bootstrapped_sandbox, staging_server


def plan(capsys, configs: Path, env: str) -> tuple[int, dict]:
    code = main(["plan", "--configs", str(configs), "--env", env, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def check(data: dict, check_id: str) -> dict:
    return next(c for c in data["checks"] if c["id"] == check_id)


def test_each_environment_plans_in_its_account_with_its_own_digest(two_accounts, configs, capsys):
    code_staging, staging = plan(capsys, configs, "staging")
    code_production, production = plan(capsys, configs, "production")
    assert (code_staging, code_production) == (0, 0), [
        c for c in staging["checks"] + production["checks"] if c["status"] == "fail"
    ]
    assert staging["environment"] == "staging" and production["environment"] == "production"
    assert check(staging, "DMS111")["status"] == "pass"
    assert staging["steps"] and production["steps"]
    assert staging["digest"] != production["digest"]
    staging_body = json.dumps(staging["steps"])
    assert f":{STAGING_ACCOUNT}:secret:" in staging_body
    assert f":{STAGING_ACCOUNT}:" not in json.dumps(production["steps"])


def test_wrong_account_is_a_no_go_before_anything_is_read_or_changed(
    two_accounts, configs, capsys, monkeypatch
):
    production_sandbox, staging_sandbox = two_accounts
    # Staging's connection holds production's credentials.
    connect(monkeypatch, "aws_staging", production_sandbox)
    code, data = plan(capsys, configs, "staging")
    assert code == 1 and data["go"] is False
    guard = check(data, "DMS111")
    assert guard["status"] == "fail"
    (finding,) = guard["findings"]
    assert finding["file"] == "environments.json"
    assert finding["pointer"] == "/environments/staging/account_id"
    assert f"account {ACCOUNT_ID}" in finding["message"]
    assert data["steps"] == []
    assert {c["status"] for c in data["checks"] if c["id"].startswith("DMS1")} - {"fail"} == {
        "skip"
    }
    operations = [c["operation"] for c in production_sandbox.calls()]
    assert "GetCallerIdentity" in operations
    assert all(op.startswith(READ_ONLY_PREFIXES) for op in operations), operations
    assert "ListStacks" not in operations  # nothing read after the guard said no
    assert staging_sandbox.calls() == []

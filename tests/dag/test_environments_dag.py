"""The DAG param `environment`: check_state plans that environment, and refuses an account
that is not the environment's before any call that changes anything."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sandbox import ACCOUNT_ID
from scripts.local_airflow import trigger, xcom
from tests.planner.sandbox_world import READ_ONLY_PREFIXES

pytestmark = [pytest.mark.sandbox, pytest.mark.e2e]

STAGING_ACCOUNT = "210987654321"


def write_environments(configs: Path) -> None:
    """Staging and production, both through the DAG's connection (the sandbox is production)."""
    staging_secrets = {}
    for path in (configs / "teams").glob("*.json"):
        team = json.loads(path.read_text())
        staging_secrets[team["team"]] = {
            "endpoints": {
                name: {"secret": e["secret"].replace(f":{ACCOUNT_ID}:", f":{STAGING_ACCOUNT}:")}
                for name, e in team["endpoints"].items()
            }
        }
    common = {"aws_conn_id": "aws_default", "region": "us-east-1"}
    doc = {
        "environments": {
            "staging": {**common, "account_id": STAGING_ACCOUNT, "teams": staging_secrets},
            "production": {**common, "account_id": ACCOUNT_ID},
        }
    }
    (configs / "environments.json").write_text(json.dumps(doc))


def test_check_state_plans_the_named_environment(account, configs):
    write_environments(configs)
    result = trigger({"environment": "production", "dry_run": True})
    assert result.state == "success", result.tasks
    checked = xcom(result.run_id, "check_state")
    assert checked["plan"]["environment"] == "production"
    guard = next(c for c in checked["plan"]["checks"] if c["id"] == "DMS111")
    assert guard["status"] == "pass"


def test_wrong_account_is_refused_before_any_change(account, configs):
    write_environments(configs)
    account.clear_calls()
    result = trigger({"environment": "staging"})
    assert result.state == "failed"
    assert result.state_of("check_state") == ["failed"]
    assert not any(result.ran(f"step_{n}.deploy_stack") for n in (1, 2, 3))
    operations = [c["operation"] for c in account.calls()]
    assert "GetCallerIdentity" in operations
    assert all(op.startswith(READ_ONLY_PREFIXES) for op in operations), operations


def test_environment_with_another_connection_is_refused_before_any_call(account, configs):
    """The steps deploy through the DAG's connection: checking another would prove nothing."""
    write_environments(configs)
    doc = json.loads((configs / "environments.json").read_text())
    doc["environments"]["production"]["aws_conn_id"] = "aws_production"
    (configs / "environments.json").write_text(json.dumps(doc))
    account.clear_calls()
    result = trigger({"environment": "production"})
    assert result.state_of("check_state") == ["failed"]
    assert account.calls() == []

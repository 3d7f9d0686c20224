"""The rehearsal mode of dms_deploy (param `rehearse`), end to end against the sandbox.

A version bump is deployed and rehearsed with a soak window of a few seconds: it passes
when the changed task runs and its CDC latency stays low, fails with the reason when the
`hold-cdc-latency` fault holds the latency over the limit or when no latency datapoint is
published during the soak (unless the task is in a full load), and is skipped without the
param.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sandbox.client import SandboxClient
from scripts.local_airflow import trigger
from tests.dag.test_audit_ledger import only_record
from tests.planner.sandbox_world import READ_ONLY_PREFIXES

pytestmark = [pytest.mark.sandbox, pytest.mark.e2e]

RECIPES = "food-recipes"
REHEARSAL = ("rehearse_tasks_running", "rehearse_cdc_latency")


@pytest.fixture
def short_soak(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DMS_DEPLOY_REHEARSAL_SOAK_MINUTES", str(3 / 60))
    monkeypatch.setenv("DMS_DEPLOY_REHEARSAL_LATENCY_SECONDS", "600")


def bump_recipes(configs: Path) -> None:
    path = configs / "teams" / "food.json"
    doc = json.loads(path.read_text())
    for table in doc["tasks"]["recipes"]["tables"]:
        if table["source"] == "recipesdb/public/recipes":
            table["version"] = "v202611260000"
    path.write_text(json.dumps(doc, indent=2))


def test_a_version_bump_rehearsed_passes(deployed: SandboxClient, configs: Path, short_soak, capfd):
    bump_recipes(configs)
    result = trigger({"rehearse": True})
    assert result.state == "success", result.tasks
    for task_id in REHEARSAL:
        assert result.state_of(task_id) == ["success"], result.tasks
    assert result.state_of("record_run") == ["success"]
    out = capfd.readouterr().out
    assert f"watching the CDC latency of {RECIPES}" in out


@pytest.mark.parametrize("deferrable", ["true", "false"])
def test_cdc_latency_held_over_the_limit_fails_the_rehearsal_read_only(
    deployed: SandboxClient, configs: Path, short_soak, capfd, monkeypatch, deferrable: str
):
    """Deferred to the triggerer, or (without one) on the worker: the same verdict."""
    monkeypatch.setenv("DMS_DEPLOY_DEFERRABLE", deferrable)
    bump_recipes(configs)
    deployed.hold_cdc_latency(RECIPES, 900)
    seen: list[dict] = []
    result = trigger(
        {"rehearse": True},
        before={
            "rehearse_tasks_running": deployed.clear_calls,
            "record_run": lambda: seen.extend(deployed.calls()),
        },
    )
    assert result.state == "failed"
    assert result.state_of("rehearse_tasks_running") == ["success"]
    assert result.state_of("rehearse_cdc_latency") == ["failed"]
    # The ledger's task still ran, recorded a failed deploy, and fails the run by it.
    assert result.state_of("record_run") == ["failed"]
    record = only_record(result.run_id)
    assert record["final_state"] == "failed"
    assert record["failed_tasks"] == ["rehearse_cdc_latency"]
    assert record["params"]["rehearse"] is True
    out = capfd.readouterr().out
    assert f"{RECIPES}: CDCLatency" in out and "900s" in out
    assert "must not be promoted to production" in out
    operations = [c["operation"] for c in seen]
    assert "GetMetricData" in operations
    writes = [op for op in operations if not op.startswith(READ_ONLY_PREFIXES)]
    assert writes == [], writes


def test_without_rehearse_the_rehearsal_is_skipped(deployed: SandboxClient, configs: Path):
    bump_recipes(configs)
    deployed.hold_cdc_latency(RECIPES, 900)
    result = trigger()
    assert result.state == "success", result.tasks
    for task_id in REHEARSAL:
        assert result.state_of(task_id) == ["skipped"]


def test_a_dry_run_with_rehearse_skips_the_rehearsal(deployed: SandboxClient, configs: Path):
    bump_recipes(configs)
    result = trigger({"rehearse": True, "dry_run": True})
    assert result.state == "success", result.tasks
    for task_id in REHEARSAL:
        assert result.state_of(task_id) == ["skipped"]


def test_a_changed_task_that_does_not_run_fails_the_rehearsal(
    deployed: SandboxClient, configs: Path, short_soak, capfd
):
    """Someone stops the task right after the deploy: the rehearsal says which and why."""
    import boto3

    def stop_recipes() -> None:
        dms = boto3.client("dms")
        (task,) = dms.describe_replication_tasks(
            Filters=[{"Name": "replication-task-id", "Values": [RECIPES]}]
        )["ReplicationTasks"]
        dms.stop_replication_task(ReplicationTaskArn=task["ReplicationTaskArn"])

    bump_recipes(configs)
    result = trigger({"rehearse": True}, before={"rehearse_tasks_running": stop_recipes})
    assert result.state == "failed"
    assert result.state_of("rehearse_tasks_running") == ["failed"]
    assert result.state_of("rehearse_cdc_latency") == ["upstream_failed"]
    out = capfd.readouterr().out
    assert f"the rehearsal failed: {RECIPES} stopped" in out
    assert "must not be promoted to production" in out


@pytest.fixture
def recipes_without_metrics(account: SandboxClient, configs: Path) -> SandboxClient:
    """Deployed as `deployed` is, but the recipes task never publishes CDC latency."""
    from scripts.local_airflow import deploy_directly

    account.withhold_cdc_metrics(RECIPES)
    deploy_directly(configs)
    account.clear_calls()
    return account


def test_a_soak_without_latency_data_fails_and_says_what_to_check(
    recipes_without_metrics: SandboxClient, configs: Path, short_soak, capfd
):
    bump_recipes(configs)
    result = trigger({"rehearse": True})
    assert result.state == "failed"
    assert result.state_of("rehearse_tasks_running") == ["success"]
    assert result.state_of("rehearse_cdc_latency") == ["failed"]
    out = capfd.readouterr().out
    assert (
        "the rehearsal proved nothing: no CDCLatency metrics (CDCLatencySource or "
        f"CDCLatencyTarget) were published for {RECIPES} during the 3s soak"
    ) in out
    assert "CloudWatch lists its metrics in us-east-1" in out


def test_a_task_still_in_full_load_without_latency_data_passes_with_a_warning(
    recipes_without_metrics: SandboxClient, configs: Path, short_soak, capfd, monkeypatch
):
    """Someone reloads a table of the task during the rehearsal (without a triggerer, so
    the soak runs on the worker): the task is in a full load, so no latency is expected."""
    import boto3

    monkeypatch.setenv("DMS_DEPLOY_DEFERRABLE", "false")

    def reload_recipes() -> None:
        recipes_without_metrics.hold_full_load(RECIPES)
        dms = boto3.client("dms")
        (task,) = dms.describe_replication_tasks(
            Filters=[{"Name": "replication-task-id", "Values": [RECIPES]}]
        )["ReplicationTasks"]
        dms.reload_tables(
            ReplicationTaskArn=task["ReplicationTaskArn"],
            TablesToReload=[{"SchemaName": "public", "TableName": "recipes"}],
        )

    bump_recipes(configs)
    result = trigger({"rehearse": True}, before={"rehearse_cdc_latency": reload_recipes})
    assert result.state == "success", result.tasks
    assert result.state_of("rehearse_cdc_latency") == ["success"]
    out = capfd.readouterr().out
    assert f"{RECIPES} published no CDC latency during the soak and is still in a full load" in out
    assert "public.recipes" in out

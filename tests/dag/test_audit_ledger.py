"""The audit ledger end to end: every run of the real DAG against the sandbox leaves one
record per attempt under `<folder>/deployments/`, and `dmsctl history` reads them back."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from dms_deploy.audit.ledger import Location, RecordExists, write_record
from dms_deploy.cli import main
from scripts.local_airflow import clear_failed_and_rerun, trigger
from tests.faults.scenario import add_table, plan_of

pytestmark = [pytest.mark.sandbox, pytest.mark.e2e]

BUCKET = "acme-data-lake"
LEDGER = "dms/deployments/"
RECIPES = "food-recipes"
REVIEWS = "recipesdb/public/reviews"


def ledger() -> dict[str, dict]:
    """Every object under the ledger folder: key -> its JSON."""
    s3 = boto3.client("s3")
    listing = s3.list_objects_v2(Bucket=BUCKET, Prefix=LEDGER).get("Contents", [])
    return {
        item["Key"]: json.loads(s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read())
        for item in listing
    }


def only_record(run_id: str) -> dict:
    records = ledger()
    assert list(records) == [f"{LEDGER}{run_id}/attempt-1.json"]
    return records[f"{LEDGER}{run_id}/attempt-1.json"]


def history(capsys: pytest.CaptureFixture, configs: Path, *args: str) -> tuple[int, str]:
    code = main(["history", "--configs", str(configs), *args])
    return code, capsys.readouterr().out


def test_a_deploy_records_trigger_plan_steps_pauses_and_proof(deployed, configs, capsys):
    add_table(configs, "food", "recipes", REVIEWS)
    result = trigger({"git_sha": "0123abc"})
    assert result.state == "success", result.tasks
    assert result.state_of("record_run") == ["success"]

    record = only_record(result.run_id)
    assert record["final_state"] == "success"
    assert record["attempt"] == 1
    assert record["trigger"]["git_sha"] == "0123abc"
    assert record["trigger"]["run_type"] == "manual"
    assert record["plan_digest"] == plan_of(result)["digest"]
    assert record["plan"]["digest"] == record["plan_digest"]
    assert record["approved_by"] is None
    assert record["approval"]["outcome"] == "not needed"  # no task replaced or deleted
    assert record["dry_run"] is False
    assert "food" in record["teams"]
    deployed_steps = [s for s in record["steps"] if s["stack"] == "dms-food"]
    assert [s["outcome"] for s in deployed_steps] == ["success"]
    assert deployed_steps[0]["tasks"]["deploy_stack"] == "success"
    [window] = record["pause_windows"]
    assert window["stopped"] == [RECIPES]
    assert window["resumed"][RECIPES] and window["left_stopped"] == []
    assert window["stopped_at"] <= window["resumed_at"]  # ISO 8601 times, in UTC
    [proof] = record["s3_proof"]
    assert proof["stack"] == "dms-food" and proof["new"] >= 1

    code, out = history(capsys, configs)
    assert code == 0 and result.run_id in out and "success" in out
    code, out = history(capsys, configs, "--team", "logistics")
    assert code == 0 and result.run_id not in out
    code, out = history(capsys, configs, "--team", "food", "--since", "2000-01-01")
    assert code == 0 and result.run_id in out
    code, out = history(capsys, configs, "--since", "2999-01-01")
    assert code == 0 and result.run_id not in out
    code, out = history(capsys, configs, result.run_id)
    assert code == 0
    assert f"## {result.run_id} (attempt 1): success" in out
    assert f"| dms-food | {proof['unchanged']} | {proof['new']} |" in out
    assert "- git sha: 0123abc" in out
    stopped, resumed = window["stopped_at"], window["resumed_at"]
    assert f"| dms-food | {RECIPES} | {stopped} | resume-processing | {resumed} |" in out
    assert "| step_1[0] | dms-food | update | success |" in out
    assert "| step_2 | - | - | skipped |" in out


def test_a_failed_deploy_fails_the_run_and_a_rerun_adds_attempt_2(deployed, configs, capsys):
    add_table(configs, "food", "recipes", REVIEWS)
    deployed.fail_next_stack_update("dms-food", reason="Injected: resource limit exceeded")
    failed = trigger()
    # record_run succeeded in writing, and the run still fails as the deploy did.
    assert failed.state == "failed"
    assert failed.state_of("record_run") == ["failed"]
    first = only_record(failed.run_id)
    assert first["final_state"] == "failed"
    assert "step_1.wait_for_stack[0]" in first["failed_tasks"]
    [window] = first["pause_windows"]
    assert window["stopped"] == [RECIPES]
    assert window["resumed"][RECIPES]  # the teardown started it again
    s3 = boto3.client("s3")
    key = f"{LEDGER}{failed.run_id}/attempt-1.json"
    etag = s3.head_object(Bucket=BUCKET, Key=key)["ETag"]

    deployed.clear_faults()
    rerun = clear_failed_and_rerun(failed.run_id)
    assert rerun.state == "success", rerun.tasks
    records = ledger()
    assert sorted(records) == [key, f"{LEDGER}{failed.run_id}/attempt-2.json"]
    assert records[key] == first
    assert s3.head_object(Bucket=BUCKET, Key=key)["ETag"] == etag
    assert records[f"{LEDGER}{failed.run_id}/attempt-2.json"]["final_state"] == "success"

    code, out = history(capsys, configs, failed.run_id)
    assert code == 0
    assert "(attempt 1): failed" in out and "(attempt 2): success" in out


def test_a_dry_run_is_recorded_with_its_plan_and_nothing_deployed(deployed, configs, capsys):
    add_table(configs, "food", "recipes", REVIEWS)
    result = trigger({"dry_run": True})
    assert result.state == "success", result.tasks
    record = only_record(result.run_id)
    assert record["dry_run"] is True
    assert record["final_state"] == "success"
    assert record["plan_digest"] == plan_of(result)["digest"]
    assert record["pause_windows"] == [] and record["s3_proof"] == []
    assert {s["outcome"] for s in record["steps"]} == {"skipped"}
    code, out = history(capsys, configs)
    assert code == 0 and "dry run" in out


def test_a_run_stopped_by_a_config_error_is_recorded_without_a_plan(account, configs):
    (configs / "teams" / "food.json").write_text("{ not json")
    result = trigger()
    assert result.state == "failed"
    record = only_record(result.run_id)
    assert record["final_state"] == "failed"
    assert record["failed_tasks"] == ["validate_configs"]
    assert record["plan"] is None and record["plan_digest"] is None


def test_a_refused_plan_is_recorded_with_the_plan_it_refused(deployed, configs):
    add_table(configs, "food", "recipes", REVIEWS)
    refused = trigger({"plan_digest": "0000000000000000"})
    assert refused.state == "failed"
    assert refused.state_of("check_state") == ["failed"]
    record = only_record(refused.run_id)
    assert record["final_state"] == "failed"
    assert record["failed_tasks"] == ["check_state"]
    assert record["params"]["plan_digest"] == "0000000000000000"
    assert record["plan_digest"] not in (None, "0000000000000000")
    assert record["plan"]["digest"] == record["plan_digest"]
    assert record["teams"] == ["food"]
    assert record["pause_windows"] == []


def test_an_existing_record_is_never_overwritten(account):
    location = Location(BUCKET, "dms")
    s3 = boto3.client("s3")
    record = {"run_id": "manual__1", "attempt": 1, "plan": None, "final_state": "success"}
    key = write_record(s3, location, record)
    with pytest.raises(RecordExists):
        write_record(s3, location, {**record, "final_state": "failed"})
    assert json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()) == record

"""End to end: the real DAG against the sandbox, one scenario per common change.

Each test starts from the example configs deployed and replicating (`deployed`), edits its
private copy of the configs, runs the DAG, and checks AWS and S3 afterwards.
"""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from scripts.local_airflow import RunResult, clear_failed_and_rerun, returns, task_windows
from scripts.local_airflow import trigger as trigger_dag
from tests.faults.promises import objects
from tests.faults.scenario import plan_of, stopped_by

pytestmark = [pytest.mark.sandbox, pytest.mark.e2e]

BUCKET = "acme-data-lake"
DATA = "dms/data/"


def trigger(conf: dict | None = None) -> RunResult:
    """Run the DAG, and print how long each paused task was stopped (`pytest -s` shows it)."""
    result = trigger_dag(conf)
    for line in task_windows(result):
        print(f"pause window: {line}")
    return result


def edit_team(configs: Path, team: str, change) -> None:
    path = configs / "teams" / f"{team}.json"
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc, indent=2))


def statuses() -> dict[str, str]:
    tasks = boto3.client("dms").describe_replication_tasks()["ReplicationTasks"]
    return {t["ReplicationTaskIdentifier"]: t["Status"] for t in tasks}


def folder(endpoint: str, schema: str, table: str, version: str) -> str:
    return f"{DATA}{endpoint}__{schema}__{table}__{version}/"


def add_table(doc: dict, task: str, source: str, version: str) -> None:
    doc["tasks"][task]["tables"].append({"source": source, "version": version})


def test_add_a_table_pauses_only_its_task_and_loads_a_new_folder(deployed, configs):
    edit_team(
        configs,
        "food",
        lambda d: add_table(d, "recipes", "recipesdb/public/reviews", "v202611260000"),
    )
    before = objects()
    result = trigger()
    assert result.state == "success", result.tasks
    assert stopped_by(result) == {"food-recipes"}
    stays_stopped = {"payments-refunds-archive", "logistics-fleet-archive"}  # paused, full-load
    assert all(s == "running" for t, s in statuses().items() if t not in stays_stopped)
    new = folder("recipesdb", "public", "reviews", "v202611260000")
    assert any(k.startswith(new + "LOAD") for k in objects(new))
    after = objects()
    assert all(after.get(key) == seen for key, seen in before.items())


def test_version_bump_in_place_takes_two_steps_and_keeps_the_old_folder(deployed, configs):
    old = folder("recipesdb", "public", "recipes", "v202101010000")
    new = folder("recipesdb", "public", "recipes", "v202611260000")

    def bump(doc: dict) -> None:
        for table in doc["tasks"]["recipes"]["tables"]:
            if table["source"] == "recipesdb/public/recipes":
                table["version"] = "v202611260000"

    edit_team(configs, "food", bump)
    old_objects = objects(old)
    assert old_objects
    result = trigger()
    assert result.state == "success", result.tasks
    plan = plan_of(result)
    assert len(plan["steps"]) == 2
    assert result.ran("step_1.deploy_stack") and result.ran("step_2.deploy_stack")
    assert stopped_by(result) == {"food-recipes"}
    # Every old object is as it was (CDC may have added files before step 1 stopped it).
    after = objects(old)
    assert {k: after.get(k) for k in old_objects} == old_objects
    assert any(k.startswith(new + "LOAD") for k in objects(new))
    assert statuses()["food-recipes"] == "running"


def test_parallel_reload_in_a_second_task_is_one_step_and_never_stops_the_first(deployed, configs):
    def second_task(doc: dict) -> None:
        doc["tasks"]["recipes-reload"] = {
            "instance": "food-1",
            "endpoint": "recipesdb",
            "target": "s3-10min",
            "tables": [{"source": "recipesdb/public/recipes", "version": "v202611260000"}],
        }

    edit_team(configs, "food", second_task)
    result = trigger()
    assert result.state == "success", result.tasks
    assert len(plan_of(result)["steps"]) == 1
    assert stopped_by(result) == set()
    tasks = statuses()
    assert tasks["food-recipes"] == "running"
    assert tasks["food-recipes-reload"] == "running"
    new = folder("recipesdb", "public", "recipes", "v202611260000")
    assert any(k.startswith(new + "LOAD") for k in objects(new))


def test_pause_then_unpause_a_task_resumes_cdc_without_a_full_load(deployed, configs):
    edit_team(configs, "food", lambda d: d["tasks"]["recipes"].update(paused=True))
    paused = trigger()
    assert paused.state == "success", paused.tasks
    assert stopped_by(paused) == {"food-recipes"}
    assert statuses()["food-recipes"] == "stopped"
    loads_before = {k for k in objects() if "/LOAD" in k}

    edit_team(configs, "food", lambda d: d["tasks"]["recipes"].update(paused=False))
    unpaused = trigger()
    assert unpaused.state == "success", unpaused.tasks
    assert statuses()["food-recipes"] == "running"
    resumed = {
        t: how for value in returns(unpaused, "step_1.resume_tasks") for t, how in value.items()
    }
    assert resumed["food-recipes"] == "resume-processing"
    assert {k for k in objects() if "/LOAD" in k} == loads_before


def test_injected_cloudformation_failure_fails_at_wait_and_resumes_then_clear_rerun_succeeds(
    deployed, configs, capfd
):
    edit_team(
        configs,
        "food",
        lambda d: add_table(d, "recipes", "recipesdb/public/reviews", "v202611260000"),
    )
    deployed.fail_next_stack_update("dms-food", reason="Injected: resource limit exceeded")
    failed = trigger()
    assert failed.state == "failed"
    assert failed.state_of("step_1.wait_for_stack") == ["failed"]
    assert "stack is UPDATE_ROLLBACK_COMPLETE: TaskRecipes: Injected: resource limit exceeded" in (
        capfd.readouterr().out
    )
    assert failed.state_of("step_1.resume_tasks") == ["success"]
    assert statuses()["food-recipes"] == "running"  # the teardown resumed it
    new = folder("recipesdb", "public", "reviews", "v202611260000")
    assert objects(new) == {}

    deployed.clear_faults()
    rerun = clear_failed_and_rerun(failed.run_id)
    assert rerun.state == "success", rerun.tasks
    assert statuses()["food-recipes"] == "running"
    assert any(k.startswith(new + "LOAD") for k in objects(new))


def test_table_in_full_load_is_a_no_go_and_nothing_is_stopped(deployed, configs, capfd):
    """A table of food-recipes is still loading, so changing that task is refused."""
    dms = boto3.client("dms")
    task = dms.describe_replication_tasks(
        Filters=[{"Name": "replication-task-id", "Values": ["food-recipes"]}]
    )["ReplicationTasks"][0]
    deployed.hold_full_load("food-recipes")
    dms.stop_replication_task(ReplicationTaskArn=task["ReplicationTaskArn"])
    dms.get_waiter("replication_task_stopped").wait(
        Filters=[{"Name": "replication-task-arn", "Values": [task["ReplicationTaskArn"]]}],
        WaiterConfig={"Delay": 1, "MaxAttempts": 60},
    )
    dms.start_replication_task(
        ReplicationTaskArn=task["ReplicationTaskArn"], StartReplicationTaskType="reload-target"
    )
    dms.get_waiter("replication_task_running").wait(
        Filters=[{"Name": "replication-task-arn", "Values": [task["ReplicationTaskArn"]]}],
        WaiterConfig={"Delay": 1, "MaxAttempts": 60},
    )
    edit_team(
        configs,
        "food",
        lambda d: add_table(d, "recipes", "recipesdb/public/reviews", "v202611260000"),
    )
    deployed.clear_calls()
    result = trigger()
    assert result.state == "failed"
    assert result.state_of("check_state") == ["failed"]
    assert "no-go: DMS105 failed" in capfd.readouterr().out
    assert not any(c["operation"] == "StopReplicationTask" for c in deployed.calls())
    assert statuses()["food-recipes"] == "running"


def test_dry_run_prints_the_plan_and_makes_no_mutating_call(deployed, configs, capfd):
    edit_team(
        configs,
        "food",
        lambda d: add_table(d, "recipes", "recipesdb/public/reviews", "v202611260000"),
    )
    result = trigger({"dry_run": True})
    assert result.state == "success", result.tasks
    assert not result.ran("step_1.pause_tasks")
    out = capfd.readouterr().out
    assert "recipesdb/public/reviews" in out
    assert "DRY RUN: nothing will be deployed" in out  # check_state's log says so first
    read_only = ("Describe", "List", "Get", "ValidateTemplate")
    mutating = [
        c["operation"] for c in deployed.calls() if not c["operation"].startswith(read_only)
    ]
    # The one write is the run's audit record (tests/dag/test_audit_ledger.py).
    assert mutating == ["PutObject"]


def test_only_the_reviewed_plan_is_deployed(deployed, configs, capfd):
    """A run given the digest of the plan a reviewer saw deploys it; once the configs change
    again, the same digest makes check_state refuse, before anything is stopped."""
    edit_team(
        configs,
        "food",
        lambda d: add_table(d, "recipes", "recipesdb/public/reviews", "v202611260000"),
    )
    reviewed = plan_of(trigger({"dry_run": True}))["digest"]
    edit_team(
        configs,
        "food",
        lambda d: add_table(d, "recipes", "recipesdb/public/tags", "v202611260000"),
    )
    deployed.clear_calls()
    refused = trigger({"plan_digest": reviewed})
    assert refused.state == "failed"
    assert refused.state_of("check_state") == ["failed"]
    assert f"not the reviewed {reviewed}" in capfd.readouterr().out
    assert not any(c["operation"] == "StopReplicationTask" for c in deployed.calls())

    edit_team(
        configs,
        "food",
        lambda d: d["tasks"]["recipes"]["tables"].pop(),
    )
    accepted = trigger({"plan_digest": reviewed})
    assert accepted.state == "success", accepted.tasks
    assert plan_of(accepted)["digest"] == reviewed
    new = folder("recipesdb", "public", "reviews", "v202611260000")
    assert any(k.startswith(new + "LOAD") for k in objects(new))

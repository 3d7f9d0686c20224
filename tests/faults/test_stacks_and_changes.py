"""Faults in the AWS calls and the stack operations, and the disruptive changes."""

from __future__ import annotations

import boto3
import pytest

from scripts.local_airflow import Answer, clear_failed_and_rerun, trigger
from tests.faults.promises import assert_promises, record
from tests.faults.scenario import (
    NEW_VERSION,
    add_table,
    edit_team,
    objects_in,
    plan_of,
    set_version,
    status,
    stop_by_hand,
)

pytestmark = [pytest.mark.sandbox, pytest.mark.e2e, pytest.mark.faults]

RECIPES = "food-recipes"
REVIEWS = "recipesdb/public/reviews"
# Every operation a deploy of an added table calls (the sandbox's call log of one such run).
OPERATIONS = [
    "cloudformation:DescribeStacks",
    "cloudformation:GetTemplate",
    "cloudformation:ListExports",
    "cloudformation:ValidateTemplate",
    "cloudformation:CreateChangeSet",
    "cloudformation:DescribeChangeSet",
    "cloudformation:ExecuteChangeSet",
    "dms:DescribeReplicationTasks",
    "dms:DescribeTableStatistics",
    "dms:StopReplicationTask",
    "dms:StartReplicationTask",
    "s3:ListObjectsV2",
]


@pytest.mark.slow
def test_throttling_of_every_operation_is_absorbed(deployed, configs):
    new = add_table(configs, "food", "recipes", REVIEWS)
    before = record(deployed)
    deployed.clear_calls()
    for operation in OPERATIONS:
        deployed.throttle(operation, times=2)  # fewer than botocore's retries
    result = trigger()
    assert result.state == "success", result.tasks
    assert deployed.faults()["throttles"] == {}  # every operation was called, and throttled
    called = {f"{c['service']}:{c['operation']}" for c in deployed.calls()}
    assert set(OPERATIONS) <= called
    assert any("/LOAD" in k for k in objects_in(new))
    assert_promises(before, deployed, configs, may_stop={RECIPES})


def test_a_stop_throttled_past_the_retries_stops_nothing(deployed, configs, capfd):
    add_table(configs, "food", "recipes", REVIEWS)
    add_table(configs, "food", "foodsearch", "fooddb/foodsearch/allergens")
    before = record(deployed)
    throttle = {"step_1.pause_tasks": lambda: deployed.throttle("StopReplicationTask", 20)}
    failed = trigger(before=throttle)
    assert failed.state == "failed"
    assert failed.state_of("step_1.pause_tasks") == ["failed"]
    assert "StopReplicationTask" in capfd.readouterr().out
    assert status(RECIPES) == status("food-foodsearch") == "running"
    assert_promises(before, deployed, configs, converged=False)

    deployed.clear_faults()
    rerun = clear_failed_and_rerun(failed.run_id)
    assert rerun.state == "success", rerun.tasks
    assert_promises(before, deployed, configs, may_stop={RECIPES, "food-foodsearch"})


def test_a_failed_update_rolls_back_resumes_and_a_rerun_converges(deployed, configs, capfd):
    new = add_table(configs, "food", "recipes", REVIEWS)
    before = record(deployed)
    deployed.fail_next_stack_update("dms-food", reason="Injected: resource limit exceeded")
    failed = trigger()
    assert failed.state == "failed"
    assert "TaskRecipes: Injected: resource limit exceeded" in capfd.readouterr().out
    assert status(RECIPES) == "running"
    assert objects_in(new) == {}
    assert_promises(before, deployed, configs, may_stop={RECIPES}, converged=False)

    rerun = clear_failed_and_rerun(failed.run_id)
    assert rerun.state == "success", rerun.tasks
    assert_promises(before, deployed, configs, may_stop={RECIPES})


def test_update_rollback_failed_then_continue_update_rollback(deployed, configs, capfd):
    add_table(configs, "food", "recipes", REVIEWS)
    before = record(deployed)
    deployed.fail_rollback("dms-food")
    failed = trigger()
    assert failed.state == "failed"
    assert failed.state_of("step_1.wait_for_stack") == ["failed"]
    assert "stack is UPDATE_ROLLBACK_FAILED" in capfd.readouterr().out
    assert status(RECIPES) == "running"  # the teardown resumed it

    cfn = boto3.client("cloudformation")
    cfn.continue_update_rollback(StackName="dms-food")  # what a person does
    cfn.get_waiter("stack_rollback_complete").wait(
        StackName="dms-food", WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
    deployed.clear_faults()
    rerun = clear_failed_and_rerun(failed.run_id)
    assert rerun.state == "success", rerun.tasks
    assert_promises(before, deployed, configs, may_stop={RECIPES})


def test_a_failed_resume_fails_the_run_and_a_rerun_starts_it(deployed, configs, capfd):
    add_table(configs, "food", "recipes", REVIEWS)
    before = record(deployed)
    deployed.fail_on_resume(RECIPES, message="Last Error Source unreachable")
    failed = trigger()
    assert failed.state == "failed"
    assert failed.state_of("step_1.resume_tasks") == ["failed"]
    out = capfd.readouterr().out
    assert "tasks failed: food-recipes: Last Error Source unreachable" in out
    assert "clear resume_tasks to retry" in out

    rerun = clear_failed_and_rerun(failed.run_id)
    assert rerun.state == "success", rerun.tasks
    assert_promises(before, deployed, configs, may_stop={RECIPES})


def test_a_worker_killed_in_deploy_stack_after_the_change_set_ran(deployed, configs):
    new = add_table(configs, "food", "recipes", REVIEWS)
    before = record(deployed)
    failed = trigger(kill_after={"step_1.deploy_stack"})
    assert failed.state == "failed"
    assert failed.state_of("step_1.resume_tasks") == ["success"]  # teardown, after the stack
    assert status(RECIPES) == "running"

    rerun = clear_failed_and_rerun(failed.run_id)
    assert rerun.state == "success", rerun.tasks
    assert any("/LOAD" in k for k in objects_in(new))
    assert_promises(before, deployed, configs, may_stop={RECIPES})


def test_a_task_stopped_by_hand_between_plan_and_pause_is_resumed(deployed, configs):
    add_table(configs, "food", "recipes", REVIEWS)
    before = record(deployed)
    result = trigger(before={"step_1.pause_tasks": lambda: stop_by_hand(RECIPES)})
    assert result.state == "success", result.tasks
    assert status(RECIPES) == "running"
    assert_promises(before, deployed, configs, may_stop={RECIPES})


def test_a_reviewed_digest_is_refused_after_live_state_changed(deployed, configs, capfd):
    add_table(configs, "food", "recipes", REVIEWS)
    before = record(deployed)
    reviewed = plan_of(trigger({"dry_run": True}))["digest"]
    assert trigger().state == "success"  # another run deployed it meanwhile
    capfd.readouterr()
    deployed.clear_calls()
    refused = trigger({"plan_digest": reviewed})
    assert refused.state == "failed"
    assert f"not the reviewed {reviewed}" in capfd.readouterr().out
    assert not any(c["operation"] == "StopReplicationTask" for c in deployed.calls())
    assert_promises(before, deployed, configs, may_stop={RECIPES})


def test_a_table_removed(deployed, configs):
    def drop(doc: dict) -> None:
        doc["tasks"]["recipes"]["tables"] = doc["tasks"]["recipes"]["tables"][1:]

    edit_team(configs, "food", drop)
    before = record(deployed)
    result = trigger()
    assert result.state == "success", result.tasks
    assert_promises(before, deployed, configs, may_stop={RECIPES})


@pytest.mark.slow
def test_a_team_deleted(deployed, configs):
    (configs / "teams" / "logistics.json").unlink()
    before = record(deployed)
    # Disruptive: approved at approve_plan before any step.
    result = trigger(answers=[Answer("Approve", "admin")])
    assert result.state_of("approve_plan") == ["success"]
    assert result.state == "success", result.tasks
    assert "logistics-fleet" not in {
        t["ReplicationTaskIdentifier"]
        for t in boto3.client("dms").describe_replication_tasks()["ReplicationTasks"]
    }
    assert_promises(before, deployed, configs, may_stop={"logistics-fleet", "logistics-shipments"})


@pytest.mark.slow
def test_a_task_replaced_with_every_table_bumped(deployed, configs, capfd):
    """Moved to a new instance: a new task, reviewed as disruptive, every table in a new
    folder. Where DMS (or the sandbox) loses the task, the run fails naming it."""

    def move(doc: dict) -> None:
        doc["instances"]["food-2"] = {"class": "dms.r5.large", "storage_gb": 100}
        doc["tasks"]["foodsearch-reload"]["instance"] = "food-2"

    edit_team(configs, "food", move)
    set_version(configs, "food", "foodsearch-reload", "fooddb/foodsearch/barcodes", NEW_VERSION)
    before = record(deployed)
    result = trigger({"allow_disruptive": True}, answers=[Answer("Approve", "admin")])
    if result.state == "success":
        assert_promises(before, deployed, configs, may_stop={"food-foodsearch-reload"})
    else:
        assert result.state_of("step_2.resume_tasks") == ["failed"], result.tasks
        out = capfd.readouterr().out
        assert "tasks to start do not exist in DMS: food-foodsearch-reload" in out
        assert_promises(
            before,
            deployed,
            configs,
            may_stop={"food-foodsearch-reload"},
            converged=False,
            missing_ok={"food-foodsearch-reload"},
        )


def test_reschedule_mode_waits_for_the_load_too(deployed, configs, monkeypatch):
    """Without a triggerer (DMS_DEPLOY_DEFERRABLE=false) the waits run in reschedule mode."""
    monkeypatch.setenv("DMS_DEPLOY_DEFERRABLE", "false")
    new = add_table(configs, "food", "recipes", REVIEWS)
    before = record(deployed)
    result = trigger()
    assert result.state == "success", result.tasks
    assert any("/LOAD" in k for k in objects_in(new))
    assert_promises(before, deployed, configs, may_stop={RECIPES})

"""Faults around S3 data and the plan: promises 2, 5 and 6, and races with the plan."""

from __future__ import annotations

import boto3
import pytest

from scripts.local_airflow import clear_failed_and_rerun, trigger
from tests.faults.promises import assert_promises, record
from tests.faults.scenario import (
    NEW_VERSION,
    add_table,
    edit_team,
    folder,
    objects_in,
    plan_of,
    plant,
    remove,
    set_version,
    start_by_hand,
    status,
    stop_by_hand,
    stopped_by,
)

pytestmark = [pytest.mark.sandbox, pytest.mark.e2e, pytest.mark.faults]

RECIPES = "food-recipes"
REVIEWS = "recipesdb/public/reviews"


@pytest.mark.parametrize("when", ["step_1.pause_tasks", "step_1.resume_tasks"])
def test_object_planted_in_a_new_folder_is_never_overwritten(deployed, configs, capfd, when):
    """After check_state (so before pause_tasks), or after pause_tasks and the deploy."""
    new = add_table(configs, "food", "recipes", REVIEWS)
    key = new + "LOAD00000001.csv"
    before = record(deployed)
    failed = trigger(before={when: lambda: plant(key)})
    assert failed.state == "failed"
    assert failed.state_of(when) == ["failed"]
    out = capfd.readouterr().out
    assert f"{RECIPES} would full-load into {new}" in out
    assert "Move the objects out" in out
    planted = objects_in(new)
    assert list(planted) == [key]  # still the planted object, untouched
    if when == "step_1.pause_tasks":
        assert status(RECIPES) == "running"  # refused before stopping anything

    remove(key)  # the person moves it out, then clears
    rerun = clear_failed_and_rerun(failed.run_id)
    assert rerun.state == "success", rerun.tasks
    assert any("/LOAD" in k for k in objects_in(new))
    assert_promises(before, deployed, configs, may_stop={RECIPES})


def test_the_proof_waits_for_the_full_load_then_verifies(deployed, configs, capfd, monkeypatch):
    """A long full load: wait_for_full_loads gives up with a clear message, and once the
    load is done, clearing it verifies the LOAD files the load wrote."""
    monkeypatch.setenv("DMS_DEPLOY_FULL_LOAD_TIMEOUT_HOURS", str(3 / 3600))
    new = add_table(configs, "food", "recipes", REVIEWS)
    before = record(deployed)
    deployed.hold_full_load(RECIPES)
    failed = trigger()
    assert failed.state == "failed"
    assert failed.state_of("step_1.resume_tasks") == ["success"]
    assert failed.state_of("step_1.wait_for_full_loads") == ["failed"]
    assert not failed.ran("step_1.verify_no_s3_overwrite")
    out = capfd.readouterr().out
    assert "gave up waiting after 3s: still loading: food-recipes: public.reviews" in out
    assert "clear wait_for_full_loads to verify" in out

    deployed.clear_faults()
    rerun = clear_failed_and_rerun(failed.run_id)
    assert rerun.state == "success", rerun.tasks
    assert any("/LOAD" in k for k in objects_in(new))
    assert_promises(before, deployed, configs, may_stop={RECIPES})


def test_bump_in_one_task_and_add_in_another_checks_each_steps_own_folders(deployed, configs):
    set_version(configs, "food", "recipes", "recipesdb/public/recipes", NEW_VERSION)
    added = add_table(configs, "food", "foodsearch", "fooddb/foodsearch/allergens")
    before = record(deployed)
    result = trigger()
    assert result.state == "success", result.tasks
    assert len(plan_of(result)["steps"]) == 2
    assert any("/LOAD" in k for k in objects_in(added))
    bumped = folder("recipesdb/public/recipes", NEW_VERSION)
    assert any("/LOAD" in k for k in objects_in(bumped))
    assert_promises(before, deployed, configs, may_stop={RECIPES, "food-foodsearch"})


def test_a_stack_in_progress_is_a_no_go_that_names_it(deployed, configs, capfd):
    """A worker died in wait_for_stack (the update still runs, its task is stopped): the
    next run is a no-go naming the stack; clearing the first run converges."""
    new = add_table(configs, "food", "recipes", REVIEWS)
    before = record(deployed)
    deployed.hold_stack("dms-food")
    first = trigger(kill={"step_1.wait_for_stack": None})
    assert first.state == "failed"
    assert status(RECIPES) == "stopped"  # the teardown cannot start it while CFN updates it
    capfd.readouterr()

    second = trigger()
    assert second.state == "failed"
    assert second.state_of("check_state") == ["failed"]
    out = capfd.readouterr().out
    assert "no-go: DMS102, DMS108 failed" in out
    assert "stack dms-food is in UPDATE_IN_PROGRESS" in out
    assert "clear that run's failed step" in out

    deployed.clear_faults()  # the update finishes
    rerun = clear_failed_and_rerun(first.run_id)
    assert rerun.state == "success", rerun.tasks
    assert any("/LOAD" in k for k in objects_in(new))
    assert_promises(before, deployed, configs, may_stop={RECIPES})


def test_a_planned_start_of_a_task_that_does_not_exist_fails_clearly(deployed, configs, capfd):
    """The task the plan starts vanished between the deploy and the start."""
    add_table(configs, "food", "recipes", REVIEWS)
    before = record(deployed)

    def delete_it() -> None:
        dms = boto3.client("dms")
        task = dms.describe_replication_tasks(
            Filters=[{"Name": "replication-task-id", "Values": [RECIPES]}]
        )["ReplicationTasks"][0]
        dms.delete_replication_task(ReplicationTaskArn=task["ReplicationTaskArn"])
        dms.get_waiter("replication_task_deleted").wait(
            Filters=[{"Name": "replication-task-arn", "Values": [task["ReplicationTaskArn"]]}],
            WaiterConfig={"Delay": 1, "MaxAttempts": 60},
        )

    failed = trigger(before={"step_1.resume_tasks": delete_it})
    assert failed.state == "failed"
    assert failed.state_of("step_1.resume_tasks") == ["failed"]
    out = capfd.readouterr().out
    assert f"tasks to start do not exist in DMS: {RECIPES}" in out
    assert "clear this step's deploy_stack" in out
    assert before.tasks  # the other tasks were not touched:
    assert_promises(
        before, deployed, configs, may_stop={RECIPES}, converged=False, missing_ok={RECIPES}
    )


def test_bumping_a_paused_table_stops_and_resumes_its_task(deployed, configs):
    """foods is paused in food-foodsearch: a new version changes only the task's metadata,
    which CloudFormation still applies to the task, so the running task is stopped first."""
    set_version(configs, "food", "foodsearch", "fooddb/foodsearch/foods", NEW_VERSION)
    before = record(deployed)
    result = trigger()
    assert result.state == "success", result.tasks
    assert stopped_by(result) == {"food-foodsearch"}
    assert (
        boto3.client("cloudformation").describe_stacks(StackName="dms-food")["Stacks"][0][
            "StackStatus"
        ]
        == "UPDATE_COMPLETE"
    )
    assert_promises(before, deployed, configs, may_stop={"food-foodsearch"})


def test_unpausing_a_table_without_a_bump_is_refused_then_a_bump_deploys(deployed, configs, capfd):
    def unpause(doc: dict) -> None:
        for table in doc["tasks"]["foodsearch"]["tables"]:
            table.pop("paused", None)

    edit_team(configs, "food", unpause)
    before = record(deployed)
    refused = trigger()
    assert refused.state == "failed"
    assert "no-go: DMS107 failed" in capfd.readouterr().out
    assert_promises(before, deployed, configs, converged=False)

    set_version(configs, "food", "foodsearch", "fooddb/foodsearch/foods", NEW_VERSION)
    result = trigger()
    assert result.state == "success", result.tasks
    assert_promises(before, deployed, configs, may_stop={"food-foodsearch"})


def test_a_task_stopped_by_hand_before_the_run_is_a_no_go(deployed, configs, capfd):
    add_table(configs, "food", "recipes", REVIEWS)
    stop_by_hand("logistics-fleet")
    before = record(deployed)
    refused = trigger()
    assert refused.state == "failed"
    out = capfd.readouterr().out
    assert "no-go: DMS108 failed" in out
    assert "task logistics-fleet is stopped" in out
    assert status(RECIPES) == "running"

    start_by_hand("logistics-fleet")  # what the message says to do
    result = trigger()
    assert result.state == "success", result.tasks
    assert_promises(before, deployed, configs, may_stop={RECIPES, "logistics-fleet"})


def test_a_stored_template_replaced_after_the_plan_is_never_deployed(deployed, configs, capfd):
    """check_state stores the plan's templates by SHA-256; one replaced in S3 before
    pause_tasks reads it back is refused before anything stops. Once it is removed, a new
    run stores it again and deploys."""
    add_table(configs, "food", "recipes", REVIEWS)
    s3 = boto3.client("s3")
    prefix = "dms/cloudformation/dms-food/"

    def replace_stored_templates() -> None:
        listed = s3.list_objects_v2(Bucket="acme-data-lake", Prefix=prefix)
        for item in listed.get("Contents", []):
            s3.put_object(Bucket="acme-data-lake", Key=item["Key"], Body=b"Resources: {}\n")

    before = record(deployed)
    failed = trigger(before={"step_1.pause_tasks": replace_stored_templates})
    assert failed.state == "failed"
    assert failed.state_of("step_1.pause_tasks") == ["failed"]
    assert "does not hold the planned template of dms-food" in capfd.readouterr().out
    assert status(RECIPES) == "running"  # refused before stopping anything
    assert not any(c["operation"] == "CreateChangeSet" for c in deployed.calls())

    for item in s3.list_objects_v2(Bucket="acme-data-lake", Prefix=prefix).get("Contents", []):
        remove(item["Key"])
    rerun = trigger()
    assert rerun.state == "success", rerun.tasks
    assert_promises(before, deployed, configs, may_stop={RECIPES})

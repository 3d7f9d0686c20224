"""The apply layer's safety rules under faults, against the sandbox, without Airflow."""

from __future__ import annotations

import pytest

from dms_deploy.apply.dms_tasks import (
    MissingTasks,
    PauseUndone,
    Waiting,
    describe_tasks,
    pause_tasks,
    resume_tasks,
)
from dms_deploy.apply.full_loads import load_progress, occupied_folders
from tests.apply.test_apply_sandbox import FAST

pytestmark = pytest.mark.sandbox

RECIPES = "food-recipes"
FOODSEARCH = "food-foodsearch"


def statuses(dms, tasks) -> dict[str, str]:
    return {i: t["Status"] for i, t in describe_tasks(dms, tasks).items()}


def test_a_pause_that_hangs_on_its_second_task_starts_the_first_again(food):
    sandbox, _, dms, _ = food
    sandbox.hang_stop(RECIPES)  # food-foodsearch stops first
    with pytest.raises(PauseUndone) as raised:
        pause_tasks(dms, [RECIPES, FOODSEARCH], Waiting(timeout_seconds=2, poll_seconds=0.05))
    message = str(raised.value)
    assert f"started again (resume-processing, no reload): {FOODSEARCH}" in message
    assert f"NOT started again: {RECIPES} (it is stopping)" in message
    assert statuses(dms, [FOODSEARCH]) == {FOODSEARCH: "running"}
    sandbox.clear_faults()  # the hung stop completes
    assert pause_tasks(dms, [RECIPES, FOODSEARCH], FAST) == [FOODSEARCH]
    assert statuses(dms, [RECIPES, FOODSEARCH]) == {RECIPES: "stopped", FOODSEARCH: "stopped"}


def test_a_planned_start_of_a_missing_task_fails_after_starting_the_others(food):
    _, _, dms, _ = food
    pause_tasks(dms, [RECIPES], FAST)
    with pytest.raises(MissingTasks, match="tasks to start do not exist in DMS: food-nope"):
        resume_tasks(dms, [RECIPES, "food-nope"], waiting=FAST)
    assert statuses(dms, [RECIPES]) == {RECIPES: "running"}


def test_load_progress_names_the_tables_still_loading_then_is_done(food):
    sandbox, _, dms, _ = food
    loads = {RECIPES: [{"folder": "f", "schema": "public", "table": "recipes"}]}
    assert load_progress(dms, loads).done
    sandbox.hold_full_load(RECIPES)
    pause_tasks(dms, [RECIPES], FAST)
    arn = describe_tasks(dms, [RECIPES])[RECIPES]["ReplicationTaskArn"]
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="reload-target")
    resume_tasks(dms, [RECIPES], waiting=FAST)  # already running: waits for running
    progress = load_progress(dms, loads)
    assert not progress.done
    assert progress.pending and "food-recipes: public.recipes" in progress.pending[0]
    missing = load_progress(dms, {"food-nope": loads[RECIPES]})
    assert missing.failures == ("food-nope does not exist",)


def test_occupied_folders_lists_only_folders_that_hold_objects(food):
    import boto3

    s3 = boto3.client("s3")
    s3.put_object(Bucket="acme-data-lake", Key="dms/data/x__y__z__v1/LOAD00000001.csv", Body=b"")
    found = occupied_folders(s3, "acme-data-lake", "dms", ["x__y__z__v1", "x__y__z__v2"])
    assert found == ["x__y__z__v1"]

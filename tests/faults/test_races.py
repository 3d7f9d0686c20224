"""Races: a full load that starts after the plan, and a second Airflow deploying at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from scripts.local_airflow import REPO, clear_failed_and_rerun, trigger
from tests.faults.promises import assert_promises, record
from tests.faults.scenario import add_table, objects_in, start_by_hand, status, stop_by_hand

pytestmark = [pytest.mark.sandbox, pytest.mark.e2e, pytest.mark.faults]

RECIPES = "food-recipes"
REVIEWS = "recipesdb/public/reviews"


def wait_for_loads(task_id: str) -> None:
    dms = boto3.client("dms")
    arn = dms.describe_replication_tasks(
        Filters=[{"Name": "replication-task-id", "Values": [task_id]}]
    )["ReplicationTasks"][0]["ReplicationTaskArn"]
    for _ in range(600):
        stats = dms.describe_table_statistics(ReplicationTaskArn=arn)["TableStatistics"]
        if stats and all(s["TableState"] == "Table completed" for s in stats):
            return
    raise AssertionError(f"{task_id} kept loading")


def test_a_full_load_starting_between_plan_and_pause_is_not_interrupted(deployed, configs, capfd):
    new = add_table(configs, "food", "recipes", REVIEWS)

    def reload_by_hand() -> None:
        deployed.hold_full_load(RECIPES)  # a long reload
        stop_by_hand(RECIPES)
        start_by_hand(RECIPES, "reload-target")

    failed = trigger(before={"step_1.pause_tasks": reload_by_hand})
    assert failed.state == "failed"
    assert failed.state_of("step_1.pause_tasks") == ["failed"]
    assert (
        "a full load is in progress, nothing was stopped (food-recipes:" in capfd.readouterr().out
    )
    assert deployed.interrupted_loads() == []
    assert status(RECIPES) == "running"

    deployed.clear_faults()  # the reload ends; the person's reload rewrote its own folders
    wait_for_loads(RECIPES)
    before = record(deployed)
    rerun = clear_failed_and_rerun(failed.run_id)
    assert rerun.state == "success", rerun.tasks
    assert any("/LOAD" in k for k in objects_in(new))
    assert deployed.interrupted_loads() == []
    assert_promises(before, deployed, configs, may_stop={RECIPES})


def _second_airflow(home: Path, configs: Path) -> subprocess.CompletedProcess:
    """A whole other Airflow (its own metadata database) running the same DAG once."""
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "DMS_DEPLOY_CONFIG_DIR": str(configs),
        "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "plugins")]),
    }
    script = (
        "from scripts.local_airflow import migrate_db, trigger\n"
        "migrate_db()\n"
        "result = trigger()\n"
        "print('SECOND RUN', result.state, result.tasks.get('check_state[-1]'))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True
    )


@pytest.mark.slow
def test_two_airflows_at_once_the_second_is_a_no_go(deployed, configs, tmp_path):
    """Two Airflow databases (say, a second deployment of the DAG): while the first run's
    stack update is in flight, the second plans a no-go naming the stack and stops nothing."""
    new = add_table(configs, "food", "recipes", REVIEWS)
    before = record(deployed)
    seen: dict[str, subprocess.CompletedProcess] = {}

    def second_run() -> None:
        deployed.hold_stack("dms-food")  # the first run's update stays in progress
        seen["second"] = _second_airflow(tmp_path / "other-airflow", configs)
        deployed.clear_faults()  # then the update finishes

    first = trigger(before={"step_1.wait_for_stack": second_run})
    second = seen["second"]
    output = second.stdout + second.stderr
    assert "SECOND RUN failed failed" in second.stdout, output[-3000:]
    assert "stack dms-food is in UPDATE_IN_PROGRESS" in output
    assert first.state == "success", first.tasks
    assert any("/LOAD" in k for k in objects_in(new))
    assert_promises(before, deployed, configs, may_stop={RECIPES})

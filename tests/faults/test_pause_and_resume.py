"""Faults around the stop and the start of tasks: promise 4 above all."""

from __future__ import annotations

import pytest

from scripts.local_airflow import clear_failed_and_rerun, trigger
from tests.faults.promises import assert_promises, record
from tests.faults.scenario import add_table, objects_in, status

pytestmark = [pytest.mark.sandbox, pytest.mark.e2e, pytest.mark.faults]

RECIPES = "food-recipes"
FOODSEARCH = "food-foodsearch"
BOTH = {RECIPES, FOODSEARCH}


def change_two_tasks(configs) -> list[str]:
    return [
        add_table(configs, "food", "recipes", "recipesdb/public/reviews"),
        add_table(configs, "food", "foodsearch", "fooddb/foodsearch/allergens"),
    ]


def test_hung_stop_of_one_of_two_tasks_restarts_the_other(deployed, configs, capfd):
    new = change_two_tasks(configs)
    before = record(deployed)
    deployed.hang_stop(RECIPES)  # food-foodsearch stops first, then food-recipes hangs
    failed = trigger()
    assert failed.state == "failed"
    assert failed.state_of("step_1.pause_tasks") == ["failed"]
    out = capfd.readouterr().out
    assert f"started again (resume-processing, no reload): {FOODSEARCH}" in out
    assert f"NOT started again: {RECIPES} (it is stopping)" in out
    assert "clear pause_tasks" in out
    assert status(FOODSEARCH) == "running"
    assert all(objects_in(p) == {} for p in new)

    deployed.clear_faults()  # DMS finishes the stop
    rerun = clear_failed_and_rerun(failed.run_id)
    assert rerun.state == "success", rerun.tasks
    assert all(any("/LOAD" in k for k in objects_in(p)) for p in new)
    assert_promises(before, deployed, configs, may_stop=BOTH)


def test_s3_listing_failing_in_the_pause_stops_nothing(deployed, configs, capfd):
    change_two_tasks(configs)
    before = record(deployed)
    # Past botocore's 4 attempts (see conftest.py) in each of the 4 tries Airflow makes.
    failed = trigger(before={"step_1.pause_tasks": lambda: deployed.throttle("ListObjectsV2", 30)})
    assert failed.state == "failed"
    assert failed.state_of("step_1.pause_tasks") == ["failed"]
    assert "SlowDown" in capfd.readouterr().out
    deployed.clear_faults()  # the throttling is over (before the test reads S3 itself)
    assert status(RECIPES) == status(FOODSEARCH) == "running"
    assert_promises(before, deployed, configs, converged=False)

    rerun = clear_failed_and_rerun(failed.run_id)
    assert rerun.state == "success", rerun.tasks
    assert_promises(before, deployed, configs, may_stop=BOTH)

"""Each online check fails against a faulty sandbox state and passes against a healthy one.

The healthy case for every check is `test_plan_sandbox.py`'s "already deployed, no
changes" plan (all checks pass); here each test also shows the check passing without its
fault where that needs its own state.
"""

from __future__ import annotations

from dataclasses import replace

import boto3
import pytest

from dms_deploy.config.models import Instance, Table
from tests.planner import sandbox_world as sw
from tests.planner import world

pytestmark = pytest.mark.sandbox

FOODSEARCH = "food-foodsearch"
BRANDS = "fooddb/foodsearch/brands"
NEW_BRANDS = "v202611250000"
FOOD_STACK = "dms-food"


@pytest.fixture
def aws(bootstrapped_sandbox):
    clients = sw.clients()
    sw.deploy(world.example(), clients)
    return clients


def status(plan, check_id: str) -> str:
    return plan.check(check_id).status


def test_dms101_missing_base_stack(bootstrapped_sandbox):
    aws = sw.clients()
    assert status(sw.plan(world.example(), aws, teams={"food"}), "DMS101") == "fail"
    plan = sw.plan(world.example(), aws)  # creates the base stack first
    assert plan.steps[0].stacks[0].action == "create"
    assert status(plan, "DMS101") == "pass"


def _food_body() -> str:
    return next(s.body for s in world.render(world.example()) if s.name == FOOD_STACK)


def test_dms102_stack_held_in_update_in_progress(aws, bootstrapped_sandbox):
    bumped = world.edit_table(world.example(), FOODSEARCH, BRANDS, version=NEW_BRANDS)
    assert status(sw.plan(bumped, aws), "DMS102") == "pass"
    bootstrapped_sandbox.hold_stack(FOOD_STACK)
    assert sw.start_update(aws, FOOD_STACK, sw.with_output(_food_body()))
    assert sw.stack_status(aws, FOOD_STACK) == "UPDATE_IN_PROGRESS"
    plan = sw.plan(bumped, aws)
    assert status(plan, "DMS102") == "fail"
    finding = plan.check("DMS102").findings[0]
    assert finding.team == "food" and "UPDATE_IN_PROGRESS" in finding.message
    assert not plan.go
    bootstrapped_sandbox.clear_faults()  # the update finishes as a slow one would
    sw.wait(lambda: sw.stack_status(aws, FOOD_STACK) == "UPDATE_COMPLETE", "the update")
    assert status(sw.plan(bumped, aws), "DMS102") == "pass"


def test_dms102_stack_in_update_rollback_failed(aws, bootstrapped_sandbox):
    bumped = world.edit_table(world.example(), FOODSEARCH, BRANDS, version=NEW_BRANDS)
    bootstrapped_sandbox.fail_rollback(FOOD_STACK)
    assert sw.start_update(aws, FOOD_STACK, sw.with_output(_food_body()))
    sw.wait(lambda: sw.stack_status(aws, FOOD_STACK) == "UPDATE_ROLLBACK_FAILED", "the rollback")
    plan = sw.plan(bumped, aws)
    assert status(plan, "DMS102") == "fail"
    finding = plan.check("DMS102").findings[0]
    assert finding.team == "food" and "UPDATE_ROLLBACK_FAILED" in finding.message
    # The repair AWS documents: continue the rollback; the stack is deployable again.
    aws.cloudformation.continue_update_rollback(StackName=FOOD_STACK)
    sw.wait(lambda: sw.stack_status(aws, FOOD_STACK) == "UPDATE_ROLLBACK_COMPLETE", "the repair")
    assert status(sw.plan(bumped, aws), "DMS102") == "pass"


def test_dms103_version_lower_than_deployed(aws):
    lower = world.edit_table(world.example(), FOODSEARCH, BRANDS, version="v201901010000")
    assert status(sw.plan(lower, aws), "DMS103") == "fail"
    higher = world.edit_table(world.example(), FOODSEARCH, BRANDS, version=NEW_BRANDS)
    assert status(sw.plan(higher, aws), "DMS103") == "pass"


def test_dms104_leftovers_in_a_new_folder(aws):
    bumped = world.edit_table(world.example(), FOODSEARCH, BRANDS, version=NEW_BRANDS)
    assert status(sw.plan(bumped, aws), "DMS104") == "pass"
    base = world.example().base
    key = f"{base.bucket_folder}/data/fooddb__foodsearch__brands__{NEW_BRANDS}/LOAD00000001.csv"
    boto3.client("s3").put_object(Bucket=base.bucket, Key=key, Body=b"left over")
    plan = sw.plan(bumped, aws)
    assert status(plan, "DMS104") == "fail"
    assert plan.check("DMS104").findings[0].table == BRANDS


def test_dms105_task_with_a_table_in_full_load(aws, bootstrapped_sandbox):
    # A new task whose full load the sandbox holds: as long a load as the test needs.
    recipes = world.task_of(world.example(), "food-recipes")
    tables = tuple(Table("fooddb", "bulk", f"t{i}", NEW_BRANDS) for i in range(2))
    bulk = replace(recipes, name="bulk", endpoint="fooddb", tables=tables)
    food = world.example().teams["food"]
    loading = replace(
        world.example(),
        teams={
            **world.example().teams,
            "food": replace(food, tasks={**food.tasks, "bulk": bulk}),
        },
    )
    bootstrapped_sandbox.hold_full_load("food-bulk")
    sw.deploy(loading, aws, wait_loads=False)
    more = world.add_table(loading, "food-bulk", "fooddb/bulk/extra", NEW_BRANDS)
    plan = sw.plan(more, aws)
    assert plan.steps[0].pause == ("food-bulk",)
    assert status(plan, "DMS105") == "fail"
    assert plan.check("DMS105").findings[0].task == "bulk"
    bootstrapped_sandbox.clear_faults()
    sw.wait_for_loads(aws, ["food-bulk"])
    assert status(sw.plan(more, aws), "DMS105") == "pass"


def test_dms106_task_replacement(aws):
    before = world.example()
    food = before.teams["food"]
    instances = {**food.instances, "food-2": Instance("food-2", "dms.r5.large", 100)}
    teams = {**before.teams, "food": replace(food, instances=instances)}
    moved = world.edit_task(replace(before, teams=teams), "food-recipes", instance="food-2")
    plan = sw.plan(moved, aws)
    assert plan.changes[0].classification == "replacement"
    assert status(plan, "DMS106") == "warn" and plan.disruptive
    assert status(sw.plan(moved, aws, allow_disruptive=True), "DMS106") == "warn"


def test_dms107_unpause_without_bump(aws):
    silent = world.edit_table(world.example(), FOODSEARCH, "fooddb/foodsearch/foods", paused=False)
    assert status(sw.plan(silent, aws), "DMS107") == "fail"
    bumped = world.edit_table(silent, FOODSEARCH, "fooddb/foodsearch/foods", version=NEW_BRANDS)
    assert status(sw.plan(bumped, aws), "DMS107") == "pass"


def test_dms108_task_stopped_by_hand(aws):
    assert status(sw.plan(world.example(), aws), "DMS108") == "pass"
    arn = aws.dms.describe_replication_tasks(
        Filters=[{"Name": "replication-task-id", "Values": ["food-recipes"]}]
    )["ReplicationTasks"][0]["ReplicationTaskArn"]
    aws.dms.stop_replication_task(ReplicationTaskArn=arn)
    sw.wait(lambda: sw.task_status(aws, "food-recipes") == "stopped", "the stop")
    plan = sw.plan(world.example(), aws)
    assert status(plan, "DMS108") == "fail"
    assert plan.check("DMS108").findings[0].task == "recipes"

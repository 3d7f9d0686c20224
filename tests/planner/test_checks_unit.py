"""Each online check (DMS101-DMS108) fails on a hand-built state and passes without the fault."""

from __future__ import annotations

from dataclasses import replace

from dms_deploy.plan.model import Plan
from dms_deploy.state.model import FolderListing, TableStat
from tests.planner import world

FOODSEARCH = "food-foodsearch"
BRANDS = "fooddb/foodsearch/brands"
FOODS = "fooddb/foodsearch/foods"  # configured paused in the example


def status(plan: Plan, check_id: str) -> str:
    return plan.check(check_id).status


def messages(plan: Plan, check_id: str) -> list[str]:
    return [f.message for f in plan.check(check_id).findings]


def bumped() -> tuple:
    before = world.example()
    return before, world.edit_table(before, FOODSEARCH, BRANDS, version="v202611250000")


def test_dms101_missing_base_stack_fails_unless_this_plan_creates_it():
    configs = world.example()
    observed = world.without_stack(world.deployed(configs), "dms-base")
    only_food = world.plan(configs, observed, teams={"food"})
    assert status(only_food, "DMS101") == "fail"
    assert any("dms-base is not deployed" in m for m in messages(only_food, "DMS101"))
    assert not only_food.go

    full = world.plan(configs, observed)
    assert full.steps[0].name == "base"
    assert full.steps[0].stacks[0].action == "create"
    assert status(full, "DMS101") == "pass"


def test_dms101_missing_network_export_fails():
    configs = world.example()
    observed = world.without_stack(world.deployed(configs), "dms-base")
    observed = replace(observed, exports={})
    plan = world.plan(configs, observed)
    assert status(plan, "DMS101") == "fail"
    assert any("network-VpcId" in m for m in messages(plan, "DMS101"))


def test_dms102_stack_in_progress_or_failed_is_not_deployable():
    before, after = bumped()
    for bad in ("UPDATE_IN_PROGRESS", "UPDATE_ROLLBACK_FAILED"):
        observed = world.with_stack(world.deployed(before), "dms-food", status=bad)
        plan = world.plan(after, observed)
        assert status(plan, "DMS102") == "fail", bad
        assert bad in messages(plan, "DMS102")[0]
    assert status(world.plan(after, world.deployed(before)), "DMS102") == "pass"


def test_dms102_rollback_complete_must_be_deleted_first():
    configs = world.example()
    observed = world.with_stack(world.deployed(configs), "dms-food", status="ROLLBACK_COMPLETE")
    plan = world.plan(configs, observed)
    assert [s.action for s in plan.stacks if s.name == "dms-food"] == ["create"]
    assert status(plan, "DMS102") == "fail"
    assert "delete it first" in messages(plan, "DMS102")[0]


def test_dms103_version_lower_than_deployed_fails():
    before = world.example()
    after = world.edit_table(before, FOODSEARCH, BRANDS, version="v201901010000")
    plan = world.plan(after, world.deployed(before))
    assert status(plan, "DMS103") == "fail"
    (finding,) = plan.check("DMS103").findings
    assert finding.team == "food" and finding.task == "foodsearch" and finding.table == BRANDS
    assert finding.file == "teams/food.json" and finding.pointer
    assert status(world.plan(bumped()[1], world.deployed(before)), "DMS103") == "pass"


def test_dms104_leftovers_in_a_first_time_folder_fail():
    before, after = bumped()
    observed = world.deployed(before)
    fresh = "fooddb__foodsearch__brands__v202611250000"
    assert status(world.plan(after, observed), "DMS104") == "pass"
    dirty = replace(observed, folders=FolderListing("", observed.folders.nonempty | {fresh}))
    plan = world.plan(after, dirty)
    assert status(plan, "DMS104") == "fail"
    assert fresh in messages(plan, "DMS104")[0]
    unlisted = replace(observed, folders=None)
    assert status(world.plan(after, unlisted), "DMS104") == "fail"


def test_dms105_table_in_full_load_in_a_task_to_stop_fails():
    before, after = bumped()
    observed = world.deployed(before)
    assert status(world.plan(after, observed), "DMS105") == "pass"
    for state in ("Full load", "Before load", "Table is being reloaded"):
        stats = (TableStat("foodsearch", "brands", state),)
        loading = replace(observed, table_stats={**observed.table_stats, FOODSEARCH: stats})
        plan = world.plan(after, loading)
        assert status(plan, "DMS105") == "fail", state
        assert plan.check("DMS105").findings[0].table == BRANDS
    # A load in a task the plan does not stop is no concern.
    other = (TableStat("public", "recipes", "Full load"),)
    elsewhere = replace(observed, table_stats={**observed.table_stats, "food-recipes": other})
    assert status(world.plan(after, elsewhere), "DMS105") == "pass"


def test_dms105_fails_when_statistics_were_not_read():
    before, after = bumped()
    observed = replace(world.deployed(before), table_stats={})
    assert status(world.plan(after, observed), "DMS105") == "fail"


def test_dms106_task_replacement_needs_approval_or_allow_disruptive():
    from dms_deploy.config.models import Instance

    before = world.example()
    food = before.teams["food"]
    instances = {**food.instances, "food-2": Instance("food-2", "dms.r5.large", 100)}
    moved = replace(before, teams={**before.teams, "food": replace(food, instances=instances)})
    after = world.edit_task(moved, "food-recipes", instance="food-2")
    plan = world.plan(after, world.deployed(before))
    (change,) = plan.changes
    assert change.classification == "replacement"
    assert "ReplicationInstanceArn forces a new task" in change.reasons
    # A go, which a run deploys only after approval (see test_approval_gate).
    assert status(plan, "DMS106") == "warn" and plan.disruptive and not plan.acknowledged
    assert "approve_plan" in plan.check("DMS106").findings[0].message
    allowed = world.plan(after, world.deployed(before), allow_disruptive=True)
    assert status(allowed, "DMS106") == "warn" and allowed.acknowledged
    # The same steps, but a digest reviewed without the acknowledgement is another digest.
    assert allowed.steps == plan.steps and allowed.digest != plan.digest
    # CloudFormation cannot replace a task that keeps its identifier: remove, then create.
    removal, creation = allowed.steps
    assert removal.pause == ("food-recipes",) and removal.resume == ()
    assert "TaskRecipes" not in removal.stacks[0].body
    assert creation.pause == () and creation.start == {"food-recipes": "start-replication"}
    # The new task reloads every table into its deployed folders: only a bump makes it safe.
    assert status(allowed, "DMS104") == "fail"


def test_dms106_migration_type_change_is_forbidden_even_when_allowed():
    before = world.example()
    after = world.edit_task(before, "food-recipes", migration_type="cdc")
    plan = world.plan(after, world.deployed(before), allow_disruptive=True)
    assert plan.changes[0].classification == "forbidden"
    assert status(plan, "DMS106") == "fail" and not plan.go
    assert not plan.disruptive  # nothing for an approver to accept: it cannot deploy


def test_dms106_deleting_a_task_or_a_team_is_disruptive():
    before = world.example()
    after = world.drop_task(before, "food-recipes")
    plan = world.plan(after, world.deployed(before))
    assert plan.changes[0].classification == "deletion"
    assert plan.steps[0].pause == ("food-recipes",) and plan.steps[0].resume == ()
    assert status(plan, "DMS106") == "warn" and plan.disruptive

    no_logistics = replace(
        before, teams={k: v for k, v in before.teams.items() if k != "logistics"}
    )
    plan = world.plan(no_logistics, world.deployed(before), allow_disruptive=True)
    assert [(s.name, s.action) for s in plan.steps[-1].stacks] == [("dms-logistics", "delete")]
    assert status(plan, "DMS106") == "warn" and plan.acknowledged


def test_dms107_unpause_without_bump_fails_and_with_bump_loads_anew():
    before = world.example()
    silent = world.edit_table(before, FOODSEARCH, FOODS, paused=False)
    plan = world.plan(silent, world.deployed(before))
    assert status(plan, "DMS107") == "fail"
    assert plan.check("DMS107").findings[0].table == FOODS

    bumped_too = world.edit_table(before, FOODSEARCH, FOODS, paused=False, version="v202611250000")
    plan = world.plan(bumped_too, world.deployed(before))
    assert status(plan, "DMS107") == "pass"
    assert plan.changes[0].first_loads == ("fooddb__foodsearch__foods__v202611250000",)
    assert len(plan.steps) == 1  # not a bump of an active table: DMS loads it as new


def test_dms108_task_stopped_by_hand_fails():
    configs = world.example()
    observed = world.with_task(world.deployed(configs), "food-recipes", status="stopped")
    plan = world.plan(configs, observed)
    assert status(plan, "DMS108") == "fail"
    assert "is stopped" in messages(plan, "DMS108")[0]
    # The configured-paused task is stopped too, and that is no drift.
    assert all("refunds-archive" not in m for m in messages(plan, "DMS108"))


def test_dms108_live_table_mappings_differ_from_deployed_template():
    configs = world.example()
    observed = world.with_task(
        world.deployed(configs), "food-recipes", table_mappings='{"rules": []}'
    )
    plan = world.plan(configs, observed)
    assert status(plan, "DMS108") == "fail"
    assert "TableMappings differ" in messages(plan, "DMS108")[0]


def test_dms108_task_missing_from_dms_fails():
    configs = world.example()
    observed = world.deployed(configs)
    observed = replace(
        observed, tasks={k: v for k, v in observed.tasks.items() if k != "food-recipes"}
    )
    assert status(world.plan(configs, observed), "DMS108") == "fail"

"""The steps of a plan: order, pauses, resumes, and how each task starts."""

from __future__ import annotations

from dms_deploy.plan.templates import parse_template
from dms_deploy.plan.views import mapped_tables
from tests.planner import world

FOODSEARCH = "food-foodsearch"
BARCODES = "fooddb/foodsearch/barcodes"
BRANDS = "fooddb/foodsearch/brands"


def task_tables(body: str, task_id: str) -> dict[str, str]:
    template = parse_template(body)
    for res in template["Resources"].values():
        props = res.get("Properties", {})
        if props.get("ReplicationTaskIdentifier") == task_id:
            return mapped_tables(props["TableMappings"])
    raise AssertionError(f"{task_id} not in template")


def test_unchanged_deployment_plans_no_changes():
    configs = world.example()
    plan = world.plan(configs, world.deployed(configs))
    assert plan.steps == ()
    assert plan.changes == ()
    assert plan.go, [c for c in plan.checks if c.status != "pass"]
    assert {s.action for s in plan.stacks} == {"none"}


def test_version_bump_in_same_task_is_two_steps_remove_then_add():
    before = world.example()
    after = world.edit_table(before, FOODSEARCH, BRANDS, version="v202611250000")
    plan = world.plan(after, world.deployed(before))

    assert [s.name for s in plan.steps] == ["teams", "re-add bumped tables"]
    first, second = plan.steps
    assert [(s.name, s.action) for s in first.stacks] == [("dms-food", "update")]
    assert [(s.name, s.action) for s in second.stacks] == [("dms-food", "update")]
    # Step 1 deploys the task without the table, step 2 adds it back under its new version.
    assert BRANDS not in task_tables(first.stacks[0].body, FOODSEARCH)
    assert task_tables(second.stacks[0].body, FOODSEARCH)[BRANDS] == "v202611250000"
    assert second.stacks[0].body == world.desired(after).stacks["dms-food"].body
    for step in plan.steps:
        assert step.pause == (FOODSEARCH,)
        assert step.resume == (FOODSEARCH,)
        assert step.start == {FOODSEARCH: "resume-processing"}
        assert step.teams == ("food",)
    (change,) = plan.changes
    assert change.classification == "in-place"
    assert [(b.source, b.old, b.new) for b in change.bumped] == [
        (BRANDS, "v202008040000", "v202611250000")
    ]
    assert change.first_loads == ("fooddb__foodsearch__brands__v202611250000",)
    assert plan.go


def test_parallel_reload_in_a_second_task_is_one_step():
    # brands keeps flowing at its old version in food-foodsearch while a second task loads
    # the new version.
    before = world.example()
    after = world.add_table(
        before, "food-foodsearch-reload", "fooddb/foodsearch/brands", "v202611250000"
    )
    plan = world.plan(after, world.deployed(before))

    (step,) = plan.steps
    assert step.pause == ("food-foodsearch-reload",)
    assert step.resume == ("food-foodsearch-reload",)
    (change,) = plan.changes
    assert change.added == ("fooddb/foodsearch/brands@v202611250000",)
    assert change.bumped == ()
    assert plan.go


def test_new_task_starts_with_start_replication_and_pauses_nothing():
    before = world.drop_task(world.example(), "food-foodsearch-reload")
    plan = world.plan(world.example(), world.deployed(before))
    (step,) = plan.steps
    assert step.pause == ()
    assert step.resume == ("food-foodsearch-reload",)
    assert step.start == {"food-foodsearch-reload": "start-replication"}
    assert plan.changes[0].classification == "new"


def test_configured_paused_task_that_changes_is_neither_paused_nor_resumed():
    before = world.example()
    after = world.edit_table(
        before, "payments-refunds-archive", "paymentsdb/archive/refunds_2020", paused=True
    )
    plan = world.plan(after, world.deployed(before))
    (step,) = plan.steps
    assert [s.name for s in step.stacks] == ["dms-payments"]
    assert step.pause == () and step.resume == ()


def test_newly_paused_task_is_paused_and_stays_stopped():
    before = world.example()
    after = world.edit_task(before, "logistics-fleet", paused=True)
    plan = world.plan(after, world.deployed(before))
    (step,) = plan.steps
    assert step.pause == ("logistics-fleet",)
    assert step.resume == ()
    assert plan.changes[0].task_paused


def test_unpaused_task_resumes_or_starts_if_never_started():
    before = world.example()
    after = world.edit_task(before, "payments-refunds-archive", paused=False)
    observed = world.deployed(before)
    (step,) = world.plan(after, observed).steps
    assert step.pause == ()
    assert step.start == {"payments-refunds-archive": "resume-processing"}

    never = world.with_task(observed, "payments-refunds-archive", status="ready", started=False)
    (step,) = world.plan(after, never).steps
    assert step.start == {"payments-refunds-archive": "start-replication"}


def test_only_running_tasks_that_change_are_paused():
    before = world.example()
    after = world.add_table(before, "food-recipes", "recipesdb/public/menus", "v202611250000")
    plan = world.plan(after, world.deployed(before))
    (step,) = plan.steps
    assert step.pause == ("food-recipes",)
    assert step.task_teams == {"food-recipes": "food"}

    stopped = world.with_task(world.deployed(before), "food-recipes", status="stopped")
    (step,) = world.plan(after, stopped).steps
    assert step.pause == ()


def test_base_change_is_its_own_first_step_and_restarts_tasks_on_that_target():
    from dataclasses import replace

    before = world.example()
    base = before.base
    target = replace(base.targets["s3-1min"], cdc_max_batch_interval_seconds=120)
    after = replace(before, base=replace(base, targets={**base.targets, "s3-1min": target}))
    plan = world.plan(after, world.deployed(before))

    (step,) = plan.steps
    assert step.name == "base"
    assert [(s.name, s.action) for s in step.stacks] == [("dms-base", "update")]
    on_1min = sorted(t.identifier for t in before.all_tasks() if t.target == "s3-1min")
    assert sorted(step.pause) == on_1min
    assert sorted(step.resume) == on_1min
    assert set(step.teams) == {"base"} | {step.task_teams[t] for t in on_1min}


def test_source_endpoint_change_restarts_its_tasks():
    before = world.example()
    after = world.edit_endpoint(before, "food", "recipesdb", database="recipes2")
    plan = world.plan(after, world.deployed(before))
    (change,) = plan.changes
    assert change.task == "food-recipes"
    assert change.classification == "restart"
    assert plan.steps[0].pause == ("food-recipes",)


def test_every_table_bumped_is_one_step_with_a_reload_of_the_target():
    before = world.example()
    after = world.edit_table(before, "food-foodsearch-reload", BARCODES, version="v202611250000")
    plan = world.plan(after, world.deployed(before))
    (step,) = plan.steps
    assert step.start == {"food-foodsearch-reload": "reload-target"}


def test_teams_filter_deploys_only_those_stacks():
    before = world.example()
    after = world.add_table(before, "food-recipes", "recipesdb/public/menus", "v202611250000")
    after = world.add_table(after, "logistics-fleet", "fleetdb/public/depots", "v202611250000")
    plan = world.plan(after, world.deployed(before), teams={"food"})
    (step,) = plan.steps
    assert [s.name for s in step.stacks] == ["dms-food"]
    assert [c.task for c in plan.changes] == ["food-recipes"]

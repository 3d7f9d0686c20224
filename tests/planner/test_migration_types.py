"""What each change means for a `full-load` and a `cdc` task (docs/config.md has the table),
a team-scoped plan with a changed base stack, and task-settings drift. Pure planner tests."""

from __future__ import annotations

import json
from dataclasses import replace

from dms_deploy.plan.model import Plan
from dms_deploy.plan.templates import parse_template, task_resources
from dms_deploy.state.model import TableStat
from tests.planner import world

ARCHIVE = "logistics-fleet-archive"  # the example full-load task
TRIPS = "fleetdb/archive/trips_2023"
MAINTENANCE = "fleetdb/archive/maintenance_2023"
NEW = "v202612010000"
RECIPES = "food-recipes"
RATINGS = "recipesdb/public/ratings"


def messages(plan: Plan, check_id: str) -> list[str]:
    return [f.message for f in plan.check(check_id).findings]


def failed(plan: Plan) -> list[str]:
    return [c.id for c in plan.checks if c.status == "fail"]


def never_started(observed, task_id: str):
    return world.with_task(observed, task_id, status="ready", started=False, stop_reason=None)


def loading(observed, task_id: str):
    task = world.task_of(world.example(), task_id)
    stats = tuple(TableStat(t.schema, t.name, "Full load") for t in task.active_tables)
    observed = world.with_task(observed, task_id, status="running", stop_reason=None)
    return replace(observed, table_stats={**observed.table_stats, task_id: stats})


# --- full-load tasks --------------------------------------------------------------------------


def test_full_load_task_that_finished_by_itself_is_not_drift():
    configs = world.example()
    observed = world.deployed(configs)
    assert observed.tasks[ARCHIVE].status == "stopped"
    plan = world.plan(configs, observed)
    assert plan.check("DMS108").status == "pass", messages(plan, "DMS108")
    assert plan.go and plan.no_changes

    # The same stop for another reason is drift.
    stopped = world.with_task(observed, ARCHIVE, stop_reason="Stop Reason NORMAL")
    plan = world.plan(configs, stopped)
    assert plan.check("DMS108").status == "fail"
    assert any(ARCHIVE in m and "NORMAL" in m for m in messages(plan, "DMS108"))


def test_table_added_to_a_finished_full_load_task_is_loaded_by_a_resume():
    before = world.example()
    after = world.add_table(before, ARCHIVE, "fleetdb/archive/fuel_2023", NEW)
    plan = world.plan(after, world.deployed(before))
    (step,) = plan.steps
    assert step.pause == ()  # DMS stopped it; nothing to interrupt
    assert step.start == {ARCHIVE: "resume-processing"}
    assert step.task_teams == {ARCHIVE: "logistics"}
    (change,) = plan.changes
    assert change.first_loads == ("fleetdb__archive__fuel_2023__v202612010000",)
    assert plan.go, failed(plan)


def test_table_added_to_a_loading_full_load_task_waits_for_the_load():
    before = world.example()
    after = world.add_table(before, ARCHIVE, "fleetdb/archive/fuel_2023", NEW)
    plan = world.plan(after, loading(world.deployed(before), ARCHIVE))
    assert plan.steps[0].pause == (ARCHIVE,)
    assert failed(plan) == ["DMS105"]


def test_one_table_bumped_in_a_loaded_full_load_task_is_refused():
    before = world.example()
    after = world.edit_table(before, ARCHIVE, TRIPS, version=NEW)
    plan = world.plan(after, world.deployed(before))
    assert failed(plan) == ["DMS110"]
    (message,) = messages(plan, "DMS110")
    assert TRIPS in message and "Bump every table" in message and "new full-load task" in message
    (finding,) = plan.check("DMS110").findings
    assert finding.pointer == "/tasks/fleet-archive/tables/0"


def test_one_table_bumped_before_a_full_load_task_ever_ran_is_one_plain_step():
    before = world.example()
    after = world.edit_table(before, ARCHIVE, TRIPS, version=NEW)
    observed = never_started(world.deployed(before), ARCHIVE)
    plan = world.plan(after, observed)
    assert plan.check("DMS110").status == "pass"
    assert [s.name for s in plan.steps] == ["teams"]  # nothing loaded yet: no removal step


def test_every_table_bumped_in_a_finished_full_load_task_reloads_into_new_folders():
    before = world.example()
    after = world.edit_table(before, ARCHIVE, TRIPS, version=NEW)
    after = world.edit_table(after, ARCHIVE, MAINTENANCE, version=NEW)
    plan = world.plan(after, world.deployed(before))
    (step,) = plan.steps
    assert step.pause == ()
    assert step.start == {ARCHIVE: "reload-target"}
    (change,) = plan.changes
    assert len(change.first_loads) == 2  # both folders are new, so DMS104 checks both
    assert plan.go, failed(plan)


def test_pausing_a_finished_full_load_task_stops_and_starts_nothing():
    before = world.example()
    after = world.edit_task(before, ARCHIVE, paused=True)
    plan = world.plan(after, world.deployed(before))
    assert all(s.pause == () and s.start == {} for s in plan.steps)
    assert plan.go, failed(plan)


def test_unpausing_a_full_load_task_that_never_ran_starts_its_first_load():
    before = world.edit_task(world.example(), ARCHIVE, paused=True)
    observed = never_started(world.deployed(before), ARCHIVE)
    plan = world.plan(world.example(), observed)
    assert plan.steps[-1].start == {ARCHIVE: "start-replication"}
    assert plan.go, failed(plan)


# --- cdc tasks --------------------------------------------------------------------------------


def as_cdc(configs, cdc_only: bool = False):
    configs = world.edit_task(configs, RECIPES, migration_type="cdc")
    if cdc_only:
        task = world.task_of(configs, RECIPES)
        tables = tuple(replace(t, cdc_only=True) for t in task.tables)
        configs = world.edit_task(configs, RECIPES, tables=tables)
    return configs


def test_bump_on_a_cdc_task_is_refused_unless_the_table_is_cdc_only():
    before = as_cdc(world.example())
    after = world.edit_table(before, RECIPES, RATINGS, version=NEW)
    plan = world.plan(after, world.deployed(before))
    assert failed(plan) == ["DMS109"]
    (finding,) = plan.check("DMS109").findings
    assert RATINGS in finding.message and '"cdc_only": true' in finding.message
    assert finding.pointer == "/tasks/recipes/tables/3"

    after = world.edit_table(after, RECIPES, RATINGS, cdc_only=True)
    plan = world.plan(after, world.deployed(before))
    assert plan.go, failed(plan)
    # No full load to provoke: the renamed table gets changes from the resume on.
    (step,) = plan.steps
    assert step.start == {RECIPES: "resume-processing"}


def test_new_table_on_a_cdc_task_is_refused_unless_cdc_only():
    before = as_cdc(world.example(), cdc_only=True)
    after = world.add_table(before, RECIPES, "recipesdb/public/menus", NEW)
    plan = world.plan(after, world.deployed(before))
    assert failed(plan) == ["DMS109"]
    after = world.add_table(before, RECIPES, "recipesdb/public/menus", NEW, cdc_only=True)
    assert world.plan(after, world.deployed(before)).go


def test_cdc_only_on_a_task_that_full_loads_is_refused():
    configs = world.edit_table(world.example(), RECIPES, RATINGS, cdc_only=True)
    plan = world.plan(configs, world.deployed(configs))
    assert failed(plan) == ["DMS109"]
    assert "full-load-and-cdc" in messages(plan, "DMS109")[0]


# --- a team-scoped plan and the base stack ----------------------------------------------------


def test_teams_filter_still_deploys_a_changed_base_stack_first():
    before = world.example()
    base = before.base
    target = replace(base.targets["s3-1min"], cdc_max_batch_interval_seconds=120)
    after = replace(before, base=replace(base, targets={**base.targets, "s3-1min": target}))
    after = world.add_table(after, RECIPES, "recipesdb/public/menus", NEW)
    plan = world.plan(after, world.deployed(before), teams={"food"})

    assert [s.name for s in plan.steps] == ["base", "teams"]
    assert [(s.name, s.action) for s in plan.steps[0].stacks] == [("dms-base", "update")]
    assert [s.name for s in plan.steps[1].stacks] == ["dms-food"]
    (warning,) = plan.check("DMS101").findings
    assert warning.severity == "warning" and "teams filter" in warning.message
    assert plan.go, failed(plan)

    unchanged_base = world.add_table(before, RECIPES, "recipesdb/public/menus", NEW)
    plan = world.plan(unchanged_base, world.deployed(before), teams={"food"})
    assert [s.name for s in plan.steps] == ["teams"]
    assert plan.check("DMS101").findings == ()


# --- task-settings drift ----------------------------------------------------------------------


def deployed_settings(configs, task_id: str) -> dict:
    team = task_id.split("-")[0]
    body = world.desired(configs).stacks[f"dms-{team}"].body
    _, resource = task_resources(parse_template(body))[task_id]
    return json.loads(resource["Properties"]["ReplicationTaskSettings"])


def with_live_settings(observed, task_id: str, settings: dict):
    return world.with_task(observed, task_id, settings=json.dumps(settings))


def test_settings_edited_outside_cloudformation_are_drift_with_their_keys():
    configs = world.example()
    live = deployed_settings(configs, RECIPES)
    live["FullLoadSettings"]["TargetTablePrepMode"] = "DROP_AND_CREATE"
    live["ErrorBehavior"]["TableErrorPolicy"] = "STOP_TASK"
    plan = world.plan(configs, with_live_settings(world.deployed(configs), RECIPES, live))
    assert failed(plan) == ["DMS108"]
    (message,) = messages(plan, "DMS108")
    assert RECIPES in message
    assert "ErrorBehavior.TableErrorPolicy, FullLoadSettings.TargetTablePrepMode" in message


def test_settings_dms_adds_or_fills_in_are_not_drift():
    configs = world.example()
    live = deployed_settings(configs, RECIPES)
    # DMS returns its defaults for keys we leave out, and every log component.
    live["FullLoadSettings"]["ParallelLoadQueuesPerThread"] = 0
    live["Logging"]["CloudWatchLogGroup"] = "dms-tasks-food-1"
    live["Logging"]["LogComponents"].insert(
        0, {"Id": "DATA_STRUCTURE", "Severity": "LOGGER_SEVERITY_DEFAULT"}
    )
    live["PostProcessingRules"] = None
    plan = world.plan(configs, with_live_settings(world.deployed(configs), RECIPES, live))
    assert plan.check("DMS108").status == "pass", messages(plan, "DMS108")

    live["Logging"]["LogComponents"][1]["Severity"] = "LOGGER_SEVERITY_DEBUG"
    plan = world.plan(configs, with_live_settings(world.deployed(configs), RECIPES, live))
    assert "Logging.LogComponents" in messages(plan, "DMS108")[0]


# --- endpoint changes -------------------------------------------------------------------------


def test_a_step_that_changes_an_endpoint_names_it_for_the_resume_to_wait_on():
    from dms_deploy.apply.step_items import step_items

    before = world.example()
    after = world.edit_endpoint(before, "food", "recipesdb", port=5433)
    plan = world.plan(after, world.deployed(before))
    (step,) = plan.steps
    assert step.changed_endpoints == {"dms-food": ("food-recipesdb",)}
    (item,) = step_items(plan, 0, {"bucket": "b", "bucket_folder": "dms"})
    assert item["changed_endpoints"] == ["food-recipesdb"]
    assert item["resume"] == [RECIPES]
    assert Plan.from_dict(plan.to_dict()).steps == plan.steps

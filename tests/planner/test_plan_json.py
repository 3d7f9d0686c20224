"""The plan JSON contract of DESIGN.md, and round trips through JSON."""

from __future__ import annotations

import json

from dms_deploy.checks.base import CheckResult, Finding
from dms_deploy.plan.analysis import Desired
from dms_deploy.plan.make import make_plan
from dms_deploy.plan.model import Plan
from dms_deploy.plan.replacement import create_only_properties
from dms_deploy.state.model import ObservedState
from tests.planner import world

FINDING_KEYS = {"message", "team", "task", "table", "file", "pointer"}


def a_two_step_plan() -> Plan:
    before = world.example()
    after = world.edit_table(
        before, "food-foodsearch", "fooddb/foodsearch/brands", version="v202611250000"
    )
    after = world.edit_task(after, "food-recipes", migration_type="cdc")  # a failing check
    return world.plan(after, world.deployed(before))


def test_to_dict_matches_the_contract():
    data = json.loads(json.dumps(a_two_step_plan().to_dict()))
    assert isinstance(data["go"], bool) and data["go"] is False
    ids = [c["id"] for c in data["checks"]]
    assert ids == sorted(set(ids))
    assert {f"DMS10{i}" for i in range(1, 9)} <= set(ids)
    for check in data["checks"]:
        assert check["status"] in {"pass", "fail", "warn", "skip"}
        for finding in check["findings"]:
            assert finding.keys() >= FINDING_KEYS
            assert isinstance(finding["message"], str)
    assert len(data["steps"]) == 2
    for step in data["steps"]:
        assert {"stacks", "pause", "resume"} <= step.keys()
        for stack in step["stacks"]:
            assert stack["action"] in {"create", "update", "none"}
            assert {"name", "team", "action"} <= stack.keys()
        assert all(isinstance(t, str) for t in step["pause"] + step["resume"])


def test_plan_round_trips_through_json():
    plan = a_two_step_plan()
    again = Plan.from_dict(json.loads(json.dumps(plan.to_dict())))
    assert again == plan


def test_observed_state_round_trips_through_json():
    observed = world.deployed(world.example())
    assert ObservedState.from_dict(json.loads(json.dumps(observed.to_dict()))) == observed


def test_offline_failure_is_a_no_go_with_online_checks_skipped():
    offline = (CheckResult("DMS002", "schema", "fail", (Finding("bad key", file="teams/x.json"),)),)
    plan = make_plan(Desired(configs=None, offline=offline), ObservedState())
    assert not plan.go
    assert plan.steps == ()
    assert plan.check("DMS002").status == "fail"
    assert plan.check("DMS105").status == "skip"


def test_replacing_properties_come_from_the_cfn_lint_schema():
    forcing = create_only_properties("AWS::DMS::ReplicationTask")
    assert {"ReplicationInstanceArn", "SourceEndpointArn", "TargetEndpointArn"} <= forcing
    assert {"ResourceIdentifier", "MigrationType"} <= forcing
    assert "TableMappings" not in forcing


def test_the_digest_survives_json_and_changes_with_what_would_be_deployed():
    plan = a_two_step_plan()
    again = Plan.from_dict(json.loads(json.dumps(plan.to_dict())))
    assert again.digest == plan.digest == plan.to_dict()["digest"]
    before = world.example()
    other = world.plan(
        world.edit_table(
            before, "food-foodsearch", "fooddb/foodsearch/brands", version="v202611260000"
        ),
        world.deployed(before),
    )
    assert other.digest != plan.digest

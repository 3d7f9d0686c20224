"""A plan that removes or changes an export another stack imports is a no-go (DMS101)."""

from __future__ import annotations

from dataclasses import replace

from tests.planner import world

OLD = "dms-base-TargetEndpointArn-s3-1min"


def renamed_target():
    """base.json's `s3-1min` renamed to `s3-fast`, and every task on it moved along."""
    before = world.example()
    targets = dict(before.base.targets)
    targets["s3-fast"] = replace(targets.pop("s3-1min"), name="s3-fast")
    after = replace(before, base=replace(before.base, targets=targets))
    for task in after.all_tasks():
        if task.target == "s3-1min":
            after = world.edit_task(after, task.identifier, target="s3-fast")
    return before, after


def test_renaming_a_target_that_team_stacks_import_is_refused_naming_them():
    before, after = renamed_target()
    observed = replace(world.deployed(before), imports={OLD: ("dms-logistics", "dms-payments")})
    plan = world.plan(after, observed)
    assert not plan.go
    (finding,) = [f for f in plan.check("DMS101").findings if f.severity == "error"]
    assert OLD in finding.message and "is removed" in finding.message
    assert "dms-logistics, dms-payments import it" in finding.message
    assert "then remove the old one" in finding.message


def test_an_export_nobody_imports_may_go():
    before, after = renamed_target()
    observed = replace(world.deployed(before), imports={OLD: ()})
    plan = world.plan(after, observed)
    assert plan.check("DMS101").status == "pass", plan.check("DMS101").findings


def test_an_export_whose_importers_were_not_read_is_a_warning():
    before, after = renamed_target()
    plan = world.plan(after, world.deployed(before))
    assert plan.check("DMS101").status == "warn"
    assert "not read (ListImports)" in plan.check("DMS101").findings[0].message

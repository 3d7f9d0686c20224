"""Every XCom of dms_deploy stays under 64 KB, whatever the team's size.

A one-table version bump in a team of 2,000 tables: the plan deploys the team's ~1.2 MB
template twice (without the table, then with it under its new version). check_state's value
and each step's work items name those bodies by SHA-256; the bodies go to the template store.
Sizes are measured as Airflow stores an XCom: its serde encoding, as JSON.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from airflow.sdk.serde import serialize

from dms_deploy.apply.checked_plan import (
    BODY_DIGEST,
    checked_value,
    items_of_step,
    plan_reference,
    planned_bodies,
)
from dms_deploy.plan.model import Plan
from dms_deploy.plan.templates import digest
from tests.apply.large_team import STACK, with_bulk_tables
from tests.planner import world

MAX_XCOM_BYTES = 64 * 1024
MAX_STEPS = 3  # as dags/dms_deploy.py maps them
S3 = {"bucket": "acme-data-lake", "bucket_folder": "dms"}
BUMPED = "fooddb/s0/t0"


def xcom_bytes(value: Any) -> int:
    return len(json.dumps(serialize(value)).encode())


@pytest.fixture(scope="module")
def bump() -> Plan:
    before = with_bulk_tables(world.example())
    after = world.edit_table(before, "food-bulk00", BUMPED, version="v202611300000")
    return world.plan(after, world.deployed(before))


def test_a_one_table_bump_in_a_2000_table_team_keeps_every_xcom_under_64_kb(bump: Plan) -> None:
    assert bump.go and len(bump.steps) == 2
    bodies = planned_bodies(bump)
    assert len(bodies) == 2 and all(len(b.encode()) > 1_000_000 for _, b in bodies)

    checked = checked_value(bump, S3, dry_run=False)
    sizes = {"check_state": xcom_bytes(checked)}
    for index in range(MAX_STEPS):
        items = items_of_step(checked, index)
        sizes[f"step_{index + 1}_stacks"] = xcom_bytes(items)
    sizes["check_state (dry run)"] = xcom_bytes(checked_value(bump, S3, dry_run=True))
    assert {k: v for k, v in sizes.items() if v > MAX_XCOM_BYTES} == {}, sizes


def test_the_xcoms_name_each_planned_body_by_its_digest(bump: Plan) -> None:
    checked = checked_value(bump, S3, dry_run=False)
    planned = {digest(body) for _, body in planned_bodies(bump)}
    named = {s[BODY_DIGEST] for step in checked["plan"]["steps"] for s in step["stacks"]}
    assert named == planned
    for index, step in enumerate(bump.steps):
        (item,) = items_of_step(checked, index)
        assert item["stack"] == {
            "name": STACK,
            "action": "update",
            BODY_DIGEST: digest(step.stacks[0].body),
        }
    # The version bump's new folder loads in step 2 only.
    assert items_of_step(checked, 0)[0]["fresh_folders"] == []
    assert items_of_step(checked, 1)[0]["fresh_folders"] == ["fooddb__s0__t0__v202611300000"]


def test_the_plan_by_reference_keeps_the_contract_and_the_reviewed_digest(bump: Plan) -> None:
    reference = plan_reference(bump)
    assert reference["digest"] == bump.digest
    assert reference["go"] is True
    for step, planned in zip(reference["steps"], bump.steps, strict=True):
        assert step["pause"] == list(planned.pause) and step["resume"] == list(planned.resume)
        for stack in step["stacks"]:
            assert {"name", "team", "action"} <= stack.keys() and "body" not in stack
    # It reads back as a plan (without bodies) for the tasks that read it.
    again = Plan.from_dict(reference)
    assert [s.name for s in again.steps] == [s.name for s in bump.steps]
    assert again.changes == bump.changes


def test_a_dry_run_or_a_no_go_has_no_work_items(bump: Plan) -> None:
    assert checked_value(bump, S3, dry_run=True)["items"] == []
    no_go = Plan(go=False, checks=bump.checks, steps=bump.steps, changes=bump.changes)
    assert checked_value(no_go, S3, dry_run=False)["items"] == []

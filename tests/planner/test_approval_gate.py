"""Whether a run waits at approve_plan: for a disruptive plan, unless the disruptions were
accepted on the pull request (allow_disruptive and the digest of that plan)."""

from __future__ import annotations

from dms_deploy.plan.approval import approval_body, approval_gate, digest_refusal
from dms_deploy.plan.markdown import render_markdown
from dms_deploy.plan.model import Plan
from tests.planner import world

RECIPES = "food-recipes"


def deletion(allow_disruptive: bool = False) -> Plan:
    before = world.example()
    after = world.drop_task(before, RECIPES)
    return world.plan(after, world.deployed(before), allow_disruptive=allow_disruptive)


def a_table_added(allow_disruptive: bool = False) -> Plan:
    before = world.example()
    after = world.add_table(before, RECIPES, "recipesdb/public/reviews", "v202611250000")
    return world.plan(after, world.deployed(before), allow_disruptive=allow_disruptive)


def test_a_disruptive_plan_waits_unless_acknowledged_with_its_reviewed_digest():
    plan = deletion()
    assert plan.go and plan.disruptive
    assert approval_gate(plan, dry_run=False, reviewed_digest=None).wait
    # A digest reviewed without allow_disruptive still waits: the review did not accept it.
    assert approval_gate(plan, dry_run=False, reviewed_digest=plan.digest).wait

    acknowledged = deletion(allow_disruptive=True)
    without_review = approval_gate(acknowledged, dry_run=False, reviewed_digest=None)
    assert without_review.wait and "without plan_digest" in without_review.reason
    reviewed = approval_gate(acknowledged, dry_run=False, reviewed_digest=acknowledged.digest)
    assert not reviewed.wait and acknowledged.digest in reviewed.reason


def test_a_plan_without_disruption_a_dry_run_and_a_no_go_never_wait():
    quiet = a_table_added()
    assert quiet.go and not quiet.disruptive
    assert not approval_gate(quiet, dry_run=False, reviewed_digest=None).wait
    assert not approval_gate(quiet, dry_run=False, reviewed_digest=quiet.digest).wait
    assert not approval_gate(deletion(), dry_run=True, reviewed_digest=None).wait

    before = world.example()
    forbidden = world.edit_task(before, RECIPES, migration_type="cdc")
    no_go = world.plan(forbidden, world.deployed(before), allow_disruptive=True)
    assert not no_go.go
    assert not approval_gate(no_go, dry_run=False, reviewed_digest=None).wait


def test_the_acknowledgement_is_part_of_a_disruptive_plans_digest_only():
    plan, acknowledged = deletion(), deletion(allow_disruptive=True)
    assert plan.steps == acknowledged.steps and plan.digest != acknowledged.digest
    # A plan without disruption keeps one digest, whatever allow_disruptive says.
    assert a_table_added().digest == a_table_added(allow_disruptive=True).digest
    assert Plan.from_dict(acknowledged.to_dict()).digest == acknowledged.digest
    assert acknowledged.to_dict()["disruptive"] is True


def test_a_digest_that_differs_by_the_acknowledgement_only_is_refused_with_what_to_do():
    plan, acknowledged = deletion(), deletion(allow_disruptive=True)
    assert digest_refusal(plan, plan.digest) is None
    assert digest_refusal(plan, None) is None
    # Reviewed without acknowledgement, run with allow_disruptive: no skipping the approval.
    refusal = digest_refusal(acknowledged, plan.digest)
    assert refusal and "did not acknowledge" in refusal
    assert "without allow_disruptive" in refusal and acknowledged.digest in refusal
    refusal = digest_refusal(plan, acknowledged.digest)
    assert refusal and "with allow_disruptive" in refusal
    refusal = digest_refusal(plan, "0000000000000000")
    assert refusal and "not the reviewed 0000000000000000" in refusal


def test_the_plan_says_what_a_run_will_do_with_its_disruptions():
    text = render_markdown(deletion())
    assert text.startswith("## GO after approval:")
    assert "### Disruptions (need approval)" in text
    assert "approve_plan" in text and "--allow-disruptive" in text
    assert "| food | recipes | deletion | task deleted with its 6 tables |" in text
    acknowledged = render_markdown(deletion(allow_disruptive=True))
    assert acknowledged.startswith("## GO (disruptive, acknowledged):")
    assert "### Disruptions (acknowledged (allow_disruptive))" in acknowledged

    plan = deletion()
    gate = approval_gate(plan, dry_run=False, reviewed_digest=None)
    body = approval_body(plan, gate)
    assert gate.reason in body and "**Reject** deploys nothing" in body
    assert render_markdown(plan) in body

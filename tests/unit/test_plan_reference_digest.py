"""The plan as check_state's XCom carries it (bodies named by SHA-256) keeps its digest, so
approve_plan and the Plan tab judge and show the digest that was reviewed."""

from __future__ import annotations

from dms_deploy.apply.checked_plan import plan_reference
from dms_deploy.plan.model import Plan, StackAction, Step


def a_plan(body: str, *, allow_disruptive: bool = False) -> Plan:
    stack = StackAction("dms-food", "food", "update", body)
    return Plan(
        go=True,
        checks=(),
        steps=(Step("teams", (stack,), pause=("food-recipes",)),),
        allow_disruptive=allow_disruptive,
        disruptive=True,
    )


def test_a_plan_read_back_from_its_reference_has_the_same_digest() -> None:
    for acknowledged in (False, True):
        plan = a_plan("Resources: {}\n", allow_disruptive=acknowledged)
        read_back = Plan.from_dict(plan_reference(plan))
        assert read_back.steps[0].stacks[0].body is None
        assert read_back.digest == plan.digest


def test_another_body_gives_another_digest_by_reference_too() -> None:
    one, other = a_plan("Resources: {}\n"), a_plan("Resources: {A: 1}\n")
    assert one.digest != other.digest
    assert Plan.from_dict(plan_reference(one)).digest != other.digest

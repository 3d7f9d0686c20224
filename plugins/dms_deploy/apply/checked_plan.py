"""check_state's XCom: the plan JSON with a digest in place of each template body, and the
work items of its steps.

A team template grows by about 600 bytes a table, up to CloudFormation's 1 MB, and Airflow
keeps every XCom in its metadata database and hands it to each task that reads it. So the
XComs name each body by its SHA-256 (`body_sha256`) and the bodies live in the template
store (`apply.template_store`), where the tasks that deploy read them back and check them
against that digest. Whatever a team's size, the XComs stay small.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from dms_deploy.apply.step_items import step_items
from dms_deploy.plan.model import Plan
from dms_deploy.plan.templates import digest

BODY_DIGEST = "body_sha256"


def plan_reference(plan: Plan) -> dict[str, Any]:
    """The plan JSON (`Plan.to_dict`, plain JSON types) with each `steps[].stacks[].body`
    replaced by its `body_sha256`; `digest` stays the plan's digest, made with the bodies."""
    data = json.loads(json.dumps(plan.to_dict()))
    for step in data["steps"]:
        for stack in step["stacks"]:
            body = stack.pop("body", None)
            stack[BODY_DIGEST] = digest(body) if body is not None else None
    return data


def planned_bodies(plan: Plan) -> list[tuple[str, str]]:
    """(stack name, body) of every template the plan's steps deploy, once each."""
    bodies = [
        (stack.name, stack.body)
        for step in plan.steps
        for stack in step.stacks
        if stack.body is not None and stack.action in ("create", "update")
    ]
    return list(dict.fromkeys(bodies))


def checked_value(plan: Plan, s3: Mapping[str, str], *, dry_run: bool) -> dict[str, Any]:
    """What check_state returns: the plan by reference, where the data lake is, and, for a
    plan that will deploy, each step's work items (`step_items`, per step in order)."""
    deploying = plan.go and not dry_run
    return {
        "plan": plan_reference(plan),
        "dry_run": dry_run,
        "s3": dict(s3),
        "items": [step_items(plan, i, dict(s3)) for i in range(len(plan.steps))]
        if deploying
        else [],
    }


def items_of_step(checked: Mapping[str, Any], index: int) -> list[dict[str, Any]]:
    """The work items of step `index` (0-based); none for a dry run or a missing step."""
    items = checked.get("items") or []
    return list(items[index]) if index < len(items) else []

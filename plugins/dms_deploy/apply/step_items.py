"""Split one plan step into per-stack work items for the DAG's mapped task groups. Pure."""

from __future__ import annotations

from typing import Any

from dms_deploy.plan.model import Plan
from dms_deploy.plan.templates import digest, parse_template, properties, task_resources
from dms_deploy.plan.views import folder_of, mapped_tables


def step_items(plan: Plan, index: int, s3: dict[str, str]) -> list[dict[str, Any]]:
    """The work items of step `index` (0-based): one per stack that the step deploys.

    Each item carries everything its tasks need: the SHA-256 of the exact template body
    that was reviewed (the body is in the template store, `apply.template_store`), the
    tasks to pause and resume, the tasks configured paused (never started), the
    replacements and removals the plan announced, and where its table folders live.
    A task paused for a stack of another team (a base-stack change) goes with that stack.
    """
    if index >= len(plan.steps):
        return []
    step = plan.steps[index]
    deployable = [s for s in step.stacks if s.action in ("create", "update", "delete")]
    by_team = {s.team: s for s in deployable}
    keep_stopped = sorted(c.task for c in plan.changes if c.configured_paused)
    announced = _announced_task_changes(plan)
    items = []
    for stack in deployable:
        loads = _first_loads_in_step(plan, index, stack.name, stack.body)

        def mine(task: str, stack_team: str = stack.team) -> bool:
            team = step.task_teams.get(task, "")
            return team == stack_team or (team not in by_team and stack_team == "base")

        items.append(
            {
                "step": step.name,
                "index": index,
                "team": stack.team,
                "stack": {
                    "name": stack.name,
                    "action": stack.action,
                    "body_sha256": digest(stack.body) if stack.body is not None else None,
                },
                "pause": [t for t in step.pause if mine(t)],
                "resume": [t for t in step.resume if mine(t)],
                "start": {t: kind for t, kind in step.start.items() if mine(t)},
                "keep_stopped": keep_stopped,
                "announced": sorted(_logical_ids(stack.body or "", announced)),
                # A disruptive plan reaches its steps only once accepted (approve_plan).
                "allow_removals": plan.allow_disruptive or plan.disruptive,
                "s3": dict(s3),
                "changed_endpoints": list(step.changed_endpoints.get(stack.name, ())),
                # Only the folders this step's template loads for the first time: a folder
                # an earlier step filled is not new any more (it holds that step's load).
                "fresh_folders": sorted({t["folder"] for ts in loads.values() for t in ts}),
                "loads": loads,
            }
        )
    return items


def _first_loads_in_step(
    plan: Plan, index: int, stack_name: str, body: str | None
) -> dict[str, list[dict[str, str]]]:
    """Task id -> the tables its template in this step loads for the first time.

    A table loads for the first time in the step whose template first holds its folder
    (among the plan's first loads): a version bump in one task is removed in step 1 and
    loads in step 2, while a table added to another task loads in step 1.
    """
    fresh = {f for c in plan.changes if c.stack == stack_name for f in c.first_loads}
    if not fresh or not body:
        return {}
    earlier = [
        s.body
        for step in plan.steps[:index]
        for s in step.stacks
        if s.name == stack_name and s.body is not None
    ]
    seen = table_folders(parse_template(earlier[-1])) if earlier else set()
    loads: dict[str, list[dict[str, str]]] = {}
    for task, (_, resource) in sorted(task_resources(parse_template(body)).items()):
        props = properties(resource)
        for source, version in sorted(mapped_tables(props.get("TableMappings")).items()):
            folder = folder_of(source, version)
            if folder in fresh and folder not in seen:
                _, schema, table = source.split("/", 2)
                entry = {"folder": folder, "schema": schema, "table": table}
                entry["migration_type"] = str(props.get("MigrationType", ""))
                loads.setdefault(task, []).append(entry)
    return loads


def _announced_task_changes(plan: Plan) -> set[str]:
    """Tasks whose replacement the plan showed; only reachable when it was allowed."""
    return {c.task for c in plan.changes if c.classification == "replacement"}


def _logical_ids(body: str, tasks: set[str]) -> set[str]:
    if not tasks or not body:
        return set()
    return {lid for task, (lid, _) in task_resources(parse_template(body)).items() if task in tasks}


def table_folders(template: dict | None) -> set[str]:
    """The S3 table folders that the template's tasks write to (their rename-table values)."""
    return {
        folder_of(source, version)
        for _, resource in task_resources(template or {}).values()
        for source, version in mapped_tables(properties(resource).get("TableMappings")).items()
    }

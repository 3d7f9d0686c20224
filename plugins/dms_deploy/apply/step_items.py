"""Split one plan step into per-stack work items for the DAG's mapped task groups. Pure."""

from __future__ import annotations

from typing import Any

from dms_deploy.plan.model import Plan
from dms_deploy.plan.templates import parse_template, properties, task_resources
from dms_deploy.plan.views import folder_of, mapped_tables


def step_items(plan: Plan, index: int, s3: dict[str, str]) -> list[dict[str, Any]]:
    """The work items of step `index` (0-based): one per stack that the step deploys.

    Each item carries everything its tasks need: the exact template body that was
    reviewed, the tasks to pause and resume, the tasks configured paused (never started),
    the replacements and removals the plan announced, and where its table folders live.
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

        def mine(task: str, stack_team: str = stack.team) -> bool:
            team = step.task_teams.get(task, "")
            return team == stack_team or (team not in by_team and stack_team == "base")

        items.append(
            {
                "step": step.name,
                "index": index,
                "team": stack.team,
                "stack": {"name": stack.name, "action": stack.action, "body": stack.body},
                "pause": [t for t in step.pause if mine(t)],
                "resume": [t for t in step.resume if mine(t)],
                "start": {t: kind for t, kind in step.start.items() if mine(t)},
                "keep_stopped": keep_stopped,
                "announced": sorted(_logical_ids(stack.body or "", announced)),
                "allow_removals": plan.allow_disruptive,
                "s3": dict(s3),
                "changed_endpoints": list(step.changed_endpoints.get(stack.name, ())),
                "fresh_folders": sorted(
                    f for c in plan.changes if c.stack == stack.name for f in c.first_loads
                ),
            }
        )
    return items


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

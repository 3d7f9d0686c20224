"""The ordered steps of a plan, and which tasks each step pauses and resumes.

Order: the base stack first (its own step), then every team stack in one step. A table whose
version changes inside the same task needs a second team step: DMS only full-loads a table
that is new to the task, so step 1 removes it and step 2 adds it back under its new name.
A task to replace is likewise removed in step 1 and created again in step 2.
Which tasks run is simulated from step to step, so a step pauses only what is running then.

Migration types change this (docs/config.md has the table):
- A `cdc` task never full-loads, so a bumped table needs no removal step: its changes go to
  the new folder from the resume on (DMS109 asks the table to opt in to that).
- A task that never ran needs no removal step either: its first start loads every table.
- A `full-load` task whose load finished is stopped, by DMS, not by a pause. After a deploy
  that changes its tables it is started again with resume-processing, which "will reload any
  tables that were partially loaded or not yet loaded" and then stops by itself:
  https://docs.aws.amazon.com/dms/latest/APIReference/API_StartReplicationTask.html
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from dms_deploy.config.models import CDC, Configs
from dms_deploy.plan.analysis import (
    Analysis,
    Desired,
    StackDiff,
    deployed_template,
    diff_team_stack,
)
from dms_deploy.plan.model import StackAction, StartKind, Step, TaskChange
from dms_deploy.plan.templates import exported, imports, parse_template, properties, resources
from dms_deploy.plan.views import deployed_views
from dms_deploy.render.mappings import table_folder
from dms_deploy.render.stacks import BASE_TEAM, team_stack_name
from dms_deploy.state.model import ObservedState

ENDPOINT_TYPE = "AWS::DMS::Endpoint"
BASE_STEP = "base"
TEAMS_STEP = "teams"
READD_STEP = "re-add bumped tables"


@dataclass
class _Simulation:
    """Which tasks replicate between steps, starting from what DMS reports now."""

    running: set[str]
    never_started: set[str]
    # Tasks whose every active table loads anew: resuming them is a reload of the target.
    reload: set[str] = field(default_factory=set)
    # Full-load tasks that stopped by themselves when their load finished.
    finished: set[str] = field(default_factory=set)


def build_steps(analysis: Analysis, desired: Desired, observed: ObservedState) -> tuple[Step, ...]:
    sim = _Simulation(
        running={t for t, task in observed.tasks.items() if task.running},
        never_started={
            t
            for t, task in observed.tasks.items()
            if task.status == "ready" or task.started is False
        },
        finished={t for t, task in observed.tasks.items() if task.load_finished},
    )
    steps = []
    if analysis.base is not None and analysis.base.action != "none":
        steps.append(_base_step(analysis.base, desired, observed, sim))
    first, second = _team_diffs_by_step(analysis, desired, observed, sim)
    if first:
        steps.append(_team_step(TEAMS_STEP, first, sim))
    if second:
        steps.append(_team_step(READD_STEP, second, sim))
    return tuple(steps)


def _base_step(
    base: StackDiff, desired: Desired, observed: ObservedState, sim: _Simulation
) -> Step:
    """Deploy the base stack; restart every running task whose target endpoint changes."""
    changed_exports = {
        name
        for name, sources in (
            exported(base.deployed, base.name) | exported(base.desired, base.name)
        ).items()
        if sources & base.resources.touched
    }
    configured = {t.identifier: t for t in desired.configs.all_tasks()} if desired.configs else {}
    pause: list[str] = []
    task_teams: dict[str, str] = {}
    for name, stack in sorted(observed.stacks.items()):
        if name == base.name:
            continue
        for ident, view in deployed_views(deployed_template(stack), name).items():
            if ident in sim.running and imports(view.properties, name) & changed_exports:
                pause.append(ident)
                task_teams[ident] = view.team
    # Resume unless the config now keeps it stopped or drops it (the team step deletes it).
    resume = [t for t in pause if t in configured and not configured[t].paused]
    start: dict[str, StartKind] = dict.fromkeys(resume, "resume-processing")
    sim.running -= set(pause)
    sim.running |= set(resume)
    return Step(
        name=BASE_STEP,
        stacks=(StackAction(base.name, BASE_TEAM, base.action, base.body),),
        pause=tuple(pause),
        resume=tuple(resume),
        start=start,
        teams=tuple(sorted({BASE_TEAM, *task_teams.values()})),
        task_teams=task_teams,
        changed_endpoints=_changed_endpoints([base]),
    )


def _team_diffs_by_step(
    analysis: Analysis, desired: Desired, observed: ObservedState, sim: _Simulation
) -> tuple[list[StackDiff], list[StackDiff]]:
    first: list[StackDiff] = []
    second: list[StackDiff] = []
    for team in sorted(analysis.teams):
        diff = analysis.teams[team]
        if diff.action == "none":
            continue
        split = _split_bumps(diff, sim)
        replaced = {c.task for c in diff.changes if c.classification == "replacement"}
        if not split and not replaced:
            first.append(diff)
            continue
        assert desired.configs is not None and desired.render_team is not None
        between = _without(desired.configs, team, split, replaced)
        rendered = desired.render_team(between, team)
        name, stack = team_stack_name(team), observed.stacks.get(diff.name)
        first.append(diff_team_stack(name, team, stack, rendered, between))
        after = (parse_template(rendered.body), between)
        final = desired.stacks[name]
        second.append(diff_team_stack(name, team, stack, final, desired.configs, after=after))
    return first, second


def _split_bumps(diff: StackDiff, sim: _Simulation) -> dict[str, set[str]]:
    """Task id -> folders to hold back until step 2, for tasks with a bumped table.

    A task whose every active table loads anew needs no removal step: a reload of the
    target loads them all (and rewrites no other table).
    """
    held: dict[str, set[str]] = {}
    for change in diff.changes:
        if not change.bumped or change.task in sim.never_started:
            continue
        if diff.new_views[change.task].properties.get("MigrationType") == CDC:
            continue  # nothing to reload: the new folder gets changes from the resume on
        if len(change.first_loads) == len(diff.new_views[change.task].active):
            sim.reload.add(change.task)
        else:
            held[change.task] = set(change.first_loads)
    return held


def _without(configs: Configs, team: str, held: dict[str, set[str]], replaced: set[str]) -> Configs:
    """The configs of step 1: every held-back table dropped from its task, and every task
    to replace dropped whole (CloudFormation creates a replacement before deleting the
    original, which fails for a task that keeps its identifier)."""
    config = configs.teams[team]
    tasks = {
        name: replace(
            task,
            tables=tuple(t for t in task.tables if table_folder(t) not in held[task.identifier]),
        )
        if task.identifier in held
        else task
        for name, task in config.tasks.items()
        if task.identifier not in replaced
    }
    return replace(configs, teams={**configs.teams, team: replace(config, tasks=tasks)})


def _team_step(name: str, diffs: list[StackDiff], sim: _Simulation) -> Step:
    changes = [c for d in diffs for c in d.changes]
    pause = [c.task for c in changes if c.task in sim.running and _stops(c)]
    stopped = {*pause, *(c.task for c in changes if _loads_again(c, sim))}
    start = {c.task: kind for c in changes if (kind := _start_kind(c, c.task in stopped, sim))}
    sim.running -= set(pause)
    sim.running |= set(start)
    sim.never_started -= set(start)
    return Step(
        name=name,
        stacks=tuple(StackAction(d.name, d.team, d.action, d.body) for d in diffs),
        pause=tuple(pause),
        resume=tuple(start),
        start=start,
        teams=tuple(sorted({d.team for d in diffs})),
        task_teams={c.task: c.team for c in changes if c.task in pause or c.task in start},
        changed_endpoints=_changed_endpoints(diffs),
    )


def _changed_endpoints(diffs: list[StackDiff]) -> dict[str, tuple[str, ...]]:
    """Stack -> the DMS endpoints it creates or modifies: DMS tests each one's connection,
    and a task resumed during that test can fail or miss the change."""
    out = {}
    for diff in diffs:
        touched = diff.resources.created | diff.resources.modified.keys()
        found = sorted(
            str(properties(res).get("EndpointIdentifier") or lid)
            for lid, res in resources(diff.desired).items()
            if lid in touched and res.get("Type") == ENDPOINT_TYPE
        )
        if found:
            out[diff.name] = tuple(found)
    return out


def _loads_again(change: TaskChange, sim: _Simulation) -> bool:
    """A finished full-load task whose tables change: it starts again, to load what is new
    (and to let DMS drop what was removed), then stops by itself."""
    return (
        change.task in sim.finished
        and change.classification == "in-place"
        and bool(change.first_loads or change.removed or change.paused_tables)
    )


def _stops(change: TaskChange) -> bool:
    """Whether a running task must stop for this change.

    A config-only change (a paused table's version, say) alters only the task's Metadata,
    but CloudFormation updates the resource for it, which DMS refuses while the task runs
    (InvalidResourceStateFault, and the stack rolls back):
    https://docs.aws.amazon.com/dms/latest/APIReference/API_ModifyReplicationTask.html
    """
    return change.needs_stop or change.task_paused or change.classification == "config-only"


def _start_kind(change: TaskChange, paused_here: bool, sim: _Simulation) -> StartKind | None:
    """How the task starts after the deploy, or None if it stays as it is."""
    if change.configured_paused or change.classification == "deletion":
        return None
    if change.classification in {"new", "replacement"}:
        return "start-replication"  # a new DMS task: its first run
    if not (paused_here or change.task_unpaused):
        return None
    if change.task in sim.never_started:
        return "start-replication"  # created but never started
    return "reload-target" if change.task in sim.reload else "resume-processing"

"""Desired against observed, stack by stack: what each stack and each task would change.

Pure: templates are compared as parsed data, never as text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from dms_deploy.checks.base import CheckResult
from dms_deploy.config.models import Configs
from dms_deploy.plan.model import StackActionKind, TaskChange
from dms_deploy.plan.replacement import ResourceDiff, diff_resources
from dms_deploy.plan.task_diff import diff_task
from dms_deploy.plan.templates import has_our_tasks, parse_template
from dms_deploy.plan.views import TaskView, configured_views, deployed_views
from dms_deploy.render.stacks import BASE_TEAM, RenderedStack, team_stack_name
from dms_deploy.state.model import ObservedStack, ObservedState

# A stack in these states holds no resources: deploying it is a create (after a delete, for
# ROLLBACK_COMPLETE, which DMS102 reports).
_EMPTY_STACK_STATUSES = frozenset({"ROLLBACK_COMPLETE", "REVIEW_IN_PROGRESS"})

RenderTeam = Callable[[Configs, str], RenderedStack]


@dataclass(frozen=True)
class Desired:
    """What the configs ask for: the loaded configs, their rendered stacks, offline results."""

    configs: Configs | None
    stacks: dict[str, RenderedStack] = field(default_factory=dict)  # by stack name
    offline: tuple[CheckResult, ...] = ()
    # Renders one team stack from altered configs (the first step of a version bump).
    render_team: RenderTeam | None = None

    @property
    def base_stack_name(self) -> str | None:
        return self.configs.base.stack_name if self.configs else None

    def team_stack(self, team: str) -> RenderedStack | None:
        return self.stacks.get(team_stack_name(team))


@dataclass(frozen=True)
class StackDiff:
    name: str
    team: str
    action: StackActionKind
    body: str | None  # the desired template body (None when the stack is deleted)
    status: str | None  # the observed status (None: the stack does not exist)
    deployed: dict
    desired: dict
    resources: ResourceDiff
    old_views: dict[str, TaskView] = field(default_factory=dict)
    new_views: dict[str, TaskView] = field(default_factory=dict)
    changes: tuple[TaskChange, ...] = ()


@dataclass(frozen=True)
class Analysis:
    base: StackDiff | None  # None when the base stack is out of scope and unchanged
    teams: dict[str, StackDiff]  # team -> diff, every team in scope (deleted teams too)
    # The teams filter left the base stack out, but it changes, so the plan deploys it.
    base_outside_scope: bool = False

    def stack_diffs(self) -> list[StackDiff]:
        return ([self.base] if self.base else []) + [self.teams[t] for t in sorted(self.teams)]

    def changes(self) -> tuple[TaskChange, ...]:
        return tuple(c for d in self.teams.values() for c in d.changes)


def deployed_template(stack: ObservedStack | None) -> dict:
    if stack is None or stack.status in _EMPTY_STACK_STATUSES:
        return {}
    return parse_template(stack.template_body)


def stack_action(stack: ObservedStack | None, deployed: dict, desired: dict) -> StackActionKind:
    if stack is None or stack.status in _EMPTY_STACK_STATUSES:
        return "create"
    return "none" if deployed == desired else "update"


def in_scope(team: str, teams: frozenset[str] | None) -> bool:
    return teams is None or team in teams


def diff_team_stack(
    name: str,
    team: str,
    observed: ObservedStack | None,
    rendered: RenderedStack | None,
    configs: Configs | None,
    after: tuple[dict, Configs] | None = None,
) -> StackDiff:
    """One team stack, from what is deployed, or from `after` (the template and configs of an
    earlier step of this plan) to the rendered stack."""
    if after is None:
        deployed = deployed_template(observed)
        old_views = deployed_views(deployed, team)
    else:
        deployed = after[0]
        old_views = configured_views(after[1].teams[team], deployed)
    desired = parse_template(rendered.body) if rendered else {}
    new_views = (
        configured_views(configs.teams[team], desired)
        if configs is not None and team in configs.teams
        else {}
    )
    resources = diff_resources(deployed, desired, name)
    if rendered is None:
        action: StackActionKind = "delete"
    elif after is not None:
        action = "none" if deployed == desired else "update"
    else:
        action = stack_action(observed, deployed, desired)
    # An identical template changes nothing, whatever the views infer (say, from a template
    # deployed before tasks carried metadata).
    changes = (
        ()
        if action == "none"
        else tuple(
            change
            for ident in sorted(old_views.keys() | new_views.keys())
            if (
                change := diff_task(old_views.get(ident), new_views.get(ident), name, resources)
            ).classification
            != "none"
        )
    )
    return StackDiff(
        name=name,
        team=team,
        action=action,
        body=rendered.body if rendered else None,
        status=observed.status if observed else None,
        deployed=deployed,
        desired=desired,
        resources=resources,
        old_views=old_views,
        new_views=new_views,
        changes=changes,
    )


def orphan_team_stacks(desired: Desired, observed: ObservedState) -> dict[str, str]:
    """Team -> stack name, for deployed team stacks that no config asks for any more."""
    configured = set(desired.stacks)
    out = {}
    for name, stack in observed.stacks.items():
        if name in configured or name == desired.base_stack_name:
            continue
        team = name.removeprefix(team_stack_name(""))
        if name == team_stack_name(team) and has_our_tasks(deployed_template(stack)):
            out[team] = name
    return out


def diff_base_stack(desired: Desired, observed: ObservedState) -> StackDiff:
    assert desired.configs is not None
    base_name = desired.configs.base.stack_name
    rendered = desired.stacks[base_name]
    stack = observed.stacks.get(base_name)
    deployed = deployed_template(stack)
    desired_template = parse_template(rendered.body)
    return StackDiff(
        name=base_name,
        team=BASE_TEAM,
        action=stack_action(stack, deployed, desired_template),
        body=rendered.body,
        status=stack.status if stack else None,
        deployed=deployed,
        desired=desired_template,
        resources=diff_resources(deployed, desired_template, base_name),
    )


def base_in_plan(base: StackDiff, teams: frozenset[str] | None) -> bool:
    """The base stack is planned when in scope, and also, whatever the scope, when the
    deployed base stack changes: team stacks import from it, so a team deployed without it
    would run against exports and endpoints that are about to change. A base stack that
    does not exist yet is created only by a plan that includes it (DMS101 says so)."""
    return in_scope(BASE_TEAM, teams) or base.action == "update"


def analyse(desired: Desired, observed: ObservedState, teams: frozenset[str] | None) -> Analysis:
    assert desired.configs is not None
    base: StackDiff | None = diff_base_stack(desired, observed)
    if not base_in_plan(base, teams):
        base = None
    diffs = {}
    for team in sorted(desired.configs.teams):
        if in_scope(team, teams):
            name = team_stack_name(team)
            diffs[team] = diff_team_stack(
                name, team, observed.stacks.get(name), desired.stacks[name], desired.configs
            )
    for team, name in orphan_team_stacks(desired, observed).items():
        if in_scope(team, teams):
            diffs[team] = diff_team_stack(name, team, observed.stacks[name], None, None)
    outside = base is not None and not in_scope(BASE_TEAM, teams)
    return Analysis(base=base, teams=diffs, base_outside_scope=outside)

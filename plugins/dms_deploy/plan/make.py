"""make_plan: (desired, observed) -> Plan. Pure: no boto3, no Airflow, no clock."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from dms_deploy.checks.base import CheckResult, result_of, skipped
from dms_deploy.checks.dms003_cfn_lint import INFO as DMS003_INFO
from dms_deploy.checks.offline import OfflineReport
from dms_deploy.config.models import Configs
from dms_deploy.plan.analysis import Analysis, Desired, analyse
from dms_deploy.plan.checks import (
    dms003_validate_template,
    dms101_base_stack,
    dms102_stack_state,
    dms103_versions_increase,
    dms104_empty_folders,
    dms105_no_interrupted_load,
    dms106_disruptive,
    dms107_unpause_needs_bump,
    dms108_drift,
    dms109_cdc_no_load,
    dms110_full_load_reload,
    dms111_account_guard,
)
from dms_deploy.plan.checks.online_context import OnlineCheck, OnlineContext
from dms_deploy.plan.model import Plan, StackAction
from dms_deploy.plan.steps import build_steps
from dms_deploy.render.stacks import RenderedStack, render_team_stack, team_stack_name
from dms_deploy.state.model import ObservedState

# In id order; a new check is one module and one line here.
ONLINE_CHECKS: tuple[OnlineCheck, ...] = (
    dms101_base_stack.CHECK,
    dms102_stack_state.CHECK,
    dms103_versions_increase.CHECK,
    dms104_empty_folders.CHECK,
    dms105_no_interrupted_load.CHECK,
    dms106_disruptive.CHECK,
    dms107_unpause_needs_bump.CHECK,
    dms108_drift.CHECK,
    dms109_cdc_no_load.CHECK,
    dms110_full_load_reload.CHECK,
    dms111_account_guard.CHECK,
)
ONLINE_DMS003 = DMS003_INFO.id


def desired_from_offline(report: OfflineReport, templates_dir: Path) -> Desired:
    """The planner's input from the offline run: configs, rendered stacks, DMS001-DMS010."""

    def render_team(configs: Configs, team: str) -> RenderedStack:
        return render_team_stack(configs, team, templates_dir)

    return Desired(
        configs=report.configs,
        stacks={s.name: s for s in report.stacks},
        offline=tuple(report.results),
        render_team=render_team,
    )


def make_plan(
    desired: Desired,
    observed: ObservedState,
    allow_disruptive: bool = False,
    teams: Iterable[str] | None = None,
    analysis: Analysis | None = None,
) -> Plan:
    """`analysis`, when given, is `analyse(desired, observed, teams)` already computed."""
    scope = frozenset(teams) if teams is not None else None
    team_list = tuple(sorted(scope)) if scope is not None else None
    environment = _environment(desired)
    reason = _unplannable(desired)
    if reason:
        checks = (*desired.offline, *(skipped(c.info, reason) for c in ONLINE_CHECKS))
        return Plan(
            False,
            checks,
            allow_disruptive=allow_disruptive,
            teams=team_list,
            environment=environment,
        )

    # The account guard comes before anything else: in the wrong account, the live state
    # says nothing about this environment, so no step is planned and no other check runs.
    nothing = Analysis(base=None, teams={})
    guard_ctx = OnlineContext(desired, observed, nothing, (), allow_disruptive)
    guard = dms111_account_guard.note(_run(dms111_account_guard.CHECK, guard_ctx), guard_ctx)
    if guard.status == "fail":
        wrong = "not run: not the environment's account or region (see DMS111)"
        online = tuple(
            guard if c is dms111_account_guard.CHECK else skipped(c.info, wrong)
            for c in ONLINE_CHECKS
        )
        return Plan(
            False,
            (*desired.offline, *online),
            allow_disruptive=allow_disruptive,
            teams=team_list,
            environment=environment,
        )

    analysis = analysis or analyse(desired, observed, scope)
    steps = build_steps(analysis, desired, observed)
    ctx = OnlineContext(desired, observed, analysis, steps, allow_disruptive)
    online = tuple(
        guard if check is dms111_account_guard.CHECK else _run(check, ctx)
        for check in ONLINE_CHECKS
    )
    offline = tuple(_with_validation(r, ctx) for r in desired.offline)
    checks = (*offline, *online)
    disruptions = next(r for r in online if r.id == dms106_disruptive.INFO.id)
    return Plan(
        go=not any(c.status == "fail" for c in checks),
        checks=checks,
        steps=steps,
        stacks=tuple(StackAction(d.name, d.team, d.action) for d in analysis.stack_diffs()),
        changes=analysis.changes(),
        allow_disruptive=allow_disruptive,
        teams=team_list,
        environment=environment,
        disruptive=dms106_disruptive.disruptive(disruptions),
    )


def _environment(desired: Desired) -> str | None:
    configs = desired.configs
    return configs.environment.name if configs and configs.environment else None


def _unplannable(desired: Desired) -> str | None:
    if desired.configs is None:
        return "not run: the configs did not load (see DMS001/DMS002)"
    names = [desired.configs.base.stack_name] + [team_stack_name(t) for t in desired.configs.teams]
    if any(name not in desired.stacks for name in names):
        return "not run: a stack did not render (see DMS003)"
    return None


def _run(check: OnlineCheck, ctx: OnlineContext) -> CheckResult:
    reason = check.skip_reason(ctx)
    if reason:
        return skipped(check.info, reason)
    return result_of(check.info, check.run(ctx))


def _with_validation(result: CheckResult, ctx: OnlineContext) -> CheckResult:
    """DMS003 is one check with two halves: cfn-lint offline, ValidateTemplate online."""
    if result.id != ONLINE_DMS003:
        return result
    online = dms003_validate_template.run(ctx)
    if not online:
        return result
    offline = result.findings if result.status != "skip" else ()
    return result_of(DMS003_INFO, (*offline, *online))

"""Run every offline check (DMS001-DMS011): load, render, check. No AWS, no clock.

The planner calls `run_offline` and appends its online checks to the results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dms_deploy.checks import (
    dms001_json,
    dms002_schema,
    dms003_cfn_lint,
    dms004_duplicate_tables,
    dms005_unique_paths,
    dms006_limits,
    dms007_table_endpoint,
    dms008_safe_settings,
    dms009_plaintext_secrets,
    dms010_no_s3_delete,
    dms011_secret_account,
)
from dms_deploy.checks.base import CheckResult, Finding, result_of, skipped
from dms_deploy.checks.context import OfflineCheck, OfflineContext
from dms_deploy.config.load import load_configs
from dms_deploy.config.models import Configs
from dms_deploy.render.errors import RenderError
from dms_deploy.render.stacks import RenderedStack, render_base_stack, render_team_stack

# In id order; a new check is one module and one line here.
OFFLINE_CHECKS: tuple[OfflineCheck, ...] = (
    dms001_json.CHECK,
    dms002_schema.CHECK,
    dms003_cfn_lint.CHECK,
    dms004_duplicate_tables.CHECK,
    dms005_unique_paths.CHECK,
    dms006_limits.CHECK,
    dms007_table_endpoint.CHECK,
    dms008_safe_settings.CHECK,
    dms009_plaintext_secrets.CHECK,
    dms010_no_s3_delete.CHECK,
    dms011_secret_account.CHECK,
)


@dataclass
class OfflineReport:
    configs: Configs | None
    stacks: list[RenderedStack] = field(default_factory=list)
    results: list[CheckResult] = field(default_factory=list)
    # Why the input cannot be used at all (the CLI exits 2).
    unreadable: str | None = None

    @property
    def ok(self) -> bool:
        return self.unreadable is None and not any(r.status == "fail" for r in self.results)

    def result(self, check_id: str) -> CheckResult:
        return next(r for r in self.results if r.id == check_id)


def run_offline(
    configs_dir: Path, templates_dir: Path, *, lint: bool = True, environment: str | None = None
) -> OfflineReport:
    """Load, render and check for one environment (None: the only one there is).

    `lint=False` skips cfn-lint (DMS003), the slow part."""
    configs_dir, templates_dir = Path(configs_dir), Path(templates_dir)
    if not templates_dir.is_dir():
        return _unusable(f"templates directory {templates_dir} does not exist")
    load = load_configs(configs_dir, environment=environment)
    if load.unreadable:
        return _unusable(load.unreadable)
    ctx = OfflineContext(configs_dir, templates_dir, load, lint=lint)
    if load.configs is not None:
        ctx.stacks, ctx.render_findings = _render(load.configs, templates_dir)
    results = [_run(check, ctx) for check in OFFLINE_CHECKS]
    return OfflineReport(load.configs, ctx.stacks, results)


def _render(configs: Configs, templates_dir: Path) -> tuple[list[RenderedStack], list[Finding]]:
    """Render every stack it can; a stack that fails is a finding, not an exception."""
    stacks, findings = [], []
    jobs = [("base", lambda: render_base_stack(configs, templates_dir))]
    jobs += [
        (team, lambda team=team: render_team_stack(configs, team, templates_dir))
        for team in sorted(configs.teams)
    ]
    for team, job in jobs:
        try:
            stacks.append(job())
        except RenderError as exc:
            findings.append(Finding(str(exc), team=team))
    return stacks, findings


def _run(check: OfflineCheck, ctx: OfflineContext) -> CheckResult:
    reason = check.skip_reason(ctx)
    if reason:
        return skipped(check.info, reason)
    return result_of(check.info, check.run(ctx))


def _unusable(reason: str) -> OfflineReport:
    results = [skipped(check.info, f"not run: {reason}") for check in OFFLINE_CHECKS]
    return OfflineReport(None, results=results, unreadable=reason)

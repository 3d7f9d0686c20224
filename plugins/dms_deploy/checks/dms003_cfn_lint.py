"""DMS003: the rendered templates render, and pass cfn-lint."""

from __future__ import annotations

import functools
from typing import Any

from dms_deploy.checks.base import CheckInfo, Finding
from dms_deploy.checks.context import OfflineCheck, OfflineContext, needs_configs
from dms_deploy.config.pointers import join
from dms_deploy.render.stacks import RenderedStack

INFO = CheckInfo(
    "DMS003",
    "rendered templates pass cfn-lint",
    "cfn-lint validates every template against the real AWS resource schemas, so a bad "
    "property fails in review instead of in a half-applied CloudFormation update.",
)

REGIONS = ["us-east-1"]


@functools.cache
def _rules() -> Any:
    """cfn-lint's default rules, loaded once: loading them is ~90% of linting one template."""
    from cfnlint.core import get_rules

    return get_rules([], [], [], [], False, [])


def lint_stack(stack: RenderedStack) -> list[Finding]:
    # Imported here: cfn-lint takes ~0.4 s to import, which every `dmsctl` call would pay.
    from cfnlint.api import ManualArgs, lint

    findings = []
    for match in lint(stack.body, rules=_rules(), config=ManualArgs(regions=REGIONS)):
        severity = match.rule.severity
        if severity == "informational":
            continue
        path = getattr(match, "path", None)
        findings.append(
            Finding(
                f"stack {stack.name}: {match.rule.id} {match.message} (line {match.linenumber})",
                team=stack.team,
                file=f"{stack.name}.yaml",
                pointer=join(path) if path else None,
                severity="error" if severity == "error" else "warning",
            )
        )
    return findings


def run(ctx: OfflineContext) -> list[Finding]:
    findings = list(ctx.render_findings)
    for stack in ctx.stacks:
        findings += lint_stack(stack)
    return findings


def skip_reason(ctx: OfflineContext) -> str | None:
    if reason := needs_configs(ctx):
        return reason
    if not ctx.lint and not ctx.render_findings:
        return "not run: cfn-lint was switched off"
    return None


CHECK = OfflineCheck(INFO, run, skip_reason)

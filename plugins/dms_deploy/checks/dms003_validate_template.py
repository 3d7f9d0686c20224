"""DMS003, online half: CloudFormation's ValidateTemplate accepts every body the plan deploys.

The offline half (cfn-lint) is `dms003_cfn_lint`; the planner merges both into one result.
"""

from __future__ import annotations

from dms_deploy.checks.base import Finding
from dms_deploy.checks.online_context import OnlineContext
from dms_deploy.plan.templates import digest


def run(ctx: OnlineContext) -> list[Finding]:
    findings = []
    for step in ctx.steps:
        for stack in step.stacks:
            if stack.body is None:
                continue
            error = ctx.observed.validation.get(digest(stack.body))
            if error:
                findings.append(
                    ctx.finding(
                        f"stack {stack.name} ({step.name} step): ValidateTemplate: {error}",
                        team=stack.team,
                    )
                )
    return findings

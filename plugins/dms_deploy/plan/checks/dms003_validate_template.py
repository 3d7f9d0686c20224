"""DMS003, online half: CloudFormation's ValidateTemplate accepts every body the plan deploys.

The offline half (cfn-lint) is `dms003_cfn_lint`; the planner merges both into one result.
A body over CloudFormation's inline limit cannot be validated without uploading it, which a
read-only plan does not do: it gets a warning, so the review sees that only cfn-lint checked it.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
"""

from __future__ import annotations

from dms_deploy.checks.base import Finding
from dms_deploy.plan.checks.online_context import OnlineContext
from dms_deploy.plan.templates import MAX_INLINE_TEMPLATE_BYTES, digest, fits_inline


def run(ctx: OnlineContext) -> list[Finding]:
    findings = []
    for step in ctx.steps:
        for stack in step.stacks:
            if stack.body is None:
                continue
            where = f"stack {stack.name} ({step.name} step)"
            if not fits_inline(stack.body):
                size = len(stack.body.encode("utf-8"))
                findings.append(
                    ctx.finding(
                        f"{where}: validated by cfn-lint only: {size:,} bytes is larger than "
                        f"CloudFormation's inline limit of {MAX_INLINE_TEMPLATE_BYTES:,}, "
                        "so it is deployed through S3",
                        team=stack.team,
                        severity="warning",
                    )
                )
                continue
            error = ctx.observed.validation.get(digest(stack.body))
            if error:
                findings.append(ctx.finding(f"{where}: ValidateTemplate: {error}", team=stack.team))
    return findings

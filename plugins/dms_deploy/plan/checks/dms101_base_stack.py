"""DMS101: the base stack is deployed (or this plan deploys it first) and its exports exist.

A plan limited to some teams still deploys a changed base stack (with a warning here):
the team stacks import from it.
"""

from __future__ import annotations

from dms_deploy.checks.base import CheckInfo, Finding
from dms_deploy.plan.analysis import deployed_template
from dms_deploy.plan.checks.online_context import OnlineCheck, OnlineContext, always
from dms_deploy.plan.templates import exported, imports, parse_template
from dms_deploy.render.stacks import BASE_TEAM

INFO = CheckInfo(
    "DMS101",
    "the base stack is deployed (or this plan deploys it first) and its exports exist",
    "Team stacks import the S3 target endpoints, the subnet group, the security group and "
    "the secrets role from the base stack. A team stack deployed before them fails.",
)


def run(ctx: OnlineContext) -> list[Finding]:
    base_name = ctx.desired.base_stack_name
    available = set(ctx.observed.exports)
    findings = []
    base_deployed = bool(deployed_template(ctx.observed.stacks.get(base_name)))
    for step in ctx.steps:
        for stack in step.stacks:
            if stack.body is None:
                continue
            template = parse_template(stack.body)
            for name in sorted(imports(template, stack.name) - available):
                findings.append(
                    ctx.finding(
                        f"stack {stack.name} imports {name!r}, which no stack exports"
                        + ("" if stack.team == BASE_TEAM else f" (is {base_name} deployed?)"),
                        team=stack.team,
                    )
                )
            if stack.team == BASE_TEAM:
                # Later steps can use what the base stack exports once it is deployed.
                available |= set(exported(template, stack.name))
                base_deployed = True
    if ctx.analysis.base_outside_scope:
        findings.append(
            ctx.finding(
                f"the base stack {base_name} changes, so this plan deploys it first although "
                "the teams filter leaves it out: the team stacks import from it, and its step "
                "restarts the running tasks of every team that uses a changed endpoint",
                team=BASE_TEAM,
                severity="warning",
            )
        )
    if not base_deployed:
        findings.insert(
            0,
            ctx.finding(
                f"the base stack {base_name} is not deployed and this plan does not deploy "
                "it (include the base stack in the teams to deploy)",
                team=BASE_TEAM,
            ),
        )
    return findings


CHECK = OnlineCheck(INFO, run, always)

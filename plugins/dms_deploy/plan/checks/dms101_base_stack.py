"""DMS101: the base stack is deployed (or this plan deploys it first) and its exports exist.

A plan limited to some teams still deploys a changed base stack (with a warning here):
the team stacks import from it.
"""

from __future__ import annotations

from dms_deploy.checks.base import CheckInfo, Finding
from dms_deploy.plan.analysis import deployed_template
from dms_deploy.plan.checks.online_context import OnlineCheck, OnlineContext, always
from dms_deploy.plan.exports_in_use import changing_exports
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
    findings += _exports_in_use(ctx)
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


def _exports_in_use(ctx: OnlineContext) -> list[Finding]:
    """An export this plan removes or changes while another stack imports it: CloudFormation
    refuses the update, so the plan would fail at its first step."""
    findings = []
    for name, change in changing_exports(ctx.analysis).items():
        where = f"export {name!r} of {change.stack} {change.what}"
        if ctx.observed.imports is None or name not in ctx.observed.imports:
            findings.append(
                ctx.finding(
                    f"{where}, and whether a stack imports it was not read (ListImports)",
                    team=change.team,
                    severity="warning",
                )
            )
            continue
        users = [s for s in ctx.observed.imports[name] if s != change.stack]
        if users:
            findings.append(
                ctx.finding(
                    f"{where}, but {', '.join(users)} import{'s' * (len(users) == 1)} it, so "
                    "CloudFormation refuses the update. Keep what it exports (for a target: "
                    "the old key in base.json) until no stack imports it: add the new one, "
                    "move the teams to it, then remove the old one in a later change",
                    team=change.team,
                )
            )
    return findings


CHECK = OnlineCheck(INFO, run, always)

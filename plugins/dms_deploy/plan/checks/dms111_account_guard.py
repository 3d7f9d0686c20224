"""DMS111: the AWS credentials belong to the environment's account (STS GetCallerIdentity),
and the clients call the environment's region.

The planner asks STS before it reads anything else; when either is wrong it reads no
further, and this check's failure makes the plan a no-go with no steps, so nothing that
changes anything can run.
"""

from __future__ import annotations

from dms_deploy.checks.base import CheckInfo, CheckResult, Finding
from dms_deploy.config.pointers import pointer
from dms_deploy.plan.checks.online_context import OnlineCheck, OnlineContext, always

INFO = CheckInfo(
    "DMS111",
    "the AWS credentials belong to the environment's account and region",
    "A connection that holds another account's credentials would deploy production's "
    "configs into staging, or the reverse. STS names the account the credentials belong "
    "to; it must be the one environments.json expects.",
)
NO_ENVIRONMENT = "no environments.json: no expected account to compare with"


def run(ctx: OnlineContext) -> list[Finding]:
    configs = ctx.desired.configs
    env = configs.environment if configs is not None else None
    if env is None:
        return []
    findings = []
    account, region = ctx.observed.account_id, ctx.observed.region
    if account != env.account_id:
        findings.append(
            Finding(
                f"the credentials belong to account {account}, but environment {env.name!r} "
                f"is account {env.account_id}: check the connection ({env.aws_conn_id!r}); "
                "nothing was read or changed",
                file=env.file,
                pointer=env.pointer + pointer("account_id"),
            )
        )
    if region != env.region:
        findings.append(
            Finding(
                f"the connection calls region {region}, but environment {env.name!r} is in "
                f"{env.region}: set the connection's region_name; nothing was read or changed",
                file=env.file,
                pointer=env.pointer + pointer("region"),
            )
        )
    return findings


def note(result: CheckResult, ctx: OnlineContext) -> CheckResult:
    """Without an environment the check passes, saying why it compared nothing."""
    configs = ctx.desired.configs
    if result.status != "pass" or (configs is not None and configs.environment is not None):
        return result
    return CheckResult(
        result.id, result.title, "pass", (Finding(NO_ENVIRONMENT, severity="warning"),)
    )


CHECK = OnlineCheck(INFO, run, always)

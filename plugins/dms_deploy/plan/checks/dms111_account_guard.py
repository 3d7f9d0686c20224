"""DMS111: the AWS credentials belong to the environment's account (STS GetCallerIdentity).

The planner asks STS before it reads anything else; when the account is wrong it reads no
further, and this check's failure makes the plan a no-go with no steps, so nothing that
changes anything can run.
"""

from __future__ import annotations

from dms_deploy.checks.base import CheckInfo, CheckResult, Finding
from dms_deploy.config.pointers import pointer
from dms_deploy.plan.checks.online_context import OnlineCheck, OnlineContext, always

INFO = CheckInfo(
    "DMS111",
    "the AWS credentials belong to the environment's account",
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
    actual = ctx.observed.account_id
    if actual == env.account_id:
        return []
    return [
        Finding(
            f"the credentials belong to account {actual}, but environment {env.name!r} is "
            f"account {env.account_id}: check the connection ({env.aws_conn_id!r}); "
            "nothing was read or changed",
            file=env.file,
            pointer=env.pointer + pointer("account_id"),
        )
    ]


def note(result: CheckResult, ctx: OnlineContext) -> CheckResult:
    """Without an environment the check passes, saying why it compared nothing."""
    configs = ctx.desired.configs
    if result.status != "pass" or (configs is not None and configs.environment is not None):
        return result
    return CheckResult(
        result.id, result.title, "pass", (Finding(NO_ENVIRONMENT, severity="warning"),)
    )


CHECK = OnlineCheck(INFO, run, always)

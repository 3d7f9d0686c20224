"""DMS011: every endpoint's secret lives in the environment's account and region."""

from __future__ import annotations

from dms_deploy.checks.base import CheckInfo, Finding
from dms_deploy.checks.context import OfflineCheck, OfflineContext, needs_configs
from dms_deploy.config.pointers import pointer

INFO = CheckInfo(
    "DMS011",
    "every secret ARN is in the environment's account and region",
    "DMS reads an endpoint's secret from the account and region it runs in. A staging "
    "ARN left in production's settings fails the connection test at best, and at worst "
    "reaches the wrong database. Checked when environments.json names the account.",
)


def run(ctx: OfflineContext) -> list[Finding]:
    env = ctx.configs.environment
    if env is None:
        return []
    findings = []
    for team in sorted(ctx.configs.teams.values(), key=lambda t: t.team):
        for endpoint in team.endpoints.values():
            # arn:partition:secretsmanager:region:account:secret:name (the schema checked it)
            _, _, _, region, account, *_ = endpoint.secret.split(":")
            wrong = []
            if account != env.account_id:
                wrong.append(f"account {account}, not {env.account_id}")
            if region != env.region:
                wrong.append(f"region {region}, not {env.region}")
            if not wrong:
                continue
            overridden = env.secret_pointers.get((team.team, endpoint.name))
            file, where = (
                (env.file, overridden)
                if overridden
                else (team.file, pointer("endpoints", endpoint.name, "secret"))
            )
            findings.append(
                Finding(
                    f"secret of endpoint {endpoint.name!r} is in {' and '.join(wrong)} "
                    f"(environment {env.name!r}); set this environment's secret in "
                    f"{env.file}#{pointer('environments', env.name, 'teams', team.team)}",
                    team=team.team,
                    file=file,
                    pointer=where,
                )
            )
    return findings


# Without environments.json there is no expected account: the check passes with nothing to
# compare.
CHECK = OfflineCheck(INFO, run, needs_configs)

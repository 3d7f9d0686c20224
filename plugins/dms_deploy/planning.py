"""Make the plan against live AWS: offline checks, read-only state, then the pure planner.

The one entry point that `dmsctl plan` and the DAG's `check_state` share.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from dms_deploy.checks.offline import run_offline
from dms_deploy.plan.analysis import Desired
from dms_deploy.plan.make import desired_from_offline, make_plan
from dms_deploy.plan.model import Plan
from dms_deploy.state.clients import AwsClients, caller_account
from dms_deploy.state.model import ObservedState
from dms_deploy.state.read import read_state


@dataclass(frozen=True)
class LivePlan:
    plan: Plan | None
    # Why no plan could be made at all (the configs directory cannot be read).
    unreadable: str | None = None
    # Where the data lake is, for the steps that verify S3.
    s3: dict[str, str] = field(default_factory=dict)
    # What the plan was made from, for callers that look further (the drift watch).
    desired: Desired | None = None
    observed: ObservedState = field(default_factory=ObservedState)


def plan_against_aws(
    configs_dir: Path,
    templates_dir: Path,
    clients: Callable[[], AwsClients],
    teams: Iterable[str] | None = None,
    allow_disruptive: bool = False,
    environment: str | None = None,
) -> LivePlan:
    """Config errors make a no-go plan (with findings), not an exception; AWS errors raise.

    `clients` is called only when the configs load: a config error needs no AWS access.
    `environment` names the environment (None: the only one there is).
    """
    report = run_offline(configs_dir, templates_dir, environment=environment)
    if report.unreadable:
        return LivePlan(None, report.unreadable)
    scope = frozenset(teams) if teams is not None else None
    desired = desired_from_offline(report, templates_dir)
    observed = ObservedState()
    s3: dict[str, str] = {}
    if desired.configs is not None:
        aws = clients()
        env = desired.configs.environment
        # The account guard (DMS111) asks STS first; in another account nothing more is read.
        account = caller_account(aws) if env is not None else None
        region = aws.cloudformation.meta.region_name if env is not None else None
        if env is None or (account, region) == (env.account_id, env.region):
            observed = read_state(desired, aws, teams=scope, account_id=account, region=region)
        else:
            observed = ObservedState(account_id=account, region=region)
        base = desired.configs.base
        s3 = {"bucket": base.bucket, "bucket_folder": base.bucket_folder}
    plan = make_plan(desired, observed, allow_disruptive=allow_disruptive, teams=scope)
    return LivePlan(plan, None, s3, desired, observed)

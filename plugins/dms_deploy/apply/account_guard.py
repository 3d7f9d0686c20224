"""Confirm the account again right before a call that changes anything.

`check_state` confirms that the connection reaches the environment's account (DMS111), but
a connection can be edited while the run goes on. So each task that changes anything asks
STS once more (GetCallerIdentity, read-only) before its first change, and compares the
answer with the account the plan was made for:
https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dms_deploy.config.environments import Environment


def expected_account(env: Environment | None) -> dict[str, str]:
    """What check_state hands the later tasks: the environment and its account and region
    (empty without environments.json, when there is no account to expect)."""
    if env is None:
        return {}
    return {"environment": env.name, "account_id": env.account_id, "region": env.region}


def account_mismatch(
    sts: Any, region: str | None, expected: Mapping[str, str] | None
) -> str | None:
    """Why clients with these credentials and region are not the expected account and
    region (None: they are, or nothing is expected). One GetCallerIdentity when something
    is expected."""
    if not expected or not expected.get("account_id"):
        return None
    account = str(sts.get_caller_identity()["Account"])
    name = expected.get("environment")
    if account != expected["account_id"]:
        return (
            f"the connection now reaches account {account}, but this run's plan is for "
            f"environment {name!r}, account {expected['account_id']}, as check_state confirmed"
        )
    if expected.get("region") and region != expected["region"]:
        return (
            f"the connection now calls region {region}, but this run's plan is for "
            f"environment {name!r} in {expected['region']}, as check_state confirmed"
        )
    return None

"""The Airflow pool that bounds how many of the DAG's steps call AWS at once.

The DMS and CloudFormation control planes throttle each account and region (the numbers and
why the default is 8 are in docs/production.md). Mapped steps of many team stacks would
otherwise all call them at once. A deferred sensor gives its slot back while it waits.
The pool must exist wherever the DAG runs: the scheduler does not schedule a task whose
pool is missing. `deploy/airflow/run_local.py` and docker-compose.yaml's `airflow-init`
create it with `pool_command()`'s arguments.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

AWS_POOL = "dms_deploy_aws"
SLOTS_ENV = "DMS_DEPLOY_AWS_POOL_SLOTS"
DEFAULT_SLOTS = 8
DESCRIPTION = "dms-deploy steps that call the DMS, CloudFormation and S3 APIs"


def pool_slots(env: Mapping[str, str] = os.environ) -> int:
    """The slots from DMS_DEPLOY_AWS_POOL_SLOTS, else the default."""
    value = env.get(SLOTS_ENV, "").strip()
    if not value:
        return DEFAULT_SLOTS
    slots = int(value)
    if slots < 1:
        raise ValueError(f"{SLOTS_ENV} must be a positive number of slots, not {value!r}")
    return slots


def pool_command(env: Mapping[str, str] = os.environ) -> list[str]:
    """`airflow pools set` arguments that create (or resize) the pool."""
    return ["pools", "set", AWS_POOL, str(pool_slots(env)), DESCRIPTION]

"""boto3 clients through the amazon provider's hooks, so Airflow connections work unchanged.

`aws_conn_id=None` means boto3's default chain (environment, profile, instance role), which
also honours AWS_ENDPOINT_URL: that is how the CLI reaches the sandbox.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from botocore.config import Config

# The DMS and CloudFormation control planes throttle; adaptive mode backs off client-side.
DEFAULT_MAX_ATTEMPTS = 10


def retry_config(max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> Config:
    return Config(retries={"mode": "adaptive", "max_attempts": max_attempts})


@dataclass(frozen=True)
class AwsClients:
    cloudformation: Any
    dms: Any
    s3: Any

    @classmethod
    def from_hooks(
        cls,
        aws_conn_id: str | None = "aws_default",
        region_name: str | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> AwsClients:
        # Imported here: the hooks pull in Airflow, which the pure core never needs.
        from airflow.providers.amazon.aws.hooks.cloud_formation import CloudFormationHook
        from airflow.providers.amazon.aws.hooks.dms import DmsHook
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook

        kwargs = {
            "aws_conn_id": aws_conn_id,
            "region_name": region_name,
            "config": retry_config(max_attempts),
        }
        return cls(
            cloudformation=CloudFormationHook(**kwargs).conn,
            dms=DmsHook(**kwargs).conn,
            s3=S3Hook(**kwargs).conn,
        )


def ensure_reachable(
    aws_conn_id: str | None = "aws_default", region_name: str | None = None
) -> None:
    """Fail fast when AWS cannot be reached at all (no credentials, no endpoint).

    Retries are right for throttling but turn an unreachable endpoint into a minute of
    back-off, so one ListExports without retries tells the two apart first. An error that
    AWS answered (throttled, denied) proves it reachable and is left to the real reads.
    """
    from airflow.providers.amazon.aws.hooks.cloud_formation import CloudFormationHook
    from botocore.exceptions import ClientError

    hook = CloudFormationHook(
        aws_conn_id=aws_conn_id, region_name=region_name, config=retry_config(max_attempts=1)
    )
    with contextlib.suppress(ClientError):
        hook.conn.list_exports()

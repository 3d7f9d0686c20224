"""The CloudWatch client of the watch, through the amazon provider's base hook (there is no
CloudWatch metrics hook), with the same connection rules as `state.clients`."""

from __future__ import annotations

from typing import Any

from dms_deploy.state.clients import DEFAULT_MAX_ATTEMPTS, require_connection, retry_config


def cloudwatch_client(
    aws_conn_id: str | None = "aws_default",
    region_name: str | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> Any:
    from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

    require_connection(aws_conn_id)
    return AwsBaseHook(
        aws_conn_id=aws_conn_id,
        region_name=region_name,
        client_type="cloudwatch",
        config=retry_config(max_attempts),
    ).conn

"""boto3 clients through the amazon provider's hooks, so Airflow connections work unchanged.

`aws_conn_id=None` means boto3's default chain (environment, profile, instance role), which
also honours AWS_ENDPOINT_URL: that is how the CLI reaches the sandbox. A connection id that
is given must name a connection that exists, `aws_default` included: the provider's hooks
would otherwise log a warning and fall back to boto3's chain, and deploy with credentials
nobody asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

# The DMS and CloudFormation control planes throttle; adaptive mode backs off client-side.
DEFAULT_MAX_ATTEMPTS = 10


class AwsUnusable(Exception):
    """AWS cannot be used with these settings at all; the message says why, in one line."""


class UnknownConnection(AwsUnusable):
    """The Airflow connection id names no connection."""


def require_connection(aws_conn_id: str | None) -> None:
    """Raise UnknownConnection unless `aws_conn_id` is None or an existing connection.

    AwsBaseHook.conn_config catches AirflowNotFoundException, logs "Unable to find AWS
    Connection ID ..., switching to empty" and uses boto3's default chain; we refuse instead.
    """
    if aws_conn_id is None:
        return
    from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook
    from airflow.providers.common.compat.sdk import AirflowNotFoundException

    try:
        AwsBaseHook.get_connection(aws_conn_id)
    except AirflowNotFoundException:
        raise UnknownConnection(
            f"Airflow connection {aws_conn_id!r} does not exist: create it (for example "
            f"with AIRFLOW_CONN_{aws_conn_id.upper()}) or name one that exists; refusing to "
            "fall back to the default AWS credentials"
        ) from None


class RequiresConnection:
    """Mixin for AWS operators and sensors: fail before `execute` when `aws_conn_id` names
    no connection, rather than run with whatever credentials the worker has."""

    aws_conn_id: str | None

    def pre_execute(self, context: Any) -> None:
        try:
            require_connection(self.aws_conn_id)
        except UnknownConnection as exc:
            from airflow.sdk.exceptions import AirflowFailException

            # A missing connection does not appear by retrying: fail without retries.
            raise AirflowFailException(str(exc)) from None
        super().pre_execute(context)  # type: ignore[misc]


def retry_config(max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> Config:
    return Config(retries={"mode": "adaptive", "max_attempts": max_attempts})


@dataclass(frozen=True)
class AwsClients:
    cloudformation: Any
    dms: Any
    s3: Any
    # STS, for the account guard (DMS111); None where no environment asks for an account.
    sts: Any = None

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
        from airflow.providers.amazon.aws.hooks.sts import StsHook

        require_connection(aws_conn_id)
        kwargs = {
            "aws_conn_id": aws_conn_id,
            "region_name": region_name,
            "config": retry_config(max_attempts),
        }
        return cls(
            cloudformation=CloudFormationHook(**kwargs).conn,
            dms=DmsHook(**kwargs).conn,
            s3=S3Hook(**kwargs).conn,
            sts=StsHook(**kwargs).conn,
        )


def caller_account(clients: AwsClients) -> str:
    """The account the credentials belong to: STS GetCallerIdentity, read-only."""
    if clients.sts is None:
        raise AwsUnusable("no STS client to check which account the credentials belong to")
    return str(clients.sts.get_caller_identity()["Account"])


def ensure_reachable(
    aws_conn_id: str | None = "aws_default", region_name: str | None = None
) -> None:
    """Fail fast, with AwsUnusable, when AWS cannot be used at all.

    Retries are right for throttling but turn an unreachable endpoint into a minute of
    back-off, so one ListExports without retries tells the cases apart first:
    - an endpoint URL botocore refuses (`AWS_ENDPOINT_URL=not-a-url`);
    - an endpoint that answers, but not as AWS does: every AWS response, error or not,
      carries a request id (see the sample response in
      https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListExports.html);
    - no credentials, no region, nothing listening: BotoCoreError, raised as it is.
    An error that AWS answered (throttled, denied) proves it reachable and is left to the
    real reads.
    """
    from airflow.providers.amazon.aws.hooks.cloud_formation import CloudFormationHook

    require_connection(aws_conn_id)
    hook = CloudFormationHook(
        aws_conn_id=aws_conn_id, region_name=region_name, config=retry_config(max_attempts=1)
    )
    try:
        client = hook.conn
    except ValueError as exc:  # botocore: "Invalid endpoint: not-a-url"
        raise AwsUnusable(
            f"{exc}: the endpoint URL (AWS_ENDPOINT_URL or the connection's endpoint_url) "
            "must be an http(s) URL"
        ) from None
    try:
        response = client.list_exports()
    except ClientError as exc:
        response = exc.response
    except BotoCoreError:
        raise
    except Exception as exc:  # a body botocore cannot parse as the API's response
        raise AwsUnusable(_not_aws(client, exc)) from None
    if not (response.get("ResponseMetadata") or {}).get("RequestId"):
        raise AwsUnusable(_not_aws(client, None))


def _not_aws(client: Any, exc: Exception | None) -> str:
    detail = f" ({type(exc).__name__})" if exc is not None else ""
    return (
        f"{client.meta.endpoint_url} does not answer as AWS CloudFormation does{detail}: "
        "check AWS_ENDPOINT_URL or the connection's endpoint_url"
    )

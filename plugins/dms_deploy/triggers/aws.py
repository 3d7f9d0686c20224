"""What every trigger of ours shares: the AWS connection it polls with, and its client.

The amazon provider's async clients need aiobotocore, which the provider does not require;
our triggers call boto3 in a worker thread instead, so the triggerer's loop never blocks.
"""

from __future__ import annotations

from typing import Any

from airflow.triggers.base import BaseTrigger


class AwsPollingTrigger(BaseTrigger):
    def __init__(
        self,
        *,
        aws_conn_id: str | None = "aws_default",
        region_name: str | None = None,
        verify: bool | str | None = None,
        botocore_config: dict | None = None,
    ) -> None:
        super().__init__()
        self.aws_conn_id = aws_conn_id
        self.region_name = region_name
        self.verify = verify
        self.botocore_config = botocore_config

    def serialize_with(self, **kwargs: Any) -> tuple[str, dict[str, Any]]:
        """`serialize()` of a subclass: its own kwargs plus the connection's."""
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {**kwargs, **aws_kwargs(self)},
        )

    def client(self, hook_class: type) -> Any:
        hook = hook_class(
            aws_conn_id=self.aws_conn_id,
            region_name=self.region_name,
            verify=self.verify,
            config=self.botocore_config,
        )
        return hook.conn


def aws_kwargs(source: Any) -> dict[str, Any]:
    """The connection settings of a sensor (or trigger), to hand to a trigger."""
    return {
        "aws_conn_id": source.aws_conn_id,
        "region_name": source.region_name,
        "verify": source.verify,
        "botocore_config": source.botocore_config,
    }

"""Wait in the triggerer until a CloudFormation stack settles."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from airflow.providers.amazon.aws.hooks.cloud_formation import CloudFormationHook
from airflow.triggers.base import BaseTrigger, TriggerEvent

from dms_deploy.apply.polling import backoff
from dms_deploy.apply.stacks import stack_progress


class StackSettledTrigger(BaseTrigger):
    """Polls DescribeStacks until the stack leaves `*_IN_PROGRESS`, then reports how it ended.

    The amazon provider's async clients need aiobotocore, which the provider does not
    require; the boto3 call runs in a worker thread so the triggerer's loop never blocks.
    """

    def __init__(
        self,
        *,
        stack_name: str,
        expect_change: bool = True,
        expect_deleted: bool = False,
        poll_seconds: float = 15.0,
        aws_conn_id: str | None = "aws_default",
        region_name: str | None = None,
        verify: bool | str | None = None,
        botocore_config: dict | None = None,
    ) -> None:
        super().__init__()
        self.stack_name = stack_name
        self.expect_change = expect_change
        self.expect_deleted = expect_deleted
        self.poll_seconds = poll_seconds
        self.aws_conn_id = aws_conn_id
        self.region_name = region_name
        self.verify = verify
        self.botocore_config = botocore_config

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "stack_name": self.stack_name,
                "expect_change": self.expect_change,
                "expect_deleted": self.expect_deleted,
                "poll_seconds": self.poll_seconds,
                "aws_conn_id": self.aws_conn_id,
                "region_name": self.region_name,
                "verify": self.verify,
                "botocore_config": self.botocore_config,
            },
        )

    def _client(self) -> Any:
        hook = CloudFormationHook(
            aws_conn_id=self.aws_conn_id,
            region_name=self.region_name,
            verify=self.verify,
            config=self.botocore_config,
        )
        return hook.conn

    async def run(self) -> AsyncIterator[TriggerEvent]:
        client = await asyncio.to_thread(self._client)
        for pause in backoff(self.poll_seconds):
            progress = await asyncio.to_thread(
                stack_progress, client, self.stack_name, self.expect_change, self.expect_deleted
            )
            if progress.done:
                yield TriggerEvent(
                    {
                        "ok": progress.ok,
                        "status": progress.status,
                        "reasons": list(progress.reasons),
                        "message": progress.describe(),
                    }
                )
                return
            self.log.info("stack %s is %s", self.stack_name, progress.status)
            await asyncio.sleep(pause)

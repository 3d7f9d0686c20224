"""Wait in the triggerer until the full loads of a step's new tables are done."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from airflow.providers.amazon.aws.hooks.dms import DmsHook
from airflow.triggers.base import BaseTrigger, TriggerEvent

from dms_deploy.apply.full_loads import load_progress
from dms_deploy.apply.polling import backoff


class FullLoadsDoneTrigger(BaseTrigger):
    """Polls DescribeTableStatistics until every listed table completed its full load, one
    failed, or the deadline (epoch seconds) passes; then reports which.

    The boto3 calls run in a worker thread so the triggerer's loop never blocks.
    """

    def __init__(
        self,
        *,
        loads: dict[str, list[dict[str, str]]],
        deadline: float,
        poll_seconds: float = 60.0,
        aws_conn_id: str | None = "aws_default",
        region_name: str | None = None,
        verify: bool | str | None = None,
        botocore_config: dict | None = None,
    ) -> None:
        super().__init__()
        self.loads = loads
        self.deadline = deadline
        self.poll_seconds = poll_seconds
        self.aws_conn_id = aws_conn_id
        self.region_name = region_name
        self.verify = verify
        self.botocore_config = botocore_config

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "loads": self.loads,
                "deadline": self.deadline,
                "poll_seconds": self.poll_seconds,
                "aws_conn_id": self.aws_conn_id,
                "region_name": self.region_name,
                "verify": self.verify,
                "botocore_config": self.botocore_config,
            },
        )

    def _client(self) -> Any:
        hook = DmsHook(
            aws_conn_id=self.aws_conn_id,
            region_name=self.region_name,
            verify=self.verify,
            config=self.botocore_config,
        )
        return hook.conn

    async def run(self) -> AsyncIterator[TriggerEvent]:
        client = await asyncio.to_thread(self._client)
        for pause in backoff(self.poll_seconds):
            progress = await asyncio.to_thread(load_progress, client, self.loads)
            timed_out = not progress.done and time.time() >= self.deadline
            if progress.done or progress.failures or timed_out:
                yield TriggerEvent(
                    {
                        "done": progress.done,
                        "failures": list(progress.failures),
                        "pending": list(progress.pending),
                        "timed_out": timed_out,
                    }
                )
                return
            self.log.info("%s", progress.describe())
            await asyncio.sleep(pause)

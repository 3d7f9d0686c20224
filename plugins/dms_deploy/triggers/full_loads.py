"""Wait in the triggerer until the full loads of a step's new tables are done."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from airflow.providers.amazon.aws.hooks.dms import DmsHook
from airflow.triggers.base import TriggerEvent

from dms_deploy.apply.full_loads import load_progress
from dms_deploy.apply.polling import backoff
from dms_deploy.triggers.aws import AwsPollingTrigger


class FullLoadsDoneTrigger(AwsPollingTrigger):
    """Polls DescribeTableStatistics until every listed table completed its full load, one
    failed, or the deadline (epoch seconds) passes; then reports which."""

    def __init__(
        self,
        *,
        loads: dict[str, list[dict[str, str]]],
        deadline: float,
        poll_seconds: float = 60.0,
        **aws: Any,
    ) -> None:
        super().__init__(**aws)
        self.loads = loads
        self.deadline = deadline
        self.poll_seconds = poll_seconds

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return self.serialize_with(
            loads=self.loads, deadline=self.deadline, poll_seconds=self.poll_seconds
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        client = await asyncio.to_thread(self.client, DmsHook)
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

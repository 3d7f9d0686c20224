"""Wait in the triggerer until a CloudFormation stack settles."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from airflow.providers.amazon.aws.hooks.cloud_formation import CloudFormationHook
from airflow.triggers.base import TriggerEvent

from dms_deploy.apply.polling import backoff
from dms_deploy.apply.stacks import stack_progress
from dms_deploy.triggers.aws import AwsPollingTrigger


class StackSettledTrigger(AwsPollingTrigger):
    """Polls DescribeStacks until the stack leaves `*_IN_PROGRESS`, then reports how it ended."""

    def __init__(
        self,
        *,
        stack_name: str,
        expect_change: bool = True,
        expect_deleted: bool = False,
        poll_seconds: float = 15.0,
        **aws: Any,
    ) -> None:
        super().__init__(**aws)
        self.stack_name = stack_name
        self.expect_change = expect_change
        self.expect_deleted = expect_deleted
        self.poll_seconds = poll_seconds

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return self.serialize_with(
            stack_name=self.stack_name,
            expect_change=self.expect_change,
            expect_deleted=self.expect_deleted,
            poll_seconds=self.poll_seconds,
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        client = await asyncio.to_thread(self.client, CloudFormationHook)
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

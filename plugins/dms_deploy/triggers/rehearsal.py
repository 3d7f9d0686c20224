"""Wait in the triggerer while a rehearsal watches the changed tasks (read-only polls)."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import AsyncIterator
from typing import Any

from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook
from airflow.providers.amazon.aws.hooks.dms import DmsHook
from airflow.triggers.base import TriggerEvent

from dms_deploy.apply.polling import backoff
from dms_deploy.apply.rehearsal import RehearsalScope, Soak, read_latencies, read_tasks
from dms_deploy.triggers.aws import AwsPollingTrigger
from dms_deploy.watch.cdc_latency import WatchedTask


class TasksRunningTrigger(AwsPollingTrigger):
    """Polls until every changed task runs and no new load failed, one fails, or the
    deadline (epoch seconds) passes; then reports which."""

    def __init__(
        self,
        *,
        tasks: list[str],
        loads: dict[str, list[dict[str, str]]],
        deadline: float,
        poll_seconds: float = 60.0,
        **aws: Any,
    ) -> None:
        super().__init__(**aws)
        self.tasks = tasks
        self.loads = loads
        self.deadline = deadline
        self.poll_seconds = poll_seconds

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return self.serialize_with(
            tasks=self.tasks,
            loads=self.loads,
            deadline=self.deadline,
            poll_seconds=self.poll_seconds,
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        client = await asyncio.to_thread(self.client, DmsHook)
        scope = RehearsalScope(tuple(self.tasks), self.loads)
        for pause in backoff(self.poll_seconds):
            verdict = await asyncio.to_thread(read_tasks, client, scope)
            timed_out = not verdict.ready and time.time() >= self.deadline
            if verdict.ready or verdict.failures or timed_out:
                yield TriggerEvent(
                    {
                        "ready": verdict.ready,
                        "waiting": list(verdict.waiting),
                        "failures": list(verdict.failures),
                        "timed_out": timed_out,
                    }
                )
                return
            self.log.info("%s", verdict.describe())
            await asyncio.sleep(pause)


class LatencySoakTrigger(AwsPollingTrigger):
    """Polls the tasks' CDC latency until one is at or over the limit, or the soak ends
    (epoch seconds `soak_until`; it began at `soak_from`); then reports the breaches (none:
    the soak held) and the tasks CloudWatch had no datapoint for during the soak."""

    def __init__(
        self,
        *,
        tasks: list[dict[str, str]],
        limit_seconds: float,
        soak_until: float,
        soak_from: float | None = None,
        poll_seconds: float = 60.0,
        **aws: Any,
    ) -> None:
        super().__init__(**aws)
        self.tasks = tasks
        self.limit_seconds = limit_seconds
        self.soak_until = soak_until
        # None (a trigger serialized before this field): any datapoint read counts.
        self.soak_from = soak_from
        self.poll_seconds = poll_seconds

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return self.serialize_with(
            tasks=self.tasks,
            limit_seconds=self.limit_seconds,
            soak_until=self.soak_until,
            soak_from=self.soak_from,
            poll_seconds=self.poll_seconds,
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        # The amazon provider has no CloudWatch metrics hook: the base hook with its type.
        hook = functools.partial(AwsBaseHook, client_type="cloudwatch")
        client = await asyncio.to_thread(self.client, hook)
        watched = [WatchedTask(**t) for t in self.tasks]
        soak = Soak(tuple(t.identifier for t in watched), self.soak_from or 0.0)
        breaches: list[str] = []
        for pause in backoff(self.poll_seconds):
            latencies = await asyncio.to_thread(read_latencies, client, watched)
            breaches = soak.observe(latencies, self.limit_seconds)
            if breaches or time.time() >= self.soak_until:
                break
            self.log.info("CDC latency under %.0fs so far", self.limit_seconds)
            await asyncio.sleep(min(pause, max(0.0, self.soak_until - time.time())))
        yield TriggerEvent({"breaches": breaches, "unmeasured": soak.unmeasured()})

"""`wait_for_full_loads`: succeed when the step's new tables finished their full loads.

The S3 proof (`verify_no_s3_overwrite`) runs after this, so it covers the LOAD files the
loads wrote, not only the moment the tasks started.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from airflow.providers.amazon.aws.hooks.dms import DmsHook
from airflow.providers.amazon.aws.sensors.base_aws import AwsBaseSensor
from airflow.providers.amazon.aws.utils.mixins import aws_template_fields
from airflow.sdk.exceptions import AirflowFailException, AirflowSensorTimeout

from dms_deploy.apply.full_loads import LoadProgress, load_progress, loads_to_wait_for
from dms_deploy.triggers.aws import aws_kwargs
from dms_deploy.triggers.full_loads import FullLoadsDoneTrigger


class WaitForFullLoadsSensor(AwsBaseSensor[DmsHook]):
    """Waits for the full loads of the tables this step's started tasks load anew.

    Deferrable by default; with `deferrable=False` it runs in reschedule mode. Bounded: one
    DescribeTableStatistics per task per poll, polls back off to `poke_interval`, and
    `timeout` (seconds) ends the wait with a message that says what to do.
    """

    aws_hook_class = DmsHook
    template_fields: Sequence[str] = aws_template_fields("item")

    def __init__(self, *, item: dict, deferrable: bool = True, **kwargs: Any) -> None:
        if not deferrable:
            kwargs.setdefault("mode", "reschedule")
        super().__init__(**kwargs)
        self.item = item
        self.deferrable = deferrable

    @property
    def loads(self) -> dict[str, list[dict[str, str]]]:
        started = set(self.item["resume"]) - set(self.item["keep_stopped"])
        return loads_to_wait_for(self.item.get("loads", {}), started)

    def execute(self, context: Any) -> Any:
        if not self.loads:
            self.log.info("no table loads for the first time in this step")
            return None
        if not self.deferrable:
            try:
                return super().execute(context)
            except AirflowSensorTimeout as error:
                raise AirflowFailException(self._timeout_message(None)) from error
        if self.poke(context):
            return None
        self.defer(
            trigger=FullLoadsDoneTrigger(
                loads=self.loads,
                deadline=time.time() + float(self.timeout),
                poll_seconds=float(self.poke_interval),
                **aws_kwargs(self),
            ),
            method_name="execute_complete",
            # A backstop only: the trigger reports its own deadline with a clear message.
            timeout=timedelta(seconds=float(self.timeout) * 1.1 + 60),
        )

    def poke(self, context: Any) -> bool:
        progress = load_progress(self.hook.conn, self.loads)
        self.log.info("%s", progress.describe())
        if progress.failures:
            raise AirflowFailException(self._failure_message(progress))
        return progress.done

    def execute_complete(self, context: Any, event: dict[str, Any]) -> None:
        progress = LoadProgress(
            done=event["done"], pending=tuple(event["pending"]), failures=tuple(event["failures"])
        )
        if progress.failures:
            raise AirflowFailException(self._failure_message(progress))
        if event["timed_out"]:
            raise AirflowFailException(self._timeout_message(progress))

    def _failure_message(self, progress: LoadProgress) -> str:
        return (
            f"{progress.describe()}. A table whose load did not complete holds partial LOAD "
            "files: bump its version (a new, empty folder) and deploy again; nothing was stopped"
        )

    def _timeout_message(self, progress: LoadProgress | None) -> str:
        what = progress.describe() if progress else "the full loads are not done"
        return (
            f"gave up waiting after {self.timeout:.0f}s: {what}. Nothing was stopped and the "
            "loads go on; verify_no_s3_overwrite has not run yet. When they complete, clear "
            "wait_for_full_loads to verify"
        )

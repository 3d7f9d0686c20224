"""`rehearse_tasks_running` and `rehearse_cdc_latency`: the rehearsal after a deploy.

Both run only when the run asks for it (`rehearse`), deployed something, and is no dry run;
otherwise they are skipped. Both only read (Describe, GetMetricData). A failure says that
this environment did not hold the change and must not be promoted.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook
from airflow.providers.amazon.aws.hooks.dms import DmsHook
from airflow.providers.amazon.aws.sensors.base_aws import AwsBaseSensor
from airflow.providers.amazon.aws.utils.mixins import aws_template_fields
from airflow.sdk.exceptions import (
    AirflowFailException,
    AirflowSensorTimeout,
    AirflowSkipException,
)

from dms_deploy.apply.rehearsal import (
    RehearsalScope,
    Soak,
    did_not_hold,
    no_latency_data,
    read_latencies,
    read_tasks,
    rehearsal_scope,
    replicating_tasks,
    still_loading,
    tasks_in_full_load,
)
from dms_deploy.operators.account import ConfirmsAccount
from dms_deploy.plan.model import Plan
from dms_deploy.triggers.aws import aws_kwargs
from dms_deploy.triggers.rehearsal import LatencySoakTrigger, TasksRunningTrigger


class _RehearsalSensor(ConfirmsAccount, AwsBaseSensor[DmsHook]):
    aws_hook_class = DmsHook
    template_fields: Sequence[str] = aws_template_fields("checked", "expected_account")

    def __init__(
        self,
        *,
        checked: Any,
        expected_account: dict | None = None,
        deferrable: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.checked = checked
        self.expected_account = expected_account
        self.deferrable = deferrable

    def scope(self, context: Any) -> RehearsalScope:
        """What to rehearse; skips the task when the run does not rehearse anything."""
        if not context["params"].get("rehearse"):
            raise AirflowSkipException("no rehearsal: the run's rehearse param is off")
        if self.checked["dry_run"]:
            raise AirflowSkipException("no rehearsal: a dry run deploys nothing")
        items = [item for step in self.checked.get("items") or [] for item in step]
        scope = rehearsal_scope(Plan.from_dict(self.checked["plan"]), items)
        if not scope.tasks:
            raise AirflowSkipException("no rehearsal: the plan changed no task that runs")
        return scope

    def confirm_rehearsed_account(self) -> None:
        """A rehearsal read in another account would judge tasks that are not the ones
        deployed, and could pass: the account is confirmed before the first read."""
        self.confirm_account(
            f"nothing was read there, and this rehearsal did not hold, so the change must not "
            f"be promoted to production. Point connection {self.aws_conn_id!r} at the "
            f"environment's account again, then clear {self.task_id}"
        )


class RehearseTasksRunningSensor(_RehearsalSensor):
    """Waits until every task the plan changed runs (a full-load task that finished
    counts) and no new table's full load failed; loads still going are fine.

    Deferrable by default; otherwise in reschedule mode. `timeout` (seconds) bounds it."""

    def __init__(self, *, deferrable: bool = True, **kwargs: Any) -> None:
        if not deferrable:
            kwargs.setdefault("mode", "reschedule")
        super().__init__(deferrable=deferrable, **kwargs)

    def execute(self, context: Any) -> Any:
        scope = self.scope(context)
        self.confirm_rehearsed_account()
        if not self.deferrable:
            try:
                return super().execute(context)
            except AirflowSensorTimeout as error:
                raise AirflowFailException(self._timeout_message(["see the log"])) from error
        if self.poke(context):
            return None
        self.defer(
            trigger=TasksRunningTrigger(
                tasks=list(scope.tasks),
                loads=dict(scope.loads),
                deadline=time.time() + float(self.timeout),
                poll_seconds=float(self.poke_interval),
                **aws_kwargs(self),
            ),
            method_name="execute_complete",
            # A backstop only: the trigger reports its own deadline with a clear message.
            timeout=timedelta(seconds=float(self.timeout) * 1.1 + 60),
        )

    def poke(self, context: Any) -> bool:
        verdict = read_tasks(self.hook.conn, self.scope(context))
        self.log.info("%s", verdict.describe())
        if verdict.failures:
            raise AirflowFailException(did_not_hold(verdict.describe()))
        return verdict.ready

    def execute_complete(self, context: Any, event: dict[str, Any]) -> None:
        if event["failures"]:
            raise AirflowFailException(did_not_hold("; ".join(event["failures"])))
        if event["timed_out"]:
            raise AirflowFailException(self._timeout_message(event["waiting"]))
        self.log.info("every changed task is running")

    def _timeout_message(self, waiting: list[str]) -> str:
        return did_not_hold(
            f"after {self.timeout:.0f}s these tasks still do not run: {', '.join(waiting)}"
        )


class RehearseCdcLatencySensor(_RehearsalSensor):
    """Watches the changed tasks' CDC latency (CDCLatencySource/Target) for a soak window
    and fails as soon as one reaches `limit_seconds`; succeeds when the window ends, if
    every task had datapoints during it (a task still in a full load is let through with
    a warning: it may publish no CDC latency until the load ends)."""

    def __init__(
        self, *, limit_seconds: float, soak_minutes: float, deferrable: bool = True, **kwargs: Any
    ) -> None:
        soak = soak_minutes * 60
        # The soak itself is the wait: the timeout is only a backstop beyond it.
        kwargs.setdefault("timeout", soak * 1.5 + 300)
        super().__init__(deferrable=deferrable, **kwargs)
        self.limit_seconds = limit_seconds
        self.soak_seconds = soak

    def execute(self, context: Any) -> None:
        scope = self.scope(context)
        self.confirm_rehearsed_account()
        watched = replicating_tasks(self.hook.conn, scope.tasks)
        if not watched:
            self.log.info("no changed task replicates changes: no CDC latency to watch")
            return
        soak_from = time.time()
        soak_until = soak_from + self.soak_seconds
        self.log.info(
            "watching the CDC latency of %s for %.0fs (limit %.0fs)",
            ", ".join(t.identifier for t in watched),
            self.soak_seconds,
            self.limit_seconds,
        )
        if self.deferrable:
            self.defer(
                trigger=LatencySoakTrigger(
                    tasks=[
                        {"identifier": t.identifier, "arn": t.arn, "instance": t.instance}
                        for t in watched
                    ],
                    limit_seconds=self.limit_seconds,
                    soak_until=soak_until,
                    soak_from=soak_from,
                    poll_seconds=float(self.poke_interval),
                    **aws_kwargs(self),
                ),
                method_name="execute_complete",
                timeout=timedelta(seconds=float(self.timeout)),
            )
        # Without a triggerer the soak runs here and holds a worker slot for its length.
        cloudwatch = AwsBaseHook(
            aws_conn_id=self.aws_conn_id,
            region_name=self.region_name,
            verify=self.verify,
            config=self.botocore_config,
            client_type="cloudwatch",
        ).conn
        soak = Soak(tuple(t.identifier for t in watched), soak_from)
        while True:
            self._fail_on(soak.observe(read_latencies(cloudwatch, watched), self.limit_seconds))
            if time.time() >= soak_until:
                break
            time.sleep(min(float(self.poke_interval), max(0.0, soak_until - time.time())))
        self._held(soak.unmeasured())

    def execute_complete(self, context: Any, event: dict[str, Any]) -> None:
        self._fail_on(event["breaches"])
        self._held(event.get("unmeasured", []))

    def _fail_on(self, breaches: list[str]) -> None:
        if breaches:
            raise AirflowFailException(
                did_not_hold(
                    f"CDC latency reached the limit of {self.limit_seconds:.0f}s during the "
                    f"soak: {'; '.join(breaches)}"
                )
            )

    def _held(self, unmeasured: list[str]) -> None:
        """The end of a soak without breaches: it held if every task had datapoints, or
        the tasks without any are still in a full load (one Describe call and one
        DescribeTableStatistics per such task)."""
        if unmeasured:
            dms = self.hook.conn
            loading = tasks_in_full_load(dms, unmeasured)
            silent = [t for t in unmeasured if t not in loading]
            if silent:
                raise AirflowFailException(
                    no_latency_data(silent, self.soak_seconds, dms.meta.region_name)
                )
            for line in still_loading(loading):
                self.log.warning("%s", line)
        self.log.info("CDC latency stayed under %.0fs", self.limit_seconds)

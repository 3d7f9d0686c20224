"""`watch_drift`: the drift watch as one Airflow task; it fails when there are findings."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.sdk.exceptions import AirflowFailException
from botocore.exceptions import BotoCoreError, ClientError

from dms_deploy.audit.ledger import LedgerUnusable, RecordExists, ledger_location, write_record
from dms_deploy.audit.watch_record import WatchRun, build_watch_record
from dms_deploy.operators.plan_step import CheckStateOperator
from dms_deploy.paths import resolve_dirs
from dms_deploy.watch.findings import WatchReport
from dms_deploy.watch.live import WatchSettings, watch_against_aws


class WatchDriftOperator(CheckStateOperator):
    """Reads live state read-only (as `check_state` does, with the same clients) plus table
    statistics and CloudWatch metrics; logs and returns the report; fails on any finding,
    with a message that lists them and what to do. A failure is final: retrying finds the
    same live state, and the next scheduled run looks again.

    Each run adds its record to the audit ledger (`audit.watch_record`), the one write it
    makes: a conditional PutObject under `<folder>/deployments/`, never an overwrite."""

    def __init__(
        self,
        *,
        latency_seconds: float = WatchSettings.latency_seconds,
        window_minutes: int = WatchSettings.window_minutes,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.latency_seconds = latency_seconds
        self.window_minutes = window_minutes

    def _cloudwatch(self) -> Any:
        return AwsBaseHook(client_type="cloudwatch", **self._hook_parameters).conn

    def execute(self, context: Any) -> dict:
        dirs = resolve_dirs(self.configs_dir, self.templates_dir)
        try:
            report = watch_against_aws(
                *dirs,
                self._clients,
                self._cloudwatch,
                WatchSettings(self.latency_seconds, self.window_minutes),
            )
        except (BotoCoreError, ClientError) as error:
            # The run still leaves its record: the watch could not look.
            unreadable = WatchReport(unreadable=f"cannot read AWS: {error}")
            unrecorded = self._record(context, dirs[0], unreadable)
            if unrecorded:
                self.log.warning("%s", unrecorded)
            raise
        self.log.info("%s", report.summary())
        unrecorded = self._record(context, dirs[0], report)
        if not report.healthy or unrecorded:
            raise AirflowFailException("\n\n".join(filter(None, [report.summary(), unrecorded])))
        return report.to_dict()

    def _record(self, context: Any, configs_dir: Path, report: WatchReport) -> str | None:
        """Add the run's record to the ledger; why it was not written, or None."""
        if report.other_account:
            self.log.warning("not recorded: the credentials belong to another account")
            return None
        ti, dag_run = context["ti"], context["dag_run"]
        run = WatchRun(
            run_id=ti.run_id,
            attempt=ti.try_number,
            dag_id=ti.dag_id,
            run_type=getattr(dag_run.run_type, "value", dag_run.run_type),
            recorded_at=datetime.now(UTC).isoformat(timespec="seconds"),
            report=report.to_dict(),
        )
        try:
            location = ledger_location(configs_dir)
            s3 = S3Hook(**self._hook_parameters).conn
            key = write_record(s3, location, build_watch_record(run))
        except (LedgerUnusable, RecordExists, BotoCoreError, ClientError) as error:
            return (
                f"the watch's audit record was not written: {error}. Fix the cause (the drift "
                "policy allows PutObject under <folder>/deployments/ with If-None-Match "
                "only); the next run records again"
            )
        self.log.info("recorded: %s", location.url(key))
        return None

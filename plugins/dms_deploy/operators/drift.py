"""`watch_drift`: the drift watch as one Airflow task; it fails when there are findings."""

from __future__ import annotations

from typing import Any

from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook
from airflow.sdk.exceptions import AirflowFailException

from dms_deploy.operators.plan_step import CheckStateOperator
from dms_deploy.paths import resolve_dirs
from dms_deploy.watch.live import WatchSettings, watch_against_aws


class WatchDriftOperator(CheckStateOperator):
    """Reads live state read-only (as `check_state` does, with the same clients) plus table
    statistics and CloudWatch metrics; logs and returns the report; fails on any finding,
    with a message that lists them and what to do. A failure is final: retrying finds the
    same live state, and the next scheduled run looks again."""

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
        report = watch_against_aws(
            *resolve_dirs(self.configs_dir, self.templates_dir),
            self._clients,
            self._cloudwatch,
            WatchSettings(self.latency_seconds, self.window_minutes),
        )
        self.log.info("%s", report.summary())
        if not report.healthy:
            raise AirflowFailException(report.summary())
        return report.to_dict()

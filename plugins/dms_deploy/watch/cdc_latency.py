"""Read the CDC latency of tasks from CloudWatch: `CDCLatencySource` and `CDCLatencyTarget`.

DMS publishes them in the `AWS/DMS` namespace, in seconds, with the dimensions
`ReplicationInstanceIdentifier` and `ReplicationTaskIdentifier`:
https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Monitoring.html
The task dimension holds the resource id at the end of the task's ARN
(`arn:aws:dms:<region>:<account>:task:<resource id>`), not the identifier we give the task.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

NAMESPACE = "AWS/DMS"
METRICS = ("CDCLatencySource", "CDCLatencyTarget")
# DMS publishes task metrics every minute; the newest full minute is what "now" means.
PERIOD_SECONDS = 60
# GetMetricData takes at most 500 queries per call.
_QUERIES_PER_CALL = 500


@dataclass(frozen=True)
class WatchedTask:
    identifier: str  # ReplicationTaskIdentifier, as the config names it
    arn: str
    instance: str  # ReplicationInstanceIdentifier

    @property
    def resource_id(self) -> str:
        return self.arn.rsplit(":", 1)[-1]


@dataclass(frozen=True)
class Latency:
    task: str
    metric: str
    seconds: float
    at: datetime


def latest_latencies(
    cloudwatch: Any,
    tasks: Iterable[WatchedTask],
    window_minutes: int,
    now: datetime | None = None,
) -> list[Latency]:
    """The newest one-minute Maximum of each metric of each task within the window.

    A task without datapoints in the window (not replicating changes yet, or the metrics
    lag) has none: the watch reports only latencies that were measured.
    """
    # Periods aligned on whole minutes, up to the end of the current one: the minute under
    # way holds the newest datapoints.
    end = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    end += timedelta(seconds=PERIOD_SECONDS)
    start = end - timedelta(minutes=window_minutes)
    queries = {}
    for index, task in enumerate(tasks):
        for metric in METRICS:
            query_id = f"q{index}_{metric.lower()}"
            queries[query_id] = (task.identifier, metric, _query(query_id, task, metric))
    found = []
    ids = list(queries)
    for offset in range(0, len(ids), _QUERIES_PER_CALL):
        batch = [queries[i][2] for i in ids[offset : offset + _QUERIES_PER_CALL]]
        paginator = cloudwatch.get_paginator("get_metric_data")
        for page in paginator.paginate(
            MetricDataQueries=batch, StartTime=start, EndTime=end, ScanBy="TimestampDescending"
        ):
            for result in page.get("MetricDataResults", []):
                values, stamps = result.get("Values") or [], result.get("Timestamps") or []
                if not values or result["Id"] not in queries:
                    continue
                task_id, metric, _ = queries[result["Id"]]
                # Newest first (ScanBy TimestampDescending).
                found.append(Latency(task_id, metric, float(values[0]), stamps[0]))
    return found


def _query(query_id: str, task: WatchedTask, metric: str) -> dict[str, Any]:
    return {
        "Id": query_id,
        "MetricStat": {
            "Metric": {
                "Namespace": NAMESPACE,
                "MetricName": metric,
                "Dimensions": [
                    {"Name": "ReplicationInstanceIdentifier", "Value": task.instance},
                    {"Name": "ReplicationTaskIdentifier", "Value": task.resource_id},
                ],
            },
            "Period": PERIOD_SECONDS,
            "Stat": "Maximum",
        },
        "ReturnData": True,
    }

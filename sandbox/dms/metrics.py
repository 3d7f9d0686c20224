"""CloudWatch metrics of running CDC tasks: CDCLatencySource and CDCLatencyTarget.

DMS publishes replication task metrics in the `AWS/DMS` namespace, with the dimensions
`ReplicationInstanceIdentifier` and `ReplicationTaskIdentifier`; the latencies are in seconds
(CDCLatencySource: from the last event captured at the source to now; CDCLatencyTarget: from
the oldest event not yet committed on the target to now):
https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Monitoring.html
The task dimension holds the resource id at the end of the task's ARN, not the identifier
the user chose (the console's metric links and CloudWatch's metric list name tasks so).

The sandbox puts one datapoint of each into moto's CloudWatch every minute (x time scale) while
a task replicates changes, whatever its CDC batch interval: the latencies are measured and
published continuously, not per batch (CloudWatch's DMS metrics have one-minute periods). Also
at once when the `hold-cdc-latency` fault is armed: a few seconds normally, the held
value under the fault. moto's GetMetricData and GetMetricStatistics answer from them. Under
the `withhold-cdc-metrics` fault a task publishes none, and GetMetricData answers its queries
with empty `Values`, as CloudWatch does for a period without datapoints:
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from typing import Any

from sandbox import ACCOUNT_ID, REGION
from sandbox.state import STATE

NAMESPACE = "AWS/DMS"
LATENCY_METRICS = ("CDCLatencySource", "CDCLatencyTarget")
# How often a running CDC task publishes its latencies, in AWS seconds.
PERIOD_SECONDS = 60.0


def task_resource_id(task: Any) -> str:
    return str(task.arn).rsplit(":", 1)[-1]


def instance_identifier(backend: Any, task: Any) -> str:
    instance = backend.replication_instances.get(task.replication_instance_arn)
    return instance.id if instance is not None else str(task.replication_instance_arn)


def latency(task: Any) -> float:
    """The held value under the fault, else a small deterministic latency (1-5 s)."""
    held = STATE.faults.held_cdc_latency.get(task.id)
    if held is not None:
        return float(held)
    return float(1 + zlib.crc32(task.id.encode()) % 5)


def publish_cdc_latency(backend: Any, task: Any, at: float) -> None:
    """One datapoint of each latency metric for the task, stamped `at` (epoch seconds);
    none under the `withhold-cdc-metrics` fault."""
    from moto.cloudwatch.models import cloudwatch_backends

    if task.id in STATE.faults.withheld_cdc_metrics:
        return

    dimensions = [
        {"Name": "ReplicationInstanceIdentifier", "Value": instance_identifier(backend, task)},
        {"Name": "ReplicationTaskIdentifier", "Value": task_resource_id(task)},
    ]
    value = latency(task)
    # Naive UTC, as moto stores the timestamps that PutMetricData parses.
    stamp = datetime.fromtimestamp(at, tz=UTC).replace(tzinfo=None)
    cloudwatch_backends[ACCOUNT_ID][REGION].put_metric_data(
        NAMESPACE,
        [
            {
                "MetricName": name,
                "Dimensions": dimensions,
                "Value": value,
                "Unit": "Seconds",
                "Timestamp": stamp,
            }
            for name in LATENCY_METRICS
        ],
    )


def dms_backend() -> Any:
    from moto.dms.models import dms_backends

    return dms_backends[ACCOUNT_ID][REGION]


def task_by_identifier(backend: Any, task_id: str) -> Any:
    return next((t for t in backend.replication_tasks.values() if t.id == task_id), None)

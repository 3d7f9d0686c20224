"""dms_drift: the watch between deploys. Read-only: it never changes anything.

Every run compares live AWS with the configs, as `dmsctl drift` does: drift (DMS108, task
settings included), tasks stopped against their config, failed tasks, stacks not settled,
tables in `Table error`, and CDC latency over a threshold (CloudWatch). It fails when it
finds any, with a message that lists them and what to do, and notifies through SNS when
DMS_DRIFT_SNS_TOPIC_ARN is set. Created paused: unpause it once the first deploy is done.
"""

from __future__ import annotations

import os
from datetime import datetime

from airflow.providers.amazon.aws.notifications.sns import SnsNotifier
from airflow.sdk import DAG

from dms_deploy.operators.drift import WatchDriftOperator
from dms_deploy.watch.live import DEFAULT_LATENCY_SECONDS, DEFAULT_WINDOW_MINUTES

AWS_CONN_ID = os.environ.get("DMS_DEPLOY_AWS_CONN_ID", "aws_default")
MAX_ATTEMPTS = int(os.environ.get("DMS_DEPLOY_AWS_MAX_ATTEMPTS", "10"))
SCHEDULE = os.environ.get("DMS_DRIFT_SCHEDULE", "@hourly")
SNS_TOPIC_ARN = os.environ.get("DMS_DRIFT_SNS_TOPIC_ARN", "")
LATENCY_SECONDS = float(os.environ.get("DMS_DRIFT_CDC_LATENCY_SECONDS", DEFAULT_LATENCY_SECONDS))


def notifiers() -> list[SnsNotifier]:
    """The failure notifiers: SNS when a topic is configured, else none (the failed run
    shows in Airflow). The message is the failed task's exception: the findings."""
    if not SNS_TOPIC_ARN:
        return []
    return [
        SnsNotifier(
            aws_conn_id=AWS_CONN_ID,
            target_arn=SNS_TOPIC_ARN,
            subject="dms_drift: findings in {{ ti.task_id }}",
            message="{{ exception }}\n\nRun: {{ ti.log_url }}",
        )
    ]


with DAG(
    dag_id="dms_drift",
    description="Watch live DMS and CloudFormation state for drift, read-only",
    schedule=SCHEDULE,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    is_paused_upon_creation=True,
    tags=["dms"],
    doc_md=__doc__,
) as dag:
    WatchDriftOperator(
        task_id="watch_drift",
        aws_conn_id=AWS_CONN_ID,
        # The control planes throttle: back off on the client side.
        botocore_config={"retries": {"mode": "adaptive", "max_attempts": MAX_ATTEMPTS}},
        latency_seconds=LATENCY_SECONDS,
        window_minutes=DEFAULT_WINDOW_MINUTES,
        on_failure_callback=notifiers(),
    )

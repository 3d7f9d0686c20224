"""The `dms_drift` DAG: its shape, its notifier, and runs against the sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from airflow.providers.amazon.aws.notifications.sns import SnsNotifier

from dms_deploy.cli import main
from sandbox.client import SandboxClient
from scripts.local_airflow import _result, load_dag

DAG_ID = "dms_drift"
TOPIC = "arn:aws:sns:us-east-1:123456789012:dms-drift"
BUCKET = "acme-data-lake"
LEDGER = "dms/deployments/"
DATA = "dms/data/"


def test_hourly_by_default_and_paused_on_creation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DMS_DRIFT_SCHEDULE", raising=False)
    dag = load_dag(DAG_ID)
    assert dag.schedule == "@hourly"
    assert dag.is_paused_upon_creation is True
    assert dag.max_active_runs == 1
    assert dag.task_ids == ["watch_drift"]


def test_the_schedule_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DMS_DRIFT_SCHEDULE", "0 */6 * * *")
    assert load_dag(DAG_ID).schedule == "0 */6 * * *"


def test_no_notifier_without_a_topic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DMS_DRIFT_SNS_TOPIC_ARN", raising=False)
    assert not load_dag(DAG_ID).get_task("watch_drift").on_failure_callback


def test_the_sns_notifier_is_wired_when_a_topic_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DMS_DRIFT_SNS_TOPIC_ARN", TOPIC)
    monkeypatch.setenv("DMS_DEPLOY_AWS_CONN_ID", "aws_drift")
    callbacks = load_dag(DAG_ID).get_task("watch_drift").on_failure_callback
    (notifier,) = callbacks
    assert isinstance(notifier, SnsNotifier)
    assert notifier.target_arn == TOPIC
    assert notifier.aws_conn_id == "aws_drift"


def run_drift() -> tuple[str, str]:
    dag = load_dag(DAG_ID)
    result = _result(dag.test())
    return result.state, result.tasks["watch_drift[-1]"]


def bucket_keys() -> set[str]:
    s3 = boto3.client("s3")
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    return {item["Key"] for page in pages for item in page.get("Contents", [])}


@pytest.mark.sandbox
@pytest.mark.e2e
def test_a_run_succeeds_when_healthy_and_fails_and_notifies_on_a_finding(
    deployed: SandboxClient,
    configs: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    sns = boto3.client("sns", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    topic = sns.create_topic(Name="dms-drift")["TopicArn"]
    queue = sqs.create_queue(QueueName="drift-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn["Attributes"]["QueueArn"])
    monkeypatch.setenv("DMS_DRIFT_SNS_TOPIC_ARN", topic)
    deployed.clear_calls()
    keys_before = bucket_keys()

    assert run_drift() == ("success", "success")
    assert not sqs.receive_message(QueueUrl=queue).get("Messages")

    deployed.fail_table("payments-transactions", "public", "payments")
    assert run_drift() == ("failed", "failed")
    (message,) = sqs.receive_message(QueueUrl=queue)["Messages"]
    body = json.loads(message["Body"])["Message"]
    assert "table-error table public.payments of task payments-transactions" in body
    assert "What to do:" in body
    writes = [
        c["operation"]
        for c in deployed.calls()
        if not c["operation"].startswith(("Describe", "List", "Get", "Receive"))
    ]
    # The watch changes nothing: its one write a run is its record in the audit ledger,
    # a new object under deployments/ (tests/production/test_iam_policy.py); the notifier
    # publishes once.
    assert [w for w in writes if w != "ValidateTemplate"] == ["PutObject", "PutObject", "Publish"]
    # Besides the CDC files the running tasks write under data/: the two records.
    added = {k for k in bucket_keys() - keys_before if not k.startswith(DATA)}
    assert len(added) == 2 and all(k.startswith(LEDGER) for k in added), added

    # `dmsctl history` lists them beside the deploys: recorded at, kind, run id, attempt...
    assert main(["history", "--configs", str(configs)]) == 0
    listed = [line.split() for line in capsys.readouterr().out.splitlines()]
    watched = [cells for cells in listed if cells[1:3] == ["drift", "watch"]]
    assert [cells[4:6] for cells in watched] == [["1", "success"], ["1", "failed"]]
    assert main(["history", "--configs", str(configs), watched[-1][3]]) == 0
    shown = capsys.readouterr().out
    assert "| table-error | table public.payments of task payments-transactions |" in shown


@pytest.mark.sandbox
@pytest.mark.e2e
def test_a_run_that_cannot_read_aws_still_leaves_its_record(
    deployed: SandboxClient, configs: Path, capsys: pytest.CaptureFixture
) -> None:
    deployed.deny("dms:DescribeReplicationTasks", times=100)
    assert run_drift() == ("failed", "failed")
    deployed.clear_faults()
    assert main(["history", "--configs", str(configs)]) == 0
    listed = [line.split() for line in capsys.readouterr().out.splitlines()]
    (watched,) = [cells for cells in listed if cells[1:3] == ["drift", "watch"]]
    assert watched[5] == "failed"
    assert main(["history", "--configs", str(configs), watched[3]]) == 0
    assert "- could not compare: cannot read AWS: " in capsys.readouterr().out

"""A full-load task that finishes its load before anyone sees it running counts as started
(Stubber with the documented DescribeReplicationTasks shape: Status, StopReason and
ReplicationTaskStats.StopDate)."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import ANY, Stubber

from dms_deploy.apply.dms_tasks import Waiting, resume_tasks
from dms_deploy.apply.errors import ApplyError

ARN = "arn:aws:dms:us-east-1:123456789012:task:ARCHIVE"
FINISHED = "Stop Reason FULL_LOAD_ONLY_FINISHED"


def task(status: str, stopped_at: int | None, reason: str | None = FINISHED) -> dict:
    data = {
        "ReplicationTaskIdentifier": "logistics-fleet-archive",
        "ReplicationTaskArn": ARN,
        "MigrationType": "full-load",
        "Status": status,
        "ReplicationTaskStartDate": datetime(2026, 11, 1, tzinfo=UTC),
    }
    if stopped_at is not None:
        data["ReplicationTaskStats"] = {
            "StopDate": datetime(2026, 11, 30, 12, 0, stopped_at, tzinfo=UTC)
        }
    if reason and status == "stopped":
        data["StopReason"] = reason
    return data


def stubbed(*after_start: dict):
    dms = boto3.client("dms", region_name="us-east-1")
    stub = Stubber(dms)
    described = {"Filters": ANY, "WithoutSettings": True}
    stub.add_response(
        "describe_replication_tasks", {"ReplicationTasks": [task("stopped", 1)]}, described
    )
    stub.add_response(
        "start_replication_task",
        {"ReplicationTask": task("starting", 1)},
        {"ReplicationTaskArn": ARN, "StartReplicationTaskType": "resume-processing"},
    )
    for state in after_start:
        stub.add_response("describe_replication_tasks", {"ReplicationTasks": [state]}, described)
    return dms, stub


def test_a_load_that_finished_since_the_start_ends_the_wait():
    # Still the old stop (not started yet), then already finished again: never seen running.
    dms, stub = stubbed(task("stopped", 1), task("stopped", 9))
    with stub:
        outcome = resume_tasks(
            dms, ["logistics-fleet-archive"], waiting=Waiting(60, 1, sleep=lambda _: None)
        )
    stub.assert_no_pending_responses()
    assert outcome == {"logistics-fleet-archive": "resume-processing"}


def test_a_stop_for_another_reason_is_not_a_finished_load():
    dms, stub = stubbed(task("stopped", 9, reason="Stop Reason FATAL_ERROR"))
    with stub, pytest.raises(Exception) as raised:
        resume_tasks(dms, ["logistics-fleet-archive"], waiting=Waiting(0, 1, sleep=lambda _: None))
    assert isinstance(raised.value, ApplyError) and "timed out" in str(raised.value)

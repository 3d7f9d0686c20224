"""The promise checks of tests/production/promises.py catch each broken promise."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from sandbox.client import SandboxClient
from scripts.local_airflow import REPO, deploy_directly
from tests.production.promises import broken_promises, data_objects

pytestmark = pytest.mark.sandbox


def eventually(check: Callable[[], Any], timeout: float = 30) -> Any:
    """The first truthy answer of `check`, or its last answer at the deadline."""
    deadline = time.monotonic() + timeout
    while not (answer := check()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return answer


def describe(dms: Any, identifier: str) -> dict:
    filters = [{"Name": "replication-task-id", "Values": [identifier]}]
    return dms.describe_replication_tasks(Filters=filters)["ReplicationTasks"][0]


def test_each_broken_promise_is_reported(sandbox: SandboxClient, tmp_path: Path) -> None:
    configs = tmp_path / "dms_configs"
    shutil.copytree(REPO / "dms_configs", configs)
    sandbox.bootstrap(str(configs))
    deploy_directly(configs)
    dms, s3 = boto3.client("dms"), boto3.client("s3")
    before = data_objects(s3, configs)
    assert before, "the deploy wrote no data to compare"
    assert broken_promises(dms, s3, configs, before) == []

    # Objects that changed or vanished since they were recorded.
    changed, *_ = sorted(before)
    recorded = {
        **before,
        changed: ['"0"', before[changed][1]],
        "dms/data/gone/LOAD1.csv": ["x", "2024-01-01T00:00:00+00:00"],
    }
    problems = broken_promises(dms, s3, configs, recorded)
    assert any(changed in p and "overwritten" in p for p in problems), problems
    assert any("dms/data/gone/LOAD1.csv vanished" in p for p in problems), problems

    # A task stopped against its config, and a full load interrupted by that stop.
    arn = describe(dms, "food-recipes")["ReplicationTaskArn"]
    dms.stop_replication_task(ReplicationTaskArn=arn)
    problems = eventually(lambda: broken_promises(dms, s3, configs, before))
    assert any("task food-recipes is stopp" in p and "wants it running" in p for p in problems)
    assert eventually(lambda: describe(dms, "food-recipes")["Status"] == "stopped")
    sandbox.hold_full_load("food-recipes")
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="reload-target")
    time.sleep(1)
    dms.stop_replication_task(ReplicationTaskArn=arn)
    problems = eventually(
        lambda: [p for p in broken_promises(dms, s3, configs, before) if "cancel" in p]
    )
    assert any("of food-recipes is Table cancelled" in p for p in problems), problems

    # A task configured paused that runs.
    dms.start_replication_task(
        ReplicationTaskArn=describe(dms, "payments-refunds-archive")["ReplicationTaskArn"],
        StartReplicationTaskType="start-replication",
    )
    problems = broken_promises(dms, s3, configs, before)
    assert any("payments-refunds-archive is" in p and "wants it stopped" in p for p in problems)

"""Helpers of the tests that drive a real, multi-process Airflow (deploy/airflow/): run
`dmsctl trigger` against it, read the sandbox behind it, and wait with a reason."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from deploy.airflow.run_local import LocalAirflow

LOADING = {"Before load", "Full load"}


def wait_for(what: str, check: Callable[[], object], timeout: float = 180) -> object:
    """Poll `check` until it returns something truthy; fail with `what` at the deadline."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(1)
    return result


def dmsctl_trigger(airflow: LocalAirflow, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "AIRFLOW_API_URL": airflow.api_url,
        "AIRFLOW_USERNAME": airflow.username,
        "AIRFLOW_PASSWORD": airflow.password,
    }
    env.pop("AIRFLOW_API_TOKEN", None)
    return subprocess.run(
        [str(Path(sys.executable).parent / "dmsctl"), "trigger", "--poll-interval", "1", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def explain(result: subprocess.CompletedProcess[str], airflow: LocalAirflow) -> str:
    return (
        f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}\n"
        f"--- logs\n{airflow.log_tails()}"
    )


def aws(airflow: LocalAirflow, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=airflow.sandbox_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def no_full_load_running(airflow: LocalAirflow) -> bool:
    """True once no table of any task is loading: a pause is then allowed (DMS105)."""
    dms = aws(airflow, "dms")
    for task in dms.describe_replication_tasks()["ReplicationTasks"]:
        stats = dms.describe_table_statistics(ReplicationTaskArn=task["ReplicationTaskArn"])
        if any(t["TableState"] in LOADING for t in stats["TableStatistics"]):
            return False
    return True


def run_id_of(result: subprocess.CompletedProcess[str]) -> str:
    match = re.search(r"^triggered dms_deploy run (\S+)", result.stdout, re.MULTILINE)
    assert match, result.stdout
    return match.group(1)

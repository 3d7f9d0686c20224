"""Small helpers shared by the fault scenarios: config edits and reading a run."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import boto3

from dms_deploy.apply.s3_guard import Snapshot
from scripts.local_airflow import RunResult, returns
from tests.faults.promises import DATA, objects

NEW_VERSION = "v202611260000"


def edit_team(configs: Path, team: str, change: Callable[[dict], None]) -> None:
    path = configs / "teams" / f"{team}.json"
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc, indent=2))


def add_table(configs: Path, team: str, task: str, source: str) -> str:
    """Add a table at NEW_VERSION; returns its folder's S3 prefix."""
    edit_team(
        configs,
        team,
        lambda d: d["tasks"][task]["tables"].append({"source": source, "version": NEW_VERSION}),
    )
    return folder(source, NEW_VERSION)


def set_version(configs: Path, team: str, task: str, source: str, version: str) -> None:
    def change(doc: dict) -> None:
        for table in doc["tasks"][task]["tables"]:
            if table["source"] == source:
                table["version"] = version

    edit_team(configs, team, change)


def folder(source: str, version: str) -> str:
    endpoint, schema, table = source.split("/")
    return f"{DATA}{endpoint}__{schema}__{table}__{version}/"


def plant(key: str) -> None:
    boto3.client("s3").put_object(Bucket="acme-data-lake", Key=key, Body=b"someone else's")


def remove(key: str) -> None:
    boto3.client("s3").delete_object(Bucket="acme-data-lake", Key=key)


def status(task_id: str) -> str:
    dms = boto3.client("dms")
    found = dms.describe_replication_tasks(
        Filters=[{"Name": "replication-task-id", "Values": [task_id]}]
    )["ReplicationTasks"]
    return found[0]["Status"]


def stop_by_hand(task_id: str) -> None:
    dms = boto3.client("dms")
    arn = dms.describe_replication_tasks(
        Filters=[{"Name": "replication-task-id", "Values": [task_id]}]
    )["ReplicationTasks"][0]["ReplicationTaskArn"]
    dms.stop_replication_task(ReplicationTaskArn=arn)
    dms.get_waiter("replication_task_stopped").wait(
        Filters=[{"Name": "replication-task-arn", "Values": [arn]}],
        WaiterConfig={"Delay": 1, "MaxAttempts": 60},
    )


def start_by_hand(task_id: str, kind: str = "resume-processing") -> None:
    dms = boto3.client("dms")
    arn = dms.describe_replication_tasks(
        Filters=[{"Name": "replication-task-id", "Values": [task_id]}]
    )["ReplicationTasks"][0]["ReplicationTaskArn"]
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType=kind)
    dms.get_waiter("replication_task_running").wait(
        Filters=[{"Name": "replication-task-arn", "Values": [arn]}],
        WaiterConfig={"Delay": 1, "MaxAttempts": 60},
    )


def stopped_by(result: RunResult) -> set[str]:
    stopped: set[str] = set()
    for step in ("step_1", "step_2", "step_3"):
        for value in returns(result, f"{step}.pause_tasks"):
            stopped |= set(value["stopped"])
    return stopped


def plan_of(result: RunResult) -> dict:
    (checked,) = returns(result, "check_state")
    return checked["plan"]


def objects_in(prefix: str) -> Snapshot:
    return objects(prefix)

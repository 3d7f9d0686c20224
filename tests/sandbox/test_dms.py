"""Contract tests: DMS task lifecycle, table statistics, simulated S3 data and task faults."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from dms_templates import team_template
from sandbox_helpers import client, lake_keys, poll, table_stats

pytestmark = pytest.mark.sandbox

ORDERS = ("food", "orders", "fooddb__food__orders__v1")
MENUS = ("food", "menus", "fooddb__food__menus__v1")
WAIT = {"Delay": 0.05, "MaxAttempts": 400}
PREFIX = "dms/data/"


def _deploy(tables: list, cdc_interval: int = 60) -> str:
    client("s3").create_bucket(Bucket="acme-data-lake")
    cfn = client("cloudformation")
    cfn.create_stack(
        StackName="team-food", TemplateBody=team_template(tables, cdc_interval=cdc_interval)
    )
    cfn.get_waiter("stack_create_complete").wait(StackName="team-food", WaiterConfig=WAIT)
    return poll(_task, lambda t: t["Status"] == "ready")["ReplicationTaskArn"]


def _task() -> dict:
    return client("dms").describe_replication_tasks()["ReplicationTasks"][0]


def _status(status: str) -> dict:
    return poll(_task, lambda t: t["Status"] == status)


def _stats(arn: str) -> dict[str, dict]:
    return table_stats(arn)


def _keys() -> dict[str, dict]:
    return lake_keys(PREFIX)


def _no_retry_dms():
    return boto3.client(
        "dms", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1})
    )


def test_task_lifecycle_and_full_load_writes_load_files(sandbox) -> None:
    """creating -> ready -> starting -> running; each table goes Before load -> Full load ->
    Table completed and LOAD00000001.csv appears under <folder>/<renamed schema>/<table>/."""
    arn = _deploy([ORDERS])
    dms = client("dms")
    started = dms.start_replication_task(
        ReplicationTaskArn=arn, StartReplicationTaskType="start-replication"
    )
    assert started["ReplicationTask"]["Status"] == "starting"
    _status("running")
    stats = poll(lambda: _stats(arn), lambda s: s["orders"]["TableState"] == "Table completed")
    assert stats["orders"]["SchemaName"] == "food"
    assert stats["orders"]["FullLoadRows"] > 0
    assert f"{PREFIX}fooddb__food__orders__v1/LOAD00000001.csv" in _keys()
    assert _task()["ReplicationTaskStats"]["FullLoadProgressPercent"] == 100


def test_cdc_files_follow_cdc_max_batch_interval(sandbox) -> None:
    """After the full load, CDC files named by timestamp arrive every CdcMaxBatchInterval."""
    arn = _deploy([ORDERS], cdc_interval=5)
    client("dms").start_replication_task(
        ReplicationTaskArn=arn, StartReplicationTaskType="start-replication"
    )
    keys = poll(_keys, lambda k: any(not n.rsplit("/", 1)[1].startswith("LOAD") for n in k))
    cdc = [k.rsplit("/", 1)[1] for k in keys if not k.rsplit("/", 1)[1].startswith("LOAD")]
    assert all(len(name) == len("20261126-170000123.csv") for name in cdc)
    assert _stats(arn)["orders"]["Inserts"] > 0


def test_modify_running_task_is_refused(sandbox) -> None:
    """modify_replication_task on a running task raises InvalidResourceStateFault."""
    arn = _deploy([ORDERS])
    dms = _no_retry_dms()
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    _status("running")
    with pytest.raises(dms.exceptions.InvalidResourceStateFault):
        dms.modify_replication_task(ReplicationTaskArn=arn, TableMappings=_task()["TableMappings"])


def test_start_replication_only_on_first_run_and_resume_loads_new_tables(sandbox) -> None:
    """start-replication is refused after the first run; resume-processing full-loads only
    tables newly added to the mapping."""
    arn = _deploy([ORDERS])
    dms = _no_retry_dms()
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    poll(lambda: _stats(arn), lambda s: s.get("orders", {}).get("TableState") == "Table completed")
    dms.stop_replication_task(ReplicationTaskArn=arn)
    assert _task()["Status"] == "stopping"
    _status("stopped")
    with pytest.raises(dms.exceptions.ClientError) as refused:
        dms.start_replication_task(
            ReplicationTaskArn=arn, StartReplicationTaskType="start-replication"
        )
    assert refused.value.response["Error"]["Code"] == "InvalidParameterCombinationException"
    orders_load = _keys()[f"{PREFIX}fooddb__food__orders__v1/LOAD00000001.csv"]["ETag"]
    mappings = team_template([ORDERS, MENUS])
    import json

    new_mappings = json.loads(mappings)["Resources"]["Task"]["Properties"]["TableMappings"]
    dms.modify_replication_task(ReplicationTaskArn=arn, TableMappings=new_mappings)
    _status("stopped")
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="resume-processing")
    stats = poll(
        lambda: _stats(arn), lambda s: s.get("menus", {}).get("TableState") == "Table completed"
    )
    assert stats["orders"]["TableState"] == "Table completed"
    keys = _keys()
    assert f"{PREFIX}fooddb__food__menus__v1/LOAD00000001.csv" in keys
    assert keys[f"{PREFIX}fooddb__food__orders__v1/LOAD00000001.csv"]["ETag"] == orders_load


def test_reload_target_overwrites_load_files(sandbox) -> None:
    """reload-target reloads every table: LOAD files are rewritten (a detectable overwrite)."""
    arn = _deploy([ORDERS])
    dms = client("dms")
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    poll(lambda: _stats(arn), lambda s: s.get("orders", {}).get("TableState") == "Table completed")
    key = f"{PREFIX}fooddb__food__orders__v1/LOAD00000001.csv"
    before = _keys()[key]
    dms.stop_replication_task(ReplicationTaskArn=arn)
    _status("stopped")
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="reload-target")
    after = poll(_keys, lambda k: k[key]["ETag"] != before["ETag"])[key]
    assert after["LastModified"] >= before["LastModified"]
    assert _stats(arn)["orders"]["FullLoadReloaded"] is True


def test_table_statistics_show_full_load_in_progress(sandbox) -> None:
    """While loading, describe_table_statistics reports 'Before load' or 'Full load'."""
    arn = _deploy([ORDERS])
    client("dms").start_replication_task(
        ReplicationTaskArn=arn, StartReplicationTaskType="start-replication"
    )
    _status("running")
    state = _stats(arn)["orders"]["TableState"]
    assert state in ("Before load", "Full load", "Table completed")
    poll(
        lambda: _stats(arn), lambda s: s["orders"]["TableState"] == "Full load", timeout=5
    ) if state != "Table completed" else None


def test_describe_filters_raise_resource_not_found(sandbox) -> None:
    """describe_* with filters that match nothing raise ResourceNotFoundFault."""
    dms = _no_retry_dms()
    with pytest.raises(dms.exceptions.ResourceNotFoundFault):
        dms.describe_replication_tasks(
            Filters=[{"Name": "replication-task-id", "Values": ["nope"]}]
        )
    with pytest.raises(dms.exceptions.ResourceNotFoundFault):
        dms.describe_endpoints(Filters=[{"Name": "endpoint-id", "Values": ["nope"]}])
    with pytest.raises(dms.exceptions.ResourceNotFoundFault):
        dms.describe_table_statistics(
            ReplicationTaskArn="arn:aws:dms:us-east-1:123456789012:task:NOPE"
        )
    assert dms.describe_replication_tasks()["ReplicationTasks"] == []


def test_hanging_stop_stays_stopping(sandbox) -> None:
    """hang_stop: the task stays 'stopping'."""
    arn = _deploy([ORDERS])
    dms = client("dms")
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    _status("running")
    sandbox.hang_stop("food-orders")
    dms.stop_replication_task(ReplicationTaskArn=arn)
    import time

    time.sleep(10 * sandbox.time_scale * 3)
    assert _task()["Status"] == "stopping"


def test_fail_on_resume(sandbox) -> None:
    """fail_on_resume: resume-processing ends in 'failed' with a LastFailureMessage."""
    arn = _deploy([ORDERS])
    dms = client("dms")
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    _status("running")
    dms.stop_replication_task(ReplicationTaskArn=arn)
    _status("stopped")
    sandbox.fail_on_resume("food-orders", message="Last Error Source unreachable")
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="resume-processing")
    task = _status("failed")
    assert task["LastFailureMessage"] == "Last Error Source unreachable"


def test_held_full_load_stays_in_full_load_until_released(sandbox) -> None:
    """hold_full_load: a long full load, as AWS shows one: the table stays 'Full load'
    (and its task 'running') until the faults are cleared; then it completes."""
    arn = _deploy([ORDERS])
    sandbox.hold_full_load("food-orders")
    client("dms").start_replication_task(
        ReplicationTaskArn=arn, StartReplicationTaskType="start-replication"
    )
    _status("running")
    poll(lambda: _stats(arn), lambda s: s["orders"]["TableState"] == "Full load", timeout=5)
    import time

    time.sleep(sandbox.time_scale * 40)  # well past the usual load time
    assert _stats(arn)["orders"]["TableState"] == "Full load"
    sandbox.clear_faults()
    poll(lambda: _stats(arn), lambda s: s["orders"]["TableState"] == "Table completed")

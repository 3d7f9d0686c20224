"""Contract tests: what a client reads to decide "is a load running?" tells one story, a
rename does not reload, ReloadTables overwrites LOAD files, and LOAD file contents.

https://docs.aws.amazon.com/dms/latest/APIReference/API_ReplicationTaskStats.html
https://docs.aws.amazon.com/dms/latest/APIReference/API_TableStatistics.html
https://docs.aws.amazon.com/dms/latest/APIReference/API_ReloadTables.html
https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.CustomizingTasks.TableMapping.SelectionTransformation.Transformations.html
"""

from __future__ import annotations

import json
import time

import pytest
from dms_templates import table_mappings, team_template
from sandbox_helpers import client, lake_keys, poll, table_stats

pytestmark = pytest.mark.sandbox

WAIT = {"Delay": 0.05, "MaxAttempts": 400}
ORDERS_V1 = ("food", "orders", "fooddb__food__orders__v1")
ORDERS_V2 = ("food", "orders", "fooddb__food__orders__v2")
MENUS = ("food", "menus", "fooddb__food__menus__v1")
PREFIX = "dms/data/"


def _deploy(tables: list, **kwargs) -> str:
    client("s3").create_bucket(Bucket="acme-data-lake")
    cfn = client("cloudformation")
    cfn.create_stack(StackName="team-food", TemplateBody=team_template(tables, **kwargs))
    cfn.get_waiter("stack_create_complete").wait(StackName="team-food", WaiterConfig=WAIT)
    dms = client("dms")
    dms.get_waiter("replication_task_ready").wait(WaiterConfig=WAIT)
    return dms.describe_replication_tasks()["ReplicationTasks"][0]["ReplicationTaskArn"]


def _task() -> dict:
    return client("dms").describe_replication_tasks()["ReplicationTasks"][0]


def _stats(arn: str) -> dict[str, dict]:
    return table_stats(arn)


def _keys() -> dict[str, dict]:
    return lake_keys(PREFIX)


def _start(arn: str, kind: str = "start-replication") -> None:
    client("dms").start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType=kind)


def _stop_and_modify(arn: str, tables: list) -> None:
    dms = client("dms")
    dms.stop_replication_task(ReplicationTaskArn=arn)
    dms.get_waiter("replication_task_stopped").wait(WaiterConfig=WAIT)
    dms.modify_replication_task(ReplicationTaskArn=arn, TableMappings=table_mappings(tables))
    poll(_task, lambda t: t["Status"] == "stopped")


def _loaded(arn: str) -> dict:
    return poll(
        lambda: _stats(arn), lambda s: s.get("orders", {}).get("TableState") == "Table completed"
    )


@pytest.mark.parametrize("migration_type", ["full-load", "full-load-and-cdc"])
def test_held_full_load_tells_one_story_before_and_after_release(sandbox, migration_type) -> None:
    arn = _deploy([ORDERS_V1], migration_type=migration_type)
    sandbox.hold_full_load("food-orders")
    _start(arn)
    starting = _task()
    assert starting["Status"] == "starting"
    assert starting["ReplicationTaskStats"]["FullLoadProgressPercent"] == 0
    poll(lambda: _stats(arn), lambda s: s.get("orders", {}).get("TableState") == "Full load")
    time.sleep(sandbox.time_scale * 40)  # well past the usual load time
    task, stats = _task(), _stats(arn)["orders"]
    assert task["Status"] == "running"
    assert "StopReason" not in task
    assert stats["TableState"] == "Full load"
    assert stats["FullLoadRows"] > 0  # rows count up while the table loads
    assert task["ReplicationTaskStats"]["TablesLoading"] == 1
    assert task["ReplicationTaskStats"]["TablesLoaded"] == 0
    assert task["ReplicationTaskStats"]["FullLoadProgressPercent"] < 100
    assert "FullLoadStartDate" in task["ReplicationTaskStats"]
    assert "FullLoadFinishDate" not in task["ReplicationTaskStats"]

    sandbox.clear_faults()
    _loaded(arn)
    if migration_type == "full-load":
        client("dms").get_waiter("replication_task_stopped").wait(WaiterConfig=WAIT)
    task = _task()
    assert task["ReplicationTaskStats"]["TablesLoaded"] == 1
    assert task["ReplicationTaskStats"]["TablesLoading"] == 0
    assert task["ReplicationTaskStats"]["FullLoadProgressPercent"] == 100
    assert "FullLoadFinishDate" in task["ReplicationTaskStats"]
    if migration_type == "full-load":
        assert task["StopReason"] == "Stop Reason FULL_LOAD_ONLY_FINISHED"
    else:
        assert task["Status"] == "running"
        assert "StopReason" not in task


def test_rename_only_resume_does_not_reload_but_remove_then_add_does(sandbox) -> None:
    """A version bump done in one step (only the rename target changes) is not reloaded:
    DMS keeps replicating changes into the new folder, which gets no LOAD file. Removing the
    table, resuming, then adding it back under the new name loads it as a new table."""
    arn = _deploy([ORDERS_V1, MENUS], cdc_interval=1)
    _start(arn)
    _loaded(arn)
    v2 = f"{PREFIX}fooddb__food__orders__v2/"

    _stop_and_modify(arn, [ORDERS_V2, MENUS])  # one step: only the rename changes
    _start(arn, "resume-processing")
    cdc = poll(_keys, lambda k: any(key.startswith(v2) for key in k), timeout=10)
    assert not any(key.startswith(v2 + "LOAD") for key in cdc)
    assert _stats(arn)["orders"]["FullLoadReloaded"] is False

    _stop_and_modify(arn, [MENUS])  # two steps: remove, resume, ...
    _start(arn, "resume-processing")
    poll(_task, lambda t: t["Status"] == "running")
    assert "orders" not in _stats(arn)
    _stop_and_modify(arn, [ORDERS_V2, MENUS])  # ... then add back
    _start(arn, "resume-processing")
    _loaded(arn)
    assert f"{v2}LOAD00000001.csv" in _keys()


def test_reload_tables_overwrites_load_files_and_marks_the_table(sandbox) -> None:
    arn = _deploy([ORDERS_V1])
    dms = client("dms")
    with pytest.raises(dms.exceptions.InvalidResourceStateFault):
        dms.reload_tables(
            ReplicationTaskArn=arn, TablesToReload=[{"SchemaName": "food", "TableName": "orders"}]
        )
    _start(arn)
    _loaded(arn)
    key = f"{PREFIX}fooddb__food__orders__v1/LOAD00000001.csv"
    before = _keys()[key]["ETag"]
    answer = dms.reload_tables(
        ReplicationTaskArn=arn, TablesToReload=[{"SchemaName": "food", "TableName": "orders"}]
    )
    assert answer["ReplicationTaskArn"] == arn
    assert _stats(arn)["orders"]["TableState"] in ("Before load", "Full load")
    after = poll(_keys, lambda k: k[key]["ETag"] != before)
    assert key in after  # the same key, new content: an overwrite
    stats = _loaded(arn)["orders"]
    assert stats["FullLoadReloaded"] is True
    assert _task()["Status"] == "running"


def test_include_op_for_full_load_writes_the_operation_column(sandbox) -> None:
    arn = _deploy([ORDERS_V1], s3_settings={"IncludeOpForFullLoad": True})
    _start(arn)
    _loaded(arn)
    key = f"{PREFIX}fooddb__food__orders__v1/LOAD00000001.csv"
    body = client("s3").get_object(Bucket="acme-data-lake", Key=key)["Body"].read().decode()
    assert all(line.startswith("I,") for line in body.splitlines())
    assert json.loads(_task()["TableMappings"])  # the task itself is unchanged

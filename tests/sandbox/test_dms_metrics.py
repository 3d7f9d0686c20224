"""Contract tests: running CDC tasks publish CDCLatencySource/Target to CloudWatch, the
`hold-cdc-latency` fault holds them, `withhold-cdc-metrics` suppresses them, and
`fail-table` puts one table in `Table error`.

https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Monitoring.html
https://docs.aws.amazon.com/dms/latest/APIReference/API_TableStatistics.html
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from dms_templates import team_template
from sandbox_helpers import client, poll

pytestmark = pytest.mark.sandbox

WAIT = {"Delay": 0.05, "MaxAttempts": 400}
ORDERS = ("food", "orders", "fooddb__food__orders__v1")


def _running(migration_type: str = "full-load-and-cdc") -> dict:
    client("s3").create_bucket(Bucket="acme-data-lake")
    cfn = client("cloudformation")
    body = team_template([ORDERS], migration_type=migration_type)
    cfn.create_stack(StackName="team-food", TemplateBody=body)
    cfn.get_waiter("stack_create_complete").wait(StackName="team-food", WaiterConfig=WAIT)
    dms = client("dms")
    dms.get_waiter("replication_task_ready").wait(WaiterConfig=WAIT)
    arn = dms.describe_replication_tasks()["ReplicationTasks"][0]["ReplicationTaskArn"]
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    dms.get_waiter("replication_task_running").wait(WaiterConfig=WAIT)
    return dms.describe_replication_tasks()["ReplicationTasks"][0]


def _latencies(task: dict, metric: str) -> list[dict]:
    instance = client("dms").describe_replication_instances(
        Filters=[{"Name": "replication-instance-arn", "Values": [task["ReplicationInstanceArn"]]}]
    )["ReplicationInstances"][0]
    now = datetime.now(UTC)
    return client("cloudwatch").get_metric_statistics(
        Namespace="AWS/DMS",
        MetricName=metric,
        Dimensions=[
            {
                "Name": "ReplicationInstanceIdentifier",
                "Value": instance["ReplicationInstanceIdentifier"],
            },
            {
                "Name": "ReplicationTaskIdentifier",
                "Value": task["ReplicationTaskArn"].split(":")[-1],
            },
        ],
        StartTime=now - timedelta(minutes=10),
        EndTime=now + timedelta(minutes=1),
        Period=60,
        Statistics=["Maximum"],
    )["Datapoints"]


@pytest.mark.parametrize("metric", ["CDCLatencySource", "CDCLatencyTarget"])
def test_a_running_cdc_task_publishes_its_latency_and_the_fault_holds_it(sandbox, metric) -> None:
    task = _running()
    points = poll(lambda: _latencies(task, metric), bool, timeout=30)
    assert all(1 <= p["Maximum"] <= 5 and p["Unit"] == "Seconds" for p in points)
    sandbox.hold_cdc_latency(task["ReplicationTaskIdentifier"], 900)
    assert max(p["Maximum"] for p in _latencies(task, metric)) == 900


def test_a_full_load_task_publishes_no_cdc_latency(sandbox) -> None:
    task = _running("full-load")
    sandbox.hold_cdc_latency(task["ReplicationTaskIdentifier"], 900)
    assert _latencies(task, "CDCLatencySource") == []


def test_withheld_metrics_leave_a_running_cdc_task_without_datapoints(sandbox) -> None:
    sandbox.withhold_cdc_metrics("food-orders")
    task = _running()
    sandbox.hold_cdc_latency(task["ReplicationTaskIdentifier"], 900)  # would publish at once
    assert client("dms").describe_replication_tasks()["ReplicationTasks"][0]["Status"] == "running"
    assert _latencies(task, "CDCLatencySource") == []
    assert _latencies(task, "CDCLatencyTarget") == []


def test_a_failed_table_is_in_table_error_and_the_task_runs_on(sandbox) -> None:
    task = _running()
    sandbox.fail_table(task["ReplicationTaskIdentifier"], "food", "orders")
    dms = client("dms")
    errored = dms.describe_table_statistics(
        ReplicationTaskArn=task["ReplicationTaskArn"],
        Filters=[{"Name": "table-state", "Values": ["Table error"]}],
    )["TableStatistics"]
    assert [(t["SchemaName"], t["TableName"]) for t in errored] == [("food", "orders")]
    live = dms.describe_replication_tasks()["ReplicationTasks"][0]
    assert live["Status"] == "running"
    assert live["ReplicationTaskStats"]["TablesErrored"] == 1


def test_a_table_failed_mid_load_stays_in_error_and_the_load_still_finishes(sandbox) -> None:
    """The held load ends after the table failed: no LOAD file, no `Table completed`, and
    the task's full load finishes with the table counted as errored."""
    cfn_task = "food-orders"
    sandbox.hold_full_load(cfn_task)
    task = _running()
    dms = client("dms")
    sandbox.fail_table(task["ReplicationTaskIdentifier"], "food", "orders")
    sandbox.clear_faults()  # the held load ends now

    live = poll(
        lambda: dms.describe_replication_tasks()["ReplicationTasks"][0],
        lambda task: "FullLoadFinishDate" in task["ReplicationTaskStats"],
    )
    assert live["ReplicationTaskStats"]["TablesErrored"] == 1
    assert live["ReplicationTaskStats"]["TablesLoaded"] == 0
    listed = client("s3").list_objects_v2(Bucket="acme-data-lake").get("Contents", [])
    assert not [o["Key"] for o in listed if "/LOAD" in o["Key"]]


def test_failing_an_unknown_table_is_refused(sandbox) -> None:
    task = _running()
    with pytest.raises(Exception, match="404"):
        sandbox.fail_table(task["ReplicationTaskIdentifier"], "food", "nope")

"""The drift watch against the sandbox: one test per finding kind, a healthy world without
findings, and the call log's proof that the watch writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dms_deploy.paths import default_templates_dir
from dms_deploy.state.clients import AwsClients
from dms_deploy.watch.clients import cloudwatch_client
from dms_deploy.watch.findings import WatchFinding, WatchReport
from dms_deploy.watch.live import WatchSettings, watch_against_aws
from sandbox.client import SandboxClient
from tests.planner.sandbox_world import READ_ONLY_PREFIXES, wait

pytestmark = pytest.mark.sandbox


def watch(configs: Path, latency_seconds: float = 600.0) -> WatchReport:
    return watch_against_aws(
        configs,
        default_templates_dir(),
        lambda: AwsClients.from_hooks(aws_conn_id=None),
        lambda: cloudwatch_client(aws_conn_id=None),
        WatchSettings(latency_seconds=latency_seconds),
    )


def only(report: WatchReport) -> WatchFinding:
    assert len(report.findings) == 1, report.summary()
    return report.findings[0]


def task_arn(dms, ident: str) -> str:
    tasks = dms.describe_replication_tasks(
        Filters=[{"Name": "replication-task-id", "Values": [ident]}]
    )["ReplicationTasks"]
    return tasks[0]["ReplicationTaskArn"]


def status(dms, ident: str) -> str:
    return dms.describe_replication_tasks(
        Filters=[{"Name": "replication-task-id", "Values": [ident]}]
    )["ReplicationTasks"][0]["Status"]


def stop(dms, ident: str) -> str:
    arn = task_arn(dms, ident)
    dms.stop_replication_task(ReplicationTaskArn=arn)
    wait(lambda: status(dms, ident) == "stopped", f"{ident} stopped")
    return arn


def test_a_healthy_deployed_world_has_no_findings(deployed: SandboxClient, configs: Path) -> None:
    report = watch(configs)
    assert report.healthy, report.summary()
    assert report.watched == {"stacks": 4, "tasks": 9}


def test_the_watch_is_read_only(deployed: SandboxClient, configs: Path, dms) -> None:
    deployed.hold_cdc_latency("payments-transactions", 900)
    deployed.clear_calls()
    report = watch(configs)
    assert report.findings
    operations = [c["operation"] for c in deployed.calls()]
    assert {"DescribeTableStatistics", "GetMetricData", "DescribeReplicationTasks"} <= set(
        operations
    )
    writes = [op for op in operations if not op.startswith(READ_ONLY_PREFIXES)]
    assert set(writes) <= {"ValidateTemplate"}, writes


def test_settings_edited_in_dms_are_drift(deployed: SandboxClient, configs: Path, dms) -> None:
    arn = stop(dms, "payments-ledger")
    live = json.loads(
        dms.describe_replication_tasks(
            Filters=[{"Name": "replication-task-id", "Values": ["payments-ledger"]}]
        )["ReplicationTasks"][0]["ReplicationTaskSettings"]
    )
    live["ChangeProcessingTuning"]["BatchApplyTimeoutMin"] = 9
    dms.modify_replication_task(ReplicationTaskArn=arn, ReplicationTaskSettings=json.dumps(live))
    wait(lambda: status(dms, "payments-ledger") == "stopped", "modified")
    findings = {(f.kind, f.resource): f for f in watch(configs).findings}
    drift = findings[("drift", "task payments-ledger")]
    assert "ChangeProcessingTuning.BatchApplyTimeoutMin" in drift.seen
    assert ("task-stopped", "task payments-ledger") in findings  # stopped to modify it


def test_a_task_stopped_against_its_config(deployed: SandboxClient, configs: Path, dms) -> None:
    stop(dms, "food-recipes")
    finding = only(watch(configs))
    assert (finding.kind, finding.resource) == ("task-stopped", "task food-recipes")
    assert "is stopped" in finding.seen
    assert "resume" in finding.action


def test_a_stack_not_settled(deployed: SandboxClient, configs: Path, cfn) -> None:
    deployed.hold_stack("dms-food")
    cfn.update_stack(
        StackName="dms-food",
        UsePreviousTemplate=True,
        Capabilities=["CAPABILITY_NAMED_IAM"],
        Tags=[{"Key": "by", "Value": "hand"}],
    )
    finding = only(watch(configs))
    assert (finding.kind, finding.resource) == ("stack-unsettled", "stack dms-food")
    assert "UPDATE_IN_PROGRESS" in finding.seen


def test_a_failed_task(deployed: SandboxClient, configs: Path, dms) -> None:
    arn = stop(dms, "logistics-fleet")
    deployed.fail_on_resume("logistics-fleet")
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="resume-processing")
    wait(lambda: status(dms, "logistics-fleet") == "failed", "failed")
    finding = only(watch(configs))
    assert (finding.kind, finding.resource) == ("task-failed", "task logistics-fleet")
    assert "FATAL_ERROR" in finding.seen


def test_a_table_in_error(deployed: SandboxClient, configs: Path) -> None:
    deployed.fail_table("payments-transactions", "public", "payments")
    finding = only(watch(configs))
    assert finding.kind == "table-error"
    assert finding.resource == "table public.payments of task payments-transactions"


def test_cdc_latency_over_the_threshold(deployed: SandboxClient, configs: Path) -> None:
    deployed.hold_cdc_latency("payments-transactions", 900)
    finding = only(watch(configs))
    assert (finding.kind, finding.resource) == ("cdc-latency", "task payments-transactions")
    assert "CDCLatency" in finding.seen and "900 s" in finding.seen
    assert watch(configs, latency_seconds=1000).healthy

"""Contract tests: the sandbox server, call log, reset, throttling and bootstrap."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config
from sandbox_helpers import client

pytestmark = pytest.mark.sandbox

REPO = Path(__file__).resolve().parents[2]


def test_starts_and_answers_its_health_route(tmp_path: Path) -> None:
    """`python -m sandbox` prints its endpoint URL, then answers on it. The start-up time is
    printed (`pytest -s`), not asserted: a loaded CI machine is no benchmark."""
    began = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", "0", "--time-scale", "0.02"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        url = process.stdout.readline().strip()  # type: ignore[union-attr]
        import urllib.request

        with urllib.request.urlopen(f"{url}/_sandbox/health", timeout=30) as response:
            assert json.loads(response.read())["ok"] is True
        print(f"sandbox answered {time.monotonic() - began:.2f} s after start")
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_call_log_records_operations_and_reset_clears_it(sandbox) -> None:
    """Every AWS call is logged with service and operation (JSON, query and REST protocols)."""
    client("dms").describe_replication_tasks()
    client("cloudformation").list_stacks()
    client("s3").list_buckets()
    calls = [(c["service"], c["operation"]) for c in sandbox.calls()]
    assert calls == [
        ("dms", "DescribeReplicationTasks"),
        ("cloudformation", "ListStacks"),
        ("s3", "ListBuckets"),
    ]
    sandbox.reset()
    assert sandbox.calls() == []


def test_reset_clears_moto_state(sandbox) -> None:
    """A reset empties every backend, so tests do not see each other's resources."""
    client("s3").create_bucket(Bucket="left-over")
    sandbox.reset()
    assert client("s3").list_buckets()["Buckets"] == []


def test_throttled_json_operation_is_retried_by_botocore(sandbox) -> None:
    """DMS answers a throttled call with HTTP 400 ThrottlingException; botocore retries it."""
    sandbox.throttle("DescribeReplicationTasks", times=2)
    dms = client("dms")
    dms.describe_replication_tasks()  # succeeds on the third attempt
    ops = [c["operation"] for c in sandbox.calls()]
    assert ops.count("DescribeReplicationTasks") == 3


def test_throttle_surfaces_when_retries_are_exhausted(sandbox) -> None:
    """With retries off, the throttling error reaches the caller with AWS's error code."""
    sandbox.throttle("ListStacks", times=1)
    cfn = boto3.client(
        "cloudformation",
        region_name="us-east-1",
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )
    with pytest.raises(botocore.exceptions.ClientError) as error:
        cfn.list_stacks()
    assert error.value.response["Error"]["Code"] == "Throttling"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    cfn.list_stacks()  # the fault is spent


def test_bootstrap_creates_network_bucket_and_secrets(sandbox, tmp_path: Path) -> None:
    """Bootstrap creates the network stack and its exports, the bucket and endpoint secrets."""
    (tmp_path / "teams").mkdir()
    (tmp_path / "base.json").write_text(
        json.dumps(
            {
                "stack_name": "dms-base",
                "network_stack_name": "network",
                "bucket": "acme-data-lake",
                "bucket_folder": "dms",
                "targets": {
                    "s3-1min": {"cdc_max_batch_interval_seconds": 60},
                    "s3-10min": {"cdc_max_batch_interval_seconds": 600},
                },
            }
        )
    )
    (tmp_path / "teams" / "food.json").write_text(
        json.dumps(
            {
                "endpoints": {
                    "fooddb": {
                        "engine": "mysql",
                        "server": "fooddb.internal",
                        "port": 3306,
                        "secret": "arn:aws:secretsmanager:us-east-1:123456789012:secret:dms/fooddb",
                    }
                }
            }
        )
    )
    sandbox.bootstrap(str(tmp_path))
    sandbox.bootstrap(str(tmp_path))  # idempotent

    stack = client("cloudformation").describe_stacks(StackName="network")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    exports = {e["Name"]: e["Value"] for e in client("cloudformation").list_exports()["Exports"]}
    vpc_id = exports["network-VpcId"]
    subnet_ids = exports["network-PrivateSubnetIds"].split(",")
    ec2 = client("ec2")
    assert ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    subnets = ec2.describe_subnets(SubnetIds=subnet_ids)["Subnets"]
    assert len(subnets) == 2 and {s["VpcId"] for s in subnets} == {vpc_id}
    client("s3").head_bucket(Bucket="acme-data-lake")
    secret = client("secretsmanager").describe_secret(SecretId="dms/fooddb")
    assert secret["Name"] == "dms/fooddb"


def test_bootstrap_tolerates_missing_configs(sandbox, tmp_path: Path) -> None:
    """Without configs the bootstrap still creates the default network stack."""
    summary = sandbox.bootstrap(str(tmp_path / "absent"))
    assert summary["network_stack"] == "network"
    client("cloudformation").describe_stacks(StackName="network")


def test_airflow_connection_points_at_the_sandbox(sandbox) -> None:
    """AIRFLOW_CONN_AWS_DEFAULT carries the endpoint URL, so Airflow hooks reach the sandbox."""
    import os

    conn = json.loads(os.environ["AIRFLOW_CONN_AWS_DEFAULT"])
    assert conn["extra"]["endpoint_url"] == sandbox.url
    assert os.environ["AWS_ENDPOINT_URL"] == sandbox.url

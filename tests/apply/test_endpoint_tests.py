"""Waiting for DMS to test a changed endpoint's connection before a resume (Stubber: the
documented DescribeEndpoints, DescribeReplicationTasks and DescribeConnections shapes)."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import ANY, Stubber

from dms_deploy.apply.dms_tasks import Waiting
from dms_deploy.apply.endpoint_tests import wait_for_connection_tests
from dms_deploy.apply.errors import ApplyError

ENDPOINT = "arn:aws:dms:us-east-1:123456789012:endpoint:SRC"
TARGET = "arn:aws:dms:us-east-1:123456789012:endpoint:TGT"
INSTANCE = "arn:aws:dms:us-east-1:123456789012:rep:INST"
NO_SLEEP = Waiting(timeout_seconds=60, poll_seconds=1, sleep=lambda _: None)


def connection(status: str, message: str | None = None) -> dict:
    data = {
        "ReplicationInstanceArn": INSTANCE,
        "ReplicationInstanceIdentifier": "food-1",
        "EndpointArn": ENDPOINT,
        "EndpointIdentifier": "food-recipesdb",
        "Status": status,
    }
    return data | ({"LastFailureMessage": message} if message else {})


def stubbed(*statuses: dict):
    dms = boto3.client("dms", region_name="us-east-1")
    stub = Stubber(dms)
    stub.add_response(
        "describe_endpoints",
        {"Endpoints": [{"EndpointIdentifier": "food-recipesdb", "EndpointArn": ENDPOINT}]},
        {"Filters": [{"Name": "endpoint-id", "Values": ["food-recipesdb"]}]},
    )
    task = {
        "ReplicationTaskIdentifier": "food-recipes",
        "ReplicationTaskArn": "arn:aws:dms:us-east-1:123456789012:task:T",
        "SourceEndpointArn": ENDPOINT,
        "TargetEndpointArn": TARGET,
        "ReplicationInstanceArn": INSTANCE,
        "Status": "stopped",
    }
    stub.add_response(
        "describe_replication_tasks",
        {"ReplicationTasks": [task]},
        {"Filters": ANY, "WithoutSettings": True},
    )
    expected = {
        "Filters": [
            {"Name": "endpoint-arn", "Values": [ENDPOINT]},
            {"Name": "replication-instance-arn", "Values": [INSTANCE]},
        ]
    }
    for status in statuses:
        stub.add_response("describe_connections", {"Connections": [status]}, expected)
    return dms, stub


def test_waits_while_testing_and_returns_when_successful():
    dms, stub = stubbed(connection("testing"), connection("testing"), connection("successful"))
    with stub:
        seen = wait_for_connection_tests(dms, ["food-recipes"], ["food-recipesdb"], NO_SLEEP)
    stub.assert_no_pending_responses()
    assert seen == ["endpoint food-recipesdb from instance food-1: successful"]


def test_a_failed_test_fails_with_the_dms_message():
    dms, stub = stubbed(connection("testing"), connection("failed", "Cannot connect to ODBC"))
    with stub, pytest.raises(ApplyError) as raised:
        wait_for_connection_tests(dms, ["food-recipes"], ["food-recipesdb"], NO_SLEEP)
    message = str(raised.value)
    assert "endpoint food-recipesdb from instance food-1: Cannot connect to ODBC" in message
    assert "test its connection again" in message


def test_no_changed_endpoint_makes_no_call():
    dms = boto3.client("dms", region_name="us-east-1")
    with Stubber(dms) as stub:
        assert wait_for_connection_tests(dms, ["food-recipes"], [], NO_SLEEP) == []
    stub.assert_no_pending_responses()

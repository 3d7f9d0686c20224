"""Contract tests: replication instance lifecycle and endpoint connection tests.

https://docs.aws.amazon.com/dms/latest/APIReference/API_ReplicationInstance.html
https://docs.aws.amazon.com/dms/latest/APIReference/API_TestConnection.html
https://docs.aws.amazon.com/dms/latest/APIReference/API_DescribeConnections.html
"""

from __future__ import annotations

import datetime

import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import client, poll

pytestmark = pytest.mark.sandbox

WAIT = {"Delay": 0.05, "MaxAttempts": 400}


def _instance(**extra) -> str:
    dms = client("dms")
    made = dms.create_replication_instance(
        ReplicationInstanceIdentifier="food-ri",
        ReplicationInstanceClass="dms.t3.medium",
        **extra,
    )["ReplicationInstance"]
    return made["ReplicationInstanceArn"]


def _endpoint(name: str = "fooddb") -> str:
    return client("dms").create_endpoint(
        EndpointIdentifier=name,
        EndpointType="source",
        EngineName="mysql",
        ServerName="fooddb.internal",
        Port=3306,
        Username="u",
        Password="p",
    )["Endpoint"]["EndpointArn"]


def _connections(**filters) -> list[dict]:
    args = {"Filters": [{"Name": k, "Values": [v]} for k, v in filters.items()]}
    return client("dms").describe_connections(**args)["Connections"]


def test_instance_becomes_available_and_the_waiter_sees_it(sandbox) -> None:
    """creating -> available (botocore's waiter succeeds); modifying -> available; the
    instance reports a timestamp create time, an engine version and its real subnet group."""
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    dms = client("dms")
    dms.create_replication_subnet_group(
        ReplicationSubnetGroupIdentifier="food-subnets",
        ReplicationSubnetGroupDescription="food",
        SubnetIds=[subnet],
    )
    arn = _instance(ReplicationSubnetGroupIdentifier="food-subnets")
    first = dms.describe_replication_instances()["ReplicationInstances"][0]
    assert first["ReplicationInstanceStatus"] == "creating"
    dms.get_waiter("replication_instance_available").wait(
        Filters=[{"Name": "replication-instance-arn", "Values": [arn]}], WaiterConfig=WAIT
    )
    instance = dms.describe_replication_instances()["ReplicationInstances"][0]
    assert isinstance(instance["InstanceCreateTime"], datetime.datetime)
    assert instance["EngineVersion"]
    group = instance["ReplicationSubnetGroup"]
    assert group["ReplicationSubnetGroupIdentifier"] == "food-subnets"
    assert group["VpcId"] == vpc
    assert [s["SubnetIdentifier"] for s in group["Subnets"]] == [subnet]

    modified = dms.modify_replication_instance(
        ReplicationInstanceArn=arn, AllocatedStorage=100, ApplyImmediately=True
    )["ReplicationInstance"]
    assert modified["ReplicationInstanceStatus"] == "modifying"
    dms.get_waiter("replication_instance_available").wait(
        Filters=[{"Name": "replication-instance-arn", "Values": [arn]}], WaiterConfig=WAIT
    )
    dms.delete_replication_instance(ReplicationInstanceArn=arn)
    dms.get_waiter("replication_instance_deleted").wait(
        Filters=[{"Name": "replication-instance-arn", "Values": [arn]}], WaiterConfig=WAIT
    )


def test_test_connection_needs_an_available_instance(sandbox) -> None:
    # At real speed `creating` lasts 6 s, not the test scale's 0.12 s that a busy machine
    # can outlast between the create and the test.
    previous = sandbox.set_time_scale(1.0)
    try:
        arn, endpoint = _instance(), _endpoint()
        with pytest.raises(ClientError) as raised:
            client("dms").test_connection(ReplicationInstanceArn=arn, EndpointArn=endpoint)
    finally:
        sandbox.set_time_scale(previous)
    assert raised.value.response["Error"]["Code"] == "InvalidResourceStateFault"
    assert _connections() == []


def test_connection_is_testing_then_successful_and_retested_after_modify(sandbox) -> None:
    arn, endpoint = _instance(), _endpoint()
    dms = client("dms")
    dms.get_waiter("replication_instance_available").wait(WaiterConfig=WAIT)
    tested = dms.test_connection(ReplicationInstanceArn=arn, EndpointArn=endpoint)["Connection"]
    assert tested["Status"] == "testing"
    assert tested["EndpointIdentifier"] == "fooddb"
    done = poll(_connections, lambda c: c[0]["Status"] != "testing")
    assert done[0]["Status"] == "successful"
    assert "LastFailureMessage" not in done[0]

    dms.modify_endpoint(EndpointArn=endpoint, Port=3307)
    assert _connections(**{"endpoint-arn": endpoint})[0]["Status"] == "testing"
    assert poll(_connections, lambda c: c[0]["Status"] != "testing")[0]["Status"] == "successful"

    dms.delete_endpoint(EndpointArn=endpoint)
    assert _connections() == []


def test_fail_connection_fault_fails_the_test_with_a_message(sandbox) -> None:
    arn, endpoint = _instance(), _endpoint()
    dms = client("dms")
    dms.get_waiter("replication_instance_available").wait(WaiterConfig=WAIT)
    sandbox.fail_connection("fooddb", message="Cannot connect to fooddb.internal:3306")
    dms.test_connection(ReplicationInstanceArn=arn, EndpointArn=endpoint)
    failed = poll(_connections, lambda c: c[0]["Status"] != "testing")[0]
    assert failed["Status"] == "failed"
    assert failed["LastFailureMessage"] == "Cannot connect to fooddb.internal:3306"
    sandbox.clear_faults()
    dms.test_connection(ReplicationInstanceArn=arn, EndpointArn=endpoint)
    assert poll(_connections, lambda c: c[0]["Status"] != "testing")[0]["Status"] == "successful"


def test_deny_fault_answers_access_denied_then_lets_calls_through(sandbox) -> None:
    """POST /_sandbox/faults/deny: the next N calls of an S3 operation get AccessDenied."""
    s3 = client("s3")
    s3.create_bucket(Bucket="acme-data-lake")
    sandbox.deny("s3:ListObjectsV2", times=2)
    for _ in range(2):
        with pytest.raises(ClientError) as raised:
            s3.list_objects_v2(Bucket="acme-data-lake")
        assert raised.value.response["Error"]["Code"] == "AccessDenied"
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert s3.list_objects_v2(Bucket="acme-data-lake")["KeyCount"] == 0
    s3.put_object(Bucket="acme-data-lake", Key="a", Body=b"x")  # other operations unaffected


def test_throttle_fault_works_for_s3_operations(sandbox) -> None:
    """A throttled ListObjectsV2 gets SlowDown (503); botocore retries it and succeeds."""
    s3 = client("s3")
    s3.create_bucket(Bucket="acme-data-lake")
    sandbox.clear_calls()
    sandbox.throttle("s3:ListObjectsV2", times=2)
    assert s3.list_objects_v2(Bucket="acme-data-lake")["KeyCount"] == 0
    listed = [c for c in sandbox.calls() if c["operation"] == "ListObjectsV2"]
    assert len(listed) == 3


def test_stack_completes_only_once_its_instances_are_available(sandbox) -> None:
    """CloudFormation's handler waits for a replication instance to be available."""
    from dms_templates import team_template

    cfn = client("cloudformation")
    cfn.create_stack(
        StackName="team-food",
        TemplateBody=team_template([("food", "orders", "fooddb__food__orders__v1")]),
    )
    statuses = {
        i["ReplicationInstanceStatus"]
        for i in client("dms").describe_replication_instances()["ReplicationInstances"]
    }
    assert statuses == {"creating"}
    cfn.get_waiter("stack_create_complete").wait(StackName="team-food", WaiterConfig=WAIT)
    statuses = {
        i["ReplicationInstanceStatus"]
        for i in client("dms").describe_replication_instances()["ReplicationInstances"]
    }
    assert statuses == {"available"}

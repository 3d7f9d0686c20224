"""A handful of moto's own DMS and CloudFormation tests, ported to the sandbox (server mode,
scaled time) as a second outside reference: where AWS agrees with moto, our extensions must
too. Adapted from getmoto/moto tests/test_dms/test_dms.py,
tests/test_dms/test_dms_connection_state.py and tests/test_cloudformation (the shape of each
assertion is moto's; states that AWS reaches later are polled for, since the sandbox models
time where moto answers at once).
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import client, poll

pytestmark = pytest.mark.sandbox

WAIT = {"Delay": 0.05, "MaxAttempts": 400}


def _error(call, **kwargs) -> dict:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    return raised.value.response["Error"]


def test_create_replication_instance_keeps_what_was_asked(sandbox) -> None:
    dms = client("dms")
    instance = dms.create_replication_instance(
        ReplicationInstanceIdentifier="test-instance",
        ReplicationInstanceClass="dms.t2.micro",
        AllocatedStorage=50,
        VpcSecurityGroupIds=["sg-12345"],
        AvailabilityZone="us-east-1a",
        PreferredMaintenanceWindow="sun:06:00-sun:14:00",
        MultiAZ=False,
        EngineVersion="3.4.6",
        AutoMinorVersionUpgrade=True,
        Tags=[{"Key": "Name", "Value": "Test Instance"}],
        PubliclyAccessible=True,
        NetworkType="IPV4",
    )["ReplicationInstance"]
    assert instance["ReplicationInstanceStatus"] == "creating"
    assert ":rep:test-instance" in instance["ReplicationInstanceArn"]
    dms.get_waiter("replication_instance_available").wait(WaiterConfig=WAIT)
    found = dms.describe_replication_instances(
        Filters=[{"Name": "replication-instance-id", "Values": ["test-instance"]}]
    )["ReplicationInstances"]
    assert len(found) == 1
    got = found[0]
    assert got["ReplicationInstanceStatus"] == "available"
    assert (got["ReplicationInstanceClass"], got["AllocatedStorage"]) == ("dms.t2.micro", 50)
    assert (got["AvailabilityZone"], got["EngineVersion"]) == ("us-east-1a", "3.4.6")
    assert got["MultiAZ"] is False and got["PubliclyAccessible"] is True
    assert got["VpcSecurityGroups"] == [{"Status": "active", "VpcSecurityGroupId": "sg-12345"}]


def test_describe_replication_instances_filters(sandbox) -> None:
    dms = client("dms")
    dms.create_replication_instance(
        ReplicationInstanceIdentifier="test-instance-1",
        ReplicationInstanceClass="dms.t2.micro",
        EngineVersion="3.4.5",
    )
    dms.create_replication_instance(
        ReplicationInstanceIdentifier="test-instance-2",
        ReplicationInstanceClass="dms.t2.small",
        EngineVersion="3.4.6",
    )
    assert len(dms.describe_replication_instances()["ReplicationInstances"]) == 2
    by_class = dms.describe_replication_instances(
        Filters=[{"Name": "replication-instance-class", "Values": ["dms.t2.micro"]}]
    )["ReplicationInstances"]
    assert [i["ReplicationInstanceIdentifier"] for i in by_class] == ["test-instance-1"]
    by_version = dms.describe_replication_instances(
        Filters=[{"Name": "engine-version", "Values": ["3.4.6"]}]
    )["ReplicationInstances"]
    assert [i["ReplicationInstanceIdentifier"] for i in by_version] == ["test-instance-2"]


def test_not_found_errors(sandbox) -> None:
    dms = client("dms")
    error = _error(dms.delete_replication_instance, ReplicationInstanceArn="does-not-exist")
    assert (error["Code"], error["Message"]) == (
        "ResourceNotFoundFault",
        "Replication instance could not be found.",
    )
    for call, kwargs in (
        (dms.start_replication_task, {"StartReplicationTaskType": "start-replication"}),
        (dms.stop_replication_task, {}),
        (dms.delete_replication_task, {}),
    ):
        error = _error(call, ReplicationTaskArn="does-not-exist", **kwargs)
        assert (error["Code"], error["Message"]) == (
            "ResourceNotFoundFault",
            "Replication task could not be found.",
        )


def _task_args(dms) -> dict:
    instance = dms.create_replication_instance(
        ReplicationInstanceIdentifier="ri", ReplicationInstanceClass="dms.t3.micro"
    )["ReplicationInstance"]["ReplicationInstanceArn"]
    endpoints = [
        dms.create_endpoint(
            EndpointIdentifier=name, EndpointType=kind, EngineName="mysql", ServerName="db"
        )["Endpoint"]["EndpointArn"]
        for name, kind in (("src", "source"), ("dst", "target"))
    ]
    return {
        "SourceEndpointArn": endpoints[0],
        "TargetEndpointArn": endpoints[1],
        "ReplicationInstanceArn": instance,
        "MigrationType": "full-load",
        "TableMappings": '{"rules":[]}',
    }


def test_create_existing_replication_task_throws_error(sandbox) -> None:
    dms = client("dms")
    args = _task_args(dms)
    dms.create_replication_task(ReplicationTaskIdentifier="test", **args)
    error = _error(dms.create_replication_task, ReplicationTaskIdentifier="test", **args)
    assert (error["Code"], error["Message"]) == (
        "ResourceAlreadyExistsFault",
        "The resource you are attempting to create already exists.",
    )


def test_created_task_and_stop_of_a_task_not_running(sandbox) -> None:
    dms = client("dms")
    args = _task_args(dms)
    task = dms.create_replication_task(
        ReplicationTaskIdentifier="test", ReplicationTaskSettings='{"Logging":{} }', **args
    )["ReplicationTask"]
    assert task["Status"] == "creating"
    assert json.loads(task["ReplicationTaskSettings"]) == {"Logging": {}}
    error = _error(dms.stop_replication_task, ReplicationTaskArn=task["ReplicationTaskArn"])
    assert error["Code"] == "InvalidResourceStateFault"


def test_test_connection_then_describe_connections(sandbox) -> None:
    dms = client("dms")
    instance = dms.create_replication_instance(
        ReplicationInstanceIdentifier="test-instance",
        ReplicationInstanceClass="dms.t2.micro",
        EngineVersion="3.4.5",
    )["ReplicationInstance"]["ReplicationInstanceArn"]
    endpoint = dms.create_endpoint(
        EndpointIdentifier="test-endpoint", EndpointType="source", EngineName="mysql"
    )["Endpoint"]["EndpointArn"]
    # AWS (not moto) first needs the instance to be available.
    dms.get_waiter("replication_instance_available").wait(WaiterConfig=WAIT)
    connection = dms.test_connection(ReplicationInstanceArn=instance, EndpointArn=endpoint)[
        "Connection"
    ]
    assert connection["Status"] == "testing"
    assert connection["EndpointIdentifier"] == "test-endpoint"
    assert connection["ReplicationInstanceIdentifier"] == "test-instance"
    done = poll(
        lambda: dms.describe_connections()["Connections"],
        lambda found: found[0]["Status"] != "testing",
    )
    assert len(done) == 1 and done[0]["Status"] == "successful"


def test_cloudformation_list_exports_and_import_value(sandbox) -> None:
    """moto tests/test_cloudformation: an exported output is listed, and a stack that imports
    it resolves the value."""
    cfn = client("cloudformation")
    exporting = {
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "q1"}}},
        "Outputs": {
            "Name": {"Value": {"Fn::GetAtt": ["Queue", "QueueName"]}, "Export": {"Name": "q-n"}}
        },
    }
    cfn.create_stack(StackName="exporter", TemplateBody=json.dumps(exporting))
    cfn.get_waiter("stack_create_complete").wait(StackName="exporter", WaiterConfig=WAIT)
    exports = cfn.list_exports()["Exports"]
    assert [(e["Name"], e["Value"]) for e in exports] == [("q-n", "q1")]
    assert exports[0]["ExportingStackId"].endswith(
        cfn.describe_stacks(StackName="exporter")["Stacks"][0]["StackId"].split(":")[-1]
    )
    importing = {
        "Resources": {
            "Queue": {
                "Type": "AWS::SQS::Queue",
                "Properties": {"QueueName": {"Fn::Join": ["-", [{"Fn::ImportValue": "q-n"}, "2"]]}},
            }
        }
    }
    cfn.create_stack(StackName="importer", TemplateBody=json.dumps(importing))
    cfn.get_waiter("stack_create_complete").wait(StackName="importer", WaiterConfig=WAIT)
    assert "q1-2" in {u.rsplit("/", 1)[-1] for u in client("sqs").list_queues()["QueueUrls"]}
    assert cfn.list_imports(ExportName="q-n")["Imports"] == ["importer"]


def test_a_conditional_put_never_overwrites_an_existing_object(sandbox) -> None:
    """moto's own behaviour, as AWS documents it: `If-None-Match: *` on an existing key is
    refused with 412 PreconditionFailed and the object stays as it was
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html)."""
    s3 = client("s3")
    s3.create_bucket(Bucket="ledger")
    s3.put_object(Bucket="ledger", Key="a.json", Body=b"first", IfNoneMatch="*")
    with pytest.raises(ClientError) as raised:
        s3.put_object(Bucket="ledger", Key="a.json", Body=b"second", IfNoneMatch="*")
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    assert raised.value.response["Error"]["Code"] == "PreconditionFailed"
    assert s3.get_object(Bucket="ledger", Key="a.json")["Body"].read() == b"first"

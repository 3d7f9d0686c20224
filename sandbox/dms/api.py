"""DMS API operations that moto lacks or gets wrong, installed onto moto's DMS classes.

Operations: https://docs.aws.amazon.com/dms/latest/APIReference/API_Operations.html
Describe* calls with filters that match nothing raise ResourceNotFoundFault, as AWS does (the
botocore DMS waiters rely on it, e.g. ``replication_task_deleted``).
"""

from __future__ import annotations

import json
import random
import string
from typing import Any

from moto.dms.exceptions import (
    DmsClientError,
    InvalidResourceStateFault,
    ResourceAlreadyExistsFault,
    ResourceNotFoundFault,
)
from moto.dms.models import DatabaseMigrationServiceBackend, FakeReplicationTask
from moto.dms.responses import DatabaseMigrationServiceResponse

from sandbox.dms import connections, instances, runtime
from sandbox.dms.table_mappings import InvalidTableMappings, parse


class InvalidParameterValueException(DmsClientError):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidParameterValueException", message)


# DMS's wording for a taken identifier, as moto's own tests expect it too.
ALREADY_EXISTS = "The resource you are attempting to create already exists."


def resource_id() -> str:
    """DMS resource ids in ARNs are 26 upper-case letters and digits, starting with a letter."""
    alphabet = string.ascii_uppercase + string.digits
    return random.choice(string.ascii_uppercase) + "".join(random.choices(alphabet, k=25))


def _validate_mappings(table_mappings: str) -> None:
    try:
        parse(table_mappings)
    except InvalidTableMappings as exc:
        raise InvalidParameterValueException(str(exc)) from exc


def _endpoint_by_arn(backend: DatabaseMigrationServiceBackend, arn: str) -> Any:
    for endpoint in backend.endpoints.values():
        if endpoint.endpoint_arn == arn:
            return endpoint
    raise ResourceNotFoundFault(f"Endpoint {arn} not found")


def get_task(backend: DatabaseMigrationServiceBackend, arn: str) -> FakeReplicationTask:
    task = backend.replication_tasks.get(arn)
    if task is None:
        raise ResourceNotFoundFault("Replication task could not be found.")
    return task


# --- backend-level operations, shared by the API and the CloudFormation resources ----------


def create_task(backend: DatabaseMigrationServiceBackend, params: dict[str, Any]) -> Any:
    identifier = params["ReplicationTaskIdentifier"]
    if any(t.id == identifier for t in backend.replication_tasks.values()):
        raise ResourceAlreadyExistsFault(ALREADY_EXISTS)
    _endpoint_by_arn(backend, params["SourceEndpointArn"])
    _endpoint_by_arn(backend, params["TargetEndpointArn"])
    if params["ReplicationInstanceArn"] not in backend.replication_instances:
        raise ResourceNotFoundFault("Replication Instance not found")
    _validate_mappings(params["TableMappings"])
    task = FakeReplicationTask(
        replication_task_identifier=identifier,
        source_endpoint_arn=params["SourceEndpointArn"],
        target_endpoint_arn=params["TargetEndpointArn"],
        replication_instance_arn=params["ReplicationInstanceArn"],
        migration_type=params["MigrationType"],
        table_mappings=params["TableMappings"],
        replication_task_settings=params.get("ReplicationTaskSettings") or "{}",
        account_id=backend.account_id,
        region_name=backend.region_name,
    )
    suffix = params.get("ResourceIdentifier") or resource_id()
    task.arn = f"arn:aws:dms:{backend.region_name}:{backend.account_id}:task:{suffix}"
    if task.arn in backend.replication_tasks:
        # A ResourceIdentifier names one resource only; reusing it never takes over the ARN.
        raise ResourceAlreadyExistsFault(
            f"ResourceIdentifier {suffix} is already in use by another replication task"
        )
    task.task_data = params.get("TaskData")
    backend.replication_tasks[task.arn] = task
    if params.get("Tags"):
        backend.tagger.tag_resource(task.arn, params["Tags"])
    runtime.on_created(task)
    return task


MODIFIABLE_TASK_FIELDS = {
    "ReplicationTaskIdentifier": "id",
    "MigrationType": "migration_type",
    "TableMappings": "table_mappings",
    "ReplicationTaskSettings": "replication_task_settings",
    "TaskData": "task_data",
}


def modify_task(backend: DatabaseMigrationServiceBackend, arn: str, params: dict[str, Any]) -> Any:
    task = get_task(backend, arn)
    runtime.check_modifiable(task)
    if params.get("TableMappings") is not None:
        _validate_mappings(params["TableMappings"])
    new_id = params.get("ReplicationTaskIdentifier")
    if (
        new_id
        and new_id != task.id
        and any(t.id == new_id for t in backend.replication_tasks.values())
    ):
        raise ResourceAlreadyExistsFault(ALREADY_EXISTS)
    runtime.modify(task, {attr: params.get(key) for key, attr in MODIFIABLE_TASK_FIELDS.items()})
    return task


def delete_task(backend: DatabaseMigrationServiceBackend, arn: str) -> Any:
    task = get_task(backend, arn)
    runtime.delete(backend, task)
    return task


ENDPOINT_FIELDS = {
    "EndpointIdentifier": "endpoint_identifier",
    "EndpointType": "endpoint_type",
    "EngineName": "engine_name",
    "Username": "username",
    "Password": "password",
    "ServerName": "server_name",
    "Port": "port",
    "DatabaseName": "database_name",
    "ExtraConnectionAttributes": "extra_connection_attributes",
    "CertificateArn": "certificate_arn",
    "SslMode": "ssl_mode",
    "ServiceAccessRoleArn": "service_access_role_arn",
    "ExternalTableDefinition": "external_table_definition",
    "S3Settings": "s3_settings",
    "MySQLSettings": "my_sql_settings",
    "PostgreSQLSettings": "postgre_sql_settings",
}


def modify_endpoint(backend: DatabaseMigrationServiceBackend, params: dict[str, Any]) -> Any:
    endpoint = _endpoint_by_arn(backend, params["EndpointArn"])
    old_identifier = endpoint.endpoint_identifier
    for key, attr in ENDPOINT_FIELDS.items():
        if params.get(key) is None:
            continue
        value = params[key]
        if key.endswith("Settings") and isinstance(value, dict):
            # ModifyEndpoint merges settings unless ExactSettings is true.
            # https://docs.aws.amazon.com/dms/latest/APIReference/API_ModifyEndpoint.html
            current = {} if params.get("ExactSettings") else dict(getattr(endpoint, attr) or {})
            current.update(value)
            value = current
        setattr(endpoint, attr, value)
    if endpoint.endpoint_identifier != old_identifier:
        backend.endpoints.pop(old_identifier, None)
        backend.endpoints[endpoint.endpoint_identifier] = endpoint
    connections.retest_endpoint(backend, endpoint.endpoint_arn)
    return endpoint


def _filter(items: list[Any], filters: list[dict[str, Any]], fields: dict[str, Any]) -> list[Any]:
    for f in filters or []:
        name = f.get("Name")
        if name not in fields:
            raise InvalidParameterValueException(f"Invalid filter name: {name}")
        values = [str(v) for v in f.get("Values", [])]
        items = [i for i in items if any(str(v) in values for v in fields[name](i))]
    return items


def _page(
    items: list[Any], body: dict[str, Any], default: int = 100
) -> tuple[list[Any], str | None]:
    start = int(body.get("Marker") or 0)
    size = int(body.get("MaxRecords") or default)
    page = items[start : start + size]
    marker = str(start + size) if start + size < len(items) else None
    return page, marker


def _endpoint_dict(endpoint: Any) -> dict[str, Any]:
    data = {k: v for k, v in endpoint.to_dict().items() if v is not None}
    data.pop("Password", None)
    return data


# --- response methods (installed onto DatabaseMigrationServiceResponse) ---------------------


class ResponseMethods:
    body: str
    dms_backend: DatabaseMigrationServiceBackend

    def _json_body(self) -> dict[str, Any]:
        return json.loads(self.body or "{}")

    def create_replication_task(self) -> str:
        task = create_task(self.dms_backend, self._json_body())
        return json.dumps({"ReplicationTask": runtime.describe(task)})

    def start_replication_task(self) -> str:
        body = self._json_body()
        task = get_task(self.dms_backend, body["ReplicationTaskArn"])
        runtime.start(self.dms_backend, task, body.get("StartReplicationTaskType", ""))
        return json.dumps({"ReplicationTask": runtime.describe(task)})

    def reload_tables(self) -> str:
        body = self._json_body()
        task = get_task(self.dms_backend, body["ReplicationTaskArn"])
        runtime.reload_tables(
            self.dms_backend,
            task,
            body.get("TablesToReload") or [],
            body.get("ReloadOption") or "data-reload",
        )
        return json.dumps({"ReplicationTaskArn": task.arn})

    def stop_replication_task(self) -> str:
        task = get_task(self.dms_backend, self._json_body()["ReplicationTaskArn"])
        runtime.stop(task)
        return json.dumps({"ReplicationTask": runtime.describe(task)})

    def modify_replication_task(self) -> str:
        body = self._json_body()
        task = modify_task(self.dms_backend, body["ReplicationTaskArn"], body)
        return json.dumps({"ReplicationTask": runtime.describe(task)})

    def delete_replication_task(self) -> str:
        task = delete_task(self.dms_backend, self._json_body()["ReplicationTaskArn"])
        return json.dumps({"ReplicationTask": runtime.describe(task)})

    def describe_replication_tasks(self) -> str:
        body = self._json_body()
        tasks = _filter(
            list(self.dms_backend.replication_tasks.values()),
            body.get("Filters"),
            {
                "replication-task-arn": lambda t: [t.arn],
                "replication-task-id": lambda t: [t.id],
                "migration-type": lambda t: [t.migration_type],
                "endpoint-arn": lambda t: [t.source_endpoint_arn, t.target_endpoint_arn],
                "replication-instance-arn": lambda t: [t.replication_instance_arn],
            },
        )
        if body.get("Filters") and not tasks:
            raise ResourceNotFoundFault("No Tasks found matching provided filters")
        page, marker = _page(tasks, body)
        without = bool(body.get("WithoutSettings"))
        result: dict[str, Any] = {"ReplicationTasks": [runtime.describe(t, without) for t in page]}
        if marker:
            result["Marker"] = marker
        return json.dumps(result)

    def describe_table_statistics(self) -> str:
        body = self._json_body()
        task = get_task(self.dms_backend, body["ReplicationTaskArn"])
        stats = _filter(
            runtime.table_statistics(task),
            body.get("Filters"),
            {
                "schema-name": lambda s: [s["SchemaName"]],
                "table-name": lambda s: [s["TableName"]],
                "table-state": lambda s: [s["TableState"]],
            },
        )
        page, marker = _page(stats, body)
        result: dict[str, Any] = {"ReplicationTaskArn": task.arn, "TableStatistics": page}
        if marker:
            result["Marker"] = marker
        return json.dumps(result)

    def modify_endpoint(self) -> str:
        endpoint = modify_endpoint(self.dms_backend, self._json_body())
        return json.dumps({"Endpoint": _endpoint_dict(endpoint)})

    def describe_endpoints(self) -> str:
        body = self._json_body()
        endpoints = _filter(
            list(self.dms_backend.endpoints.values()),
            body.get("Filters"),
            {
                "endpoint-arn": lambda e: [e.endpoint_arn],
                "endpoint-type": lambda e: [e.endpoint_type, str(e.endpoint_type).upper()],
                "endpoint-id": lambda e: [e.endpoint_identifier],
                "engine-name": lambda e: [e.engine_name],
            },
        )
        if body.get("Filters") and not endpoints:
            raise ResourceNotFoundFault("No Endpoints found matching provided filters")
        page, marker = _page(endpoints, body)
        result: dict[str, Any] = {"Endpoints": [_endpoint_dict(e) for e in page]}
        if marker:
            result["Marker"] = marker
        return json.dumps(result)

    def delete_endpoint(self) -> str:
        arn = self._json_body()["EndpointArn"]
        endpoint = _endpoint_by_arn(self.dms_backend, arn)
        in_use = [
            t.id
            for t in self.dms_backend.replication_tasks.values()
            if arn in (t.source_endpoint_arn, t.target_endpoint_arn)
        ]
        if in_use:
            raise InvalidResourceStateFault(
                f"Endpoint {endpoint.endpoint_identifier} is in use by replication task(s) "
                f"{', '.join(in_use)}"
            )
        self.dms_backend.endpoints.pop(endpoint.endpoint_identifier, None)
        connections.drop(self.dms_backend, endpoint_arn=arn)
        endpoint.status = "deleting"
        return json.dumps({"Endpoint": _endpoint_dict(endpoint)})

    def describe_replication_instances(self) -> str:
        body = self._json_body()
        found = _filter(
            list(self.dms_backend.replication_instances.values()),
            body.get("Filters"),
            {
                "replication-instance-arn": lambda i: [i.arn],
                "replication-instance-id": lambda i: [i.id],
                "replication-instance-class": lambda i: [i.replication_instance_class],
                "engine-version": lambda i: [i.engine_version],
            },
        )
        if body.get("Filters") and not found:
            raise ResourceNotFoundFault("No replication instances found matching filters")
        page, marker = _page(found, body)
        result: dict[str, Any] = {"ReplicationInstances": [instances.describe(i) for i in page]}
        if marker:
            result["Marker"] = marker
        return json.dumps(result)

    def create_replication_instance(self) -> str:
        instance = instances.create(self.dms_backend, self._json_body())
        return json.dumps({"ReplicationInstance": instances.describe(instance)})

    def modify_replication_instance(self) -> str:
        body = self._json_body()
        instance = instances.modify(self.dms_backend, body["ReplicationInstanceArn"], body)
        return json.dumps({"ReplicationInstance": instances.describe(instance)})

    def delete_replication_instance(self) -> str:
        arn = self._json_body()["ReplicationInstanceArn"]
        instance = instances.delete(self.dms_backend, arn)
        return json.dumps({"ReplicationInstance": instances.describe(instance)})

    def test_connection(self) -> str:
        body = self._json_body()
        connection = connections.test(
            self.dms_backend, body["ReplicationInstanceArn"], body["EndpointArn"]
        )
        return json.dumps({"Connection": connection.to_dict()})

    def describe_connections(self) -> str:
        body = self._json_body()
        found = _filter(
            connections.all_connections(self.dms_backend),
            body.get("Filters"),
            {
                "endpoint-arn": lambda c: [c.endpoint_arn],
                "replication-instance-arn": lambda c: [c.instance_arn],
            },
        )
        page, marker = _page(found, body)
        result: dict[str, Any] = {"Connections": [c.to_dict() for c in page]}
        if marker:
            result["Marker"] = marker
        return json.dumps(result)

    def describe_replication_subnet_groups(self) -> str:
        body = self._json_body()
        groups = _filter(
            list(self.dms_backend.replication_subnet_groups.values()),
            body.get("Filters"),
            {
                "replication-subnet-group-id": lambda g: [g.replication_subnet_group_identifier],
            },
        )
        if body.get("Filters") and not groups:
            raise ResourceNotFoundFault("No replication subnet groups found matching filters")
        page, marker = _page(groups, body)
        result: dict[str, Any] = {"ReplicationSubnetGroups": [subnet_group_dict(g) for g in page]}
        if marker:
            result["Marker"] = marker
        return json.dumps(result)

    def create_replication_subnet_group(self) -> str:
        body = self._json_body()
        group = create_subnet_group(self.dms_backend, body)
        return json.dumps({"ReplicationSubnetGroup": subnet_group_dict(group)})


def create_subnet_group(backend: DatabaseMigrationServiceBackend, params: dict[str, Any]) -> Any:
    group = backend.create_replication_subnet_group(
        replication_subnet_group_identifier=params["ReplicationSubnetGroupIdentifier"],
        replication_subnet_group_description=params.get("ReplicationSubnetGroupDescription", ""),
        subnet_ids=params.get("SubnetIds") or [],
        tags=params.get("Tags"),
    )
    group.subnetIds = list(params.get("SubnetIds") or [])
    return group


def subnet_group_dict(group: Any) -> dict[str, Any]:
    """Describe a subnet group with its real subnets and VPC (moto reports placeholders)."""
    from moto.ec2.models import ec2_backends

    from sandbox import ACCOUNT_ID, REGION

    ec2 = ec2_backends[ACCOUNT_ID][REGION]
    subnets, vpc_id = [], None
    for subnet_id in group.subnetIds or []:
        try:
            subnet = ec2.get_subnet(subnet_id)
            vpc_id, az = subnet.vpc_id, subnet.availability_zone
        except Exception:
            az = f"{REGION}a"
        subnets.append(
            {
                "SubnetIdentifier": subnet_id,
                "SubnetAvailabilityZone": {"Name": az},
                "SubnetStatus": "Active",
            }
        )
    return {
        "ReplicationSubnetGroupIdentifier": group.replication_subnet_group_identifier,
        "ReplicationSubnetGroupDescription": group.description,
        "VpcId": vpc_id or "vpc-00000000",
        "SubnetGroupStatus": "Complete",
        "Subnets": subnets,
        "SupportedNetworkTypes": ["IPV4"],
    }


def _active_endpoint(original: Any) -> Any:
    def create_endpoint(self: Any, *args: Any, **kwargs: Any) -> Any:
        endpoint = original(self, *args, **kwargs)
        # AWS endpoints are usable ("active") as soon as they are created.
        endpoint.status = "active"
        endpoint.external_id = resource_id()
        return endpoint

    return create_endpoint


def install() -> None:
    if getattr(DatabaseMigrationServiceResponse, "_sandbox_installed", False):
        return
    for name, member in vars(ResponseMethods).items():
        if callable(member) and not name.startswith("__"):
            setattr(DatabaseMigrationServiceResponse, name, member)
    DatabaseMigrationServiceBackend.create_endpoint = _active_endpoint(  # type: ignore[method-assign]
        DatabaseMigrationServiceBackend.create_endpoint
    )
    instances.install()
    DatabaseMigrationServiceResponse._sandbox_installed = True  # type: ignore[attr-defined]

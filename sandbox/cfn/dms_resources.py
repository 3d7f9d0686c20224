"""CloudFormation resource types ``AWS::DMS::*`` on moto's DMS backend.

moto's CloudFormation skips types it has no model for; these classes register the four types
this project deploys. Ref and Fn::GetAtt follow the resource reference pages:
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dms-replicationtask.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dms-endpoint.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dms-replicationinstance.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dms-replicationsubnetgroup.html

An update replaces the resource when a ``createOnlyProperties`` value changes (see
``schemas``); CloudFormation then creates the new resource before it deletes the old one, so a
replacement that keeps a custom identifier collides with the old resource, as on AWS.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel
from moto.dms.models import DatabaseMigrationServiceBackend, dms_backends

from sandbox.cfn import schemas
from sandbox.dms import api, connections, instances, runtime


def _backend(account_id: str, region_name: str) -> DatabaseMigrationServiceBackend:
    return dms_backends[account_id][region_name]


def _tags(props: dict[str, Any]) -> list[dict[str, str]] | None:
    return props.get("Tags") or None


class DmsResource(CloudFormationModel):
    """Common shape: remember the properties, replace or modify by the registry schema."""

    TYPE = ""
    NAME_PROPERTY = ""
    ATTRIBUTES: tuple[str, ...] = ()

    def __init__(self, backend: DatabaseMigrationServiceBackend, props: dict[str, Any]):
        self.backend = backend
        self.props = props

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.TYPE

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.NAME_PROPERTY

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.ATTRIBUTES:
            raise UnformattedGetAttTemplateException()
        return self.attribute(attribute_name)

    def attribute(self, name: str) -> Any:
        raise NotImplementedError

    def is_created(self) -> bool:
        return True

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[override]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> DmsResource:
        props = dict(cloudformation_json.get("Properties") or {})
        if cls.NAME_PROPERTY and not props.get(cls.NAME_PROPERTY):
            props[cls.NAME_PROPERTY] = resource_name.lower()
        return cls.create(_backend(account_id, region_name), props)

    @classmethod
    def create(cls, backend: DatabaseMigrationServiceBackend, props: dict[str, Any]) -> DmsResource:
        raise NotImplementedError

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[override]
        cls,
        original_resource: DmsResource,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> DmsResource:
        props = dict(cloudformation_json.get("Properties") or {})
        if cls.NAME_PROPERTY and not props.get(cls.NAME_PROPERTY):
            props[cls.NAME_PROPERTY] = original_resource.props.get(cls.NAME_PROPERTY)
        if schemas.replacing_properties(cls.TYPE, original_resource.props, props):
            replacement = cls.create(original_resource.backend, props)
            original_resource.destroy()
            return replacement
        original_resource.modify(props)
        original_resource.props = props
        return original_resource

    def modify(self, props: dict[str, Any]) -> None:
        raise NotImplementedError

    def destroy(self) -> None:
        raise NotImplementedError

    def delete(self, account_id: str, region_name: str) -> None:
        self.destroy()

    def finish_delete(self) -> None:
        """CloudFormation reports DELETE_COMPLETE only once the resource is gone."""

    @classmethod
    def precheck_update(cls, original: DmsResource, replacing: bool) -> tuple[str, str] | None:
        """(error code, message) if AWS would refuse this update; checked before any change."""
        return None


class ReplicationSubnetGroup(DmsResource):
    TYPE = "AWS::DMS::ReplicationSubnetGroup"
    NAME_PROPERTY = "ReplicationSubnetGroupIdentifier"

    @classmethod
    def create(cls, backend: DatabaseMigrationServiceBackend, props: dict[str, Any]) -> DmsResource:
        api.create_subnet_group(backend, props)
        return cls(backend, props)

    @property
    def identifier(self) -> str:
        return str(self.props[self.NAME_PROPERTY])

    @property
    def physical_resource_id(self) -> str:
        return self.identifier

    def modify(self, props: dict[str, Any]) -> None:
        group = self.backend.replication_subnet_groups[self.identifier]
        group.description = props.get("ReplicationSubnetGroupDescription", group.description)
        group.subnetIds = list(props.get("SubnetIds") or group.subnetIds or [])

    def destroy(self) -> None:
        self.backend.replication_subnet_groups.pop(self.identifier, None)


class ReplicationInstance(DmsResource):
    TYPE = "AWS::DMS::ReplicationInstance"
    NAME_PROPERTY = "ReplicationInstanceIdentifier"
    ATTRIBUTES = (
        "Id",
        "ReplicationInstancePrivateIpAddresses",
        "ReplicationInstancePublicIpAddresses",
    )

    def __init__(self, backend: DatabaseMigrationServiceBackend, props: dict[str, Any], arn: str):
        super().__init__(backend, props)
        self.arn = arn

    @classmethod
    def create(cls, backend: DatabaseMigrationServiceBackend, props: dict[str, Any]) -> DmsResource:
        instance = instances.create(backend, props)
        return cls(backend, props, instance.arn)

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    def attribute(self, name: str) -> Any:
        instance = self.backend.replication_instances[self.arn]
        if name == "Id":
            return self.arn
        if name == "ReplicationInstancePrivateIpAddresses":
            return ",".join(instance.private_ip_addresses)
        return ",".join(instance.public_ip_addresses)

    def modify(self, props: dict[str, Any]) -> None:
        instances.modify(self.backend, self.arn, props)

    def destroy(self) -> None:
        self.backend.replication_instances.pop(self.arn, None)
        connections.drop(self.backend, instance_arn=self.arn)


# CloudFormation property names that differ from the DMS API's.
ENDPOINT_CFN_TO_API = {"MySqlSettings": "MySQLSettings", "PostgreSqlSettings": "PostgreSQLSettings"}


class Endpoint(DmsResource):
    TYPE = "AWS::DMS::Endpoint"
    NAME_PROPERTY = "EndpointIdentifier"
    ATTRIBUTES = ("EndpointArn", "ExternalId", "Id")

    def __init__(self, backend: DatabaseMigrationServiceBackend, props: dict[str, Any], arn: str):
        super().__init__(backend, props)
        self.arn = arn

    @classmethod
    def create(cls, backend: DatabaseMigrationServiceBackend, props: dict[str, Any]) -> DmsResource:
        endpoint = backend.create_endpoint(
            endpoint_identifier=props["EndpointIdentifier"],
            endpoint_type=str(props["EndpointType"]).lower(),
            engine_name=props["EngineName"],
            username=props.get("Username"),
            password=props.get("Password"),
            server_name=props.get("ServerName"),
            port=props.get("Port"),
            database_name=props.get("DatabaseName"),
            extra_connection_attributes=props.get("ExtraConnectionAttributes"),
            kms_key_id=props.get("KmsKeyId"),
            tags=_tags(props),
            certificate_arn=props.get("CertificateArn"),
            ssl_mode=props.get("SslMode"),
            service_access_role_arn=(props.get("S3Settings") or {}).get("ServiceAccessRoleArn"),
            external_table_definition=None,
            dynamo_db_settings=props.get("DynamoDbSettings"),
            s3_settings=props.get("S3Settings"),
            dms_transfer_settings=None,
            mongo_db_settings=props.get("MongoDbSettings"),
            kinesis_settings=props.get("KinesisSettings"),
            kafka_settings=props.get("KafkaSettings"),
            elasticsearch_settings=props.get("ElasticsearchSettings"),
            neptune_settings=props.get("NeptuneSettings"),
            redshift_settings=props.get("RedshiftSettings"),
            postgre_sql_settings=props.get("PostgreSqlSettings"),
            my_sql_settings=props.get("MySqlSettings"),
            oracle_settings=props.get("OracleSettings"),
            sybase_settings=props.get("SybaseSettings"),
            microsoft_sql_server_settings=props.get("MicrosoftSqlServerSettings"),
            ibm_db2_settings=props.get("IbmDb2Settings"),
            resource_identifier=props.get("ResourceIdentifier"),
            doc_db_settings=props.get("DocDbSettings"),
            redis_settings=props.get("RedisSettings"),
            gcp_my_sql_settings=props.get("GcpMySQLSettings"),
            timestream_settings=None,
        )
        return cls(backend, props, endpoint.endpoint_arn)

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    def _endpoint(self) -> Any:
        return next(e for e in self.backend.endpoints.values() if e.endpoint_arn == self.arn)

    def attribute(self, name: str) -> Any:
        return self._endpoint().external_id if name == "ExternalId" else self.arn

    def modify(self, props: dict[str, Any]) -> None:
        params: dict[str, Any] = {"EndpointArn": self.arn, "ExactSettings": True}
        for key, value in props.items():
            params[ENDPOINT_CFN_TO_API.get(key, key)] = value
        if "EndpointType" in params:
            params["EndpointType"] = str(params["EndpointType"]).lower()
        api.modify_endpoint(self.backend, params)

    def destroy(self) -> None:
        endpoint = next(
            (e for e in self.backend.endpoints.values() if e.endpoint_arn == self.arn), None
        )
        if endpoint:
            self.backend.endpoints.pop(endpoint.endpoint_identifier, None)
        connections.drop(self.backend, endpoint_arn=self.arn)


class ReplicationTask(DmsResource):
    TYPE = "AWS::DMS::ReplicationTask"
    NAME_PROPERTY = "ReplicationTaskIdentifier"
    ATTRIBUTES = ("ReplicationTaskArn",)

    def __init__(self, backend: DatabaseMigrationServiceBackend, props: dict[str, Any], arn: str):
        super().__init__(backend, props)
        self.arn = arn

    @classmethod
    def create(cls, backend: DatabaseMigrationServiceBackend, props: dict[str, Any]) -> DmsResource:
        task = api.create_task(backend, props)
        return cls(backend, props, task.arn)

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    def attribute(self, name: str) -> Any:
        return self.arn

    def modify(self, props: dict[str, Any]) -> None:
        api.modify_task(self.backend, self.arn, props)

    def destroy(self) -> None:
        # Deleted as DeleteReplicationTask deletes: "deleting" for a while, then gone. Only
        # this resource's own task is removed, never another one under the same ARN.
        task = self.backend.replication_tasks.get(self.arn)
        if task is not None and task.status != "deleting":
            runtime.force_delete(self.backend, task)

    def finish_delete(self) -> None:
        task = self.backend.replication_tasks.get(self.arn)
        if task is not None and task.status == "deleting":
            del self.backend.replication_tasks[self.arn]

    @classmethod
    def precheck_update(cls, original: DmsResource, replacing: bool) -> tuple[str, str] | None:
        task = original.backend.replication_tasks.get(getattr(original, "arn", ""))
        if task is None or replacing:
            return None
        if task.status not in runtime.MODIFIABLE:
            return (
                "InvalidResourceStateFault",
                f"Replication task {task.id} is in the {task.status} state. A task can be "
                "modified only when it is ready, stopped or failed.",
            )
        return None


DMS_RESOURCE_TYPES: dict[str, type[DmsResource]] = {
    cls.TYPE: cls
    for cls in (ReplicationSubnetGroup, ReplicationInstance, Endpoint, ReplicationTask)
}

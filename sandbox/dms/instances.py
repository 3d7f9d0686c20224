"""Replication instance lifecycle on moto's FakeReplicationInstance.

AWS: ``creating`` -> ``available`` after a create, ``modifying`` -> ``available`` after a
change, ``deleting`` -> gone after a delete; ``InstanceCreateTime`` is a timestamp, and
``EngineVersion`` is the default engine version when none is asked for. botocore's
``replication_instance_available`` and ``replication_instance_deleted`` waiters rely on these.
https://docs.aws.amazon.com/dms/latest/APIReference/API_ReplicationInstance.html
https://docs.aws.amazon.com/dms/latest/userguide/CHAP_ReplicationInstance.Status.html

moto leaves an instance ``creating`` (its state only moves when its own describe is called),
reports a placeholder subnet group and an ISO-string create time; here the clock moves the
status, and the subnet group is the one the instance names.
"""

from __future__ import annotations

from typing import Any

from moto.dms.exceptions import InvalidResourceStateFault, ResourceNotFoundFault
from moto.dms.models import DatabaseMigrationServiceBackend, FakeReplicationInstance

from sandbox import clock as durations
from sandbox.state import STATE

# The default replication engine version a new instance gets when none is given.
DEFAULT_ENGINE_VERSION = "3.5.4"
AVAILABLE = "available"


def _settle(instance: FakeReplicationInstance, busy: str, seconds: float) -> None:
    instance.status = busy
    instance.sandbox_generation = getattr(instance, "sandbox_generation", 0) + 1
    generation = instance.sandbox_generation

    def done(_: float) -> None:
        if instance.sandbox_generation == generation and instance.status == busy:
            instance.status = AVAILABLE

    STATE.clock.after(seconds, done)


def _create(original: Any) -> Any:
    def create_replication_instance(self: Any, *args: Any, **kwargs: Any) -> Any:
        instance = original(self, *args, **kwargs)
        instance.engine_version = instance.engine_version or DEFAULT_ENGINE_VERSION
        _settle(instance, "creating", durations.INSTANCE_CREATE)
        return instance

    return create_replication_instance


def _modify(original: Any) -> Any:
    def modify_replication_instance(self: Any, replication_instance_arn: str, **kwargs: Any) -> Any:
        instance = self.replication_instances.get(replication_instance_arn)
        if instance is not None and instance.status != AVAILABLE:
            raise InvalidResourceStateFault(
                f"Replication instance {instance.id} is in the {instance.status} state; "
                "it can be modified only when it is available."
            )
        instance = original(self, replication_instance_arn, **kwargs)
        _settle(instance, "modifying", durations.INSTANCE_MODIFY)
        return instance

    return modify_replication_instance


# API (and CloudFormation, which uses the same names) field -> moto keyword, default.
_CREATE_FIELDS: dict[str, tuple[str, Any]] = {
    "ReplicationInstanceIdentifier": ("replication_instance_identifier", None),
    "ReplicationInstanceClass": ("replication_instance_class", None),
    "AllocatedStorage": ("allocated_storage", None),
    "VpcSecurityGroupIds": ("vpc_security_group_ids", None),
    "AvailabilityZone": ("availability_zone", None),
    "ReplicationSubnetGroupIdentifier": ("replication_subnet_group_identifier", None),
    "PreferredMaintenanceWindow": ("preferred_maintenance_window", None),
    "MultiAZ": ("multi_az", False),
    "EngineVersion": ("engine_version", None),
    "AutoMinorVersionUpgrade": ("auto_minor_version_upgrade", True),
    "Tags": ("tags", None),
    "KmsKeyId": ("kms_key_id", None),
    "PubliclyAccessible": ("publicly_accessible", True),
    "DnsNameServers": ("dns_name_servers", None),
    "ResourceIdentifier": ("resource_identifier", None),
    "NetworkType": ("network_type", None),
}
_MODIFY_FIELDS: dict[str, tuple[str, Any]] = {
    "AllocatedStorage": ("allocated_storage", None),
    "ApplyImmediately": ("apply_immediately", True),
    "ReplicationInstanceClass": ("replication_instance_class", None),
    "VpcSecurityGroupIds": ("vpc_security_group_ids", None),
    "PreferredMaintenanceWindow": ("preferred_maintenance_window", None),
    "MultiAZ": ("multi_az", None),
    "EngineVersion": ("engine_version", None),
    "AutoMinorVersionUpgrade": ("auto_minor_version_upgrade", None),
    "AllowMajorVersionUpgrade": ("allow_major_version_upgrade", False),
    "NetworkType": ("network_type", None),
    "ReplicationInstanceIdentifier": ("replication_instance_identifier", None),
}


def _kwargs(fields: dict[str, tuple[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
    return {kwarg: params.get(name, default) for name, (kwarg, default) in fields.items()}


def create(backend: DatabaseMigrationServiceBackend, params: dict[str, Any]) -> Any:
    """CreateReplicationInstance (API field names, also CloudFormation's)."""
    return backend.create_replication_instance(**_kwargs(_CREATE_FIELDS, params))


def modify(backend: DatabaseMigrationServiceBackend, arn: str, params: dict[str, Any]) -> Any:
    """ModifyReplicationInstance (API field names, also CloudFormation's)."""
    return backend.modify_replication_instance(arn, **_kwargs(_MODIFY_FIELDS, params))


def delete(backend: DatabaseMigrationServiceBackend, arn: str) -> FakeReplicationInstance:
    """``deleting`` now, gone (with its connections) after a while."""
    from sandbox.dms import connections

    instance = backend.replication_instances.get(arn)
    if instance is None:
        raise ResourceNotFoundFault("Replication instance could not be found.")
    users = [t.id for t in backend.replication_tasks.values() if t.replication_instance_arn == arn]
    if users:
        raise InvalidResourceStateFault(
            f"Replication instance {instance.id} has replication tasks: {', '.join(users)}"
        )
    instance.status = "deleting"
    instance.sandbox_generation = getattr(instance, "sandbox_generation", 0) + 1
    connections.drop(backend, instance_arn=arn)

    def gone(_: float) -> None:
        if backend.replication_instances.get(arn) is instance:
            del backend.replication_instances[arn]

    STATE.clock.after(durations.TASK_DELETE, gone)
    return instance


def describe(instance: FakeReplicationInstance) -> dict[str, Any]:
    from sandbox.dms.api import subnet_group_dict

    data = instance.to_dict()
    data["InstanceCreateTime"] = instance.creation_date.timestamp()
    data["EngineVersion"] = instance.engine_version or DEFAULT_ENGINE_VERSION
    backend = _backend()
    group = backend.replication_subnet_groups.get(
        instance.replication_subnet_group_identifier or ""
    )
    if group is not None:
        data["ReplicationSubnetGroup"] = subnet_group_dict(group)
    elif instance.replication_subnet_group_identifier is None:
        data.pop("ReplicationSubnetGroup", None)
    return {k: v for k, v in data.items() if v is not None}


def _backend() -> DatabaseMigrationServiceBackend:
    from moto.dms.models import dms_backends

    from sandbox import ACCOUNT_ID, REGION

    return dms_backends[ACCOUNT_ID][REGION]


def install() -> None:
    DatabaseMigrationServiceBackend.create_replication_instance = _create(  # type: ignore[method-assign]
        DatabaseMigrationServiceBackend.create_replication_instance
    )
    DatabaseMigrationServiceBackend.modify_replication_instance = _modify(  # type: ignore[method-assign]
        DatabaseMigrationServiceBackend.modify_replication_instance
    )

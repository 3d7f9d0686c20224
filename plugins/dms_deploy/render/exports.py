"""Names of the CloudFormation exports the stacks share. One place, so the base stack,
the team stacks and the planner's checks agree."""

from __future__ import annotations

from dms_deploy.config.models import BaseConfig


def vpc_id_import(base: BaseConfig) -> str:
    return f"{base.network_stack_name}-VpcId"


def private_subnets_import(base: BaseConfig) -> str:
    """A comma-separated list of subnet ids (the base stack splits it)."""
    return f"{base.network_stack_name}-PrivateSubnetIds"


def target_endpoint_export(base: BaseConfig, target: str) -> str:
    return f"{base.stack_name}-TargetEndpointArn-{target}"


def security_group_export(base: BaseConfig) -> str:
    return f"{base.stack_name}-SecurityGroupId"


def subnet_group_export(base: BaseConfig) -> str:
    return f"{base.stack_name}-ReplicationSubnetGroup"


def base_exports(base: BaseConfig) -> list[str]:
    """Every export the base stack provides, for checks that look for them."""
    return [
        security_group_export(base),
        subnet_group_export(base),
        *(target_endpoint_export(base, t) for t in sorted(base.targets)),
    ]

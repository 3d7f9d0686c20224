"""Configs -> CloudFormation stacks: the base stack and one stack per team."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dms_deploy.config.models import Configs, Endpoint, Instance, Task, TeamConfig
from dms_deploy.render import exports
from dms_deploy.render.errors import RenderError
from dms_deploy.render.jinja import render_template
from dms_deploy.render.logical_ids import logical_id
from dms_deploy.render.mappings import mapping_json
from dms_deploy.render.settings import settings_json

BASE_TEAM = "base"
BASE_TEMPLATE = "base.yaml.j2"
TEAM_TEMPLATE = "team.yaml.j2"

# DMS EngineName and the endpoint settings block each engine uses.
_ENGINES = {
    "mysql": "MySqlSettings",
    "mariadb": "MySqlSettings",
    "aurora": "MySqlSettings",
    "postgres": "PostgreSqlSettings",
    "aurora-postgresql": "PostgreSqlSettings",
}


@dataclass(frozen=True)
class RenderedStack:
    name: str  # the CloudFormation stack name
    team: str  # the team, or "base" for the base stack
    body: str  # the template text sent to CloudFormation
    template: dict[str, Any]  # the parsed template


def team_stack_name(team: str) -> str:
    return f"dms-{team}"


def render_base_stack(configs: Configs, templates_dir: Path) -> RenderedStack:
    base = configs.base
    context = {
        "description": base.description or "Shared DMS resources: S3 targets, network, roles",
        "stack_name": base.stack_name,
        "bucket": base.bucket,
        "bucket_folder": base.bucket_folder,
        "vpc_import": exports.vpc_id_import(base),
        "subnets_import": exports.private_subnets_import(base),
        "targets": [
            {
                "logical_id": logical_id("Target", t.name),
                "identifier": f"{base.stack_name}-{t.name}",
                "cdc_max_batch_interval_seconds": t.cdc_max_batch_interval_seconds,
                "cdc_min_file_size_kb": t.cdc_min_file_size_kb,
                "export": exports.target_endpoint_export(base, t.name),
            }
            for t in sorted(base.targets.values(), key=lambda t: t.name)
        ],
        "exports": {
            "security_group": exports.security_group_export(base),
            "subnet_group": exports.subnet_group_export(base),
        },
    }
    return _stack(base.stack_name, BASE_TEAM, BASE_TEMPLATE, context, templates_dir)


def render_team_stack(configs: Configs, team: str, templates_dir: Path) -> RenderedStack:
    config = configs.teams[team]
    base = configs.base
    context = {
        "description": f"DMS replication of team {team}: source endpoints, instances, tasks",
        # A secret ARN without its random suffix matches the real one with `-??????`.
        "secret_resources": [
            r
            for s in sorted({e.secret for e in config.endpoints.values()})
            for r in (s, f"{s}-??????")
        ],
        "role_tags": _tags(team=team),
        "subnet_group_import": exports.subnet_group_export(base),
        "security_group_import": exports.security_group_export(base),
        "endpoints": [_endpoint(team, e) for _, e in sorted(config.endpoints.items())],
        "instances": [_instance(team, i) for _, i in sorted(config.instances.items())],
        "tasks": [_task(configs, t, templates_dir) for _, t in sorted(config.tasks.items())],
    }
    return _stack(config.stack_name, team, TEAM_TEMPLATE, context, templates_dir)


def render_all(configs: Configs, templates_dir: Path) -> list[RenderedStack]:
    """The base stack first, then the team stacks sorted by team."""
    stacks = [render_base_stack(configs, templates_dir)]
    stacks += [render_team_stack(configs, team, templates_dir) for team in sorted(configs.teams)]
    return stacks


def _secret_resources(config: TeamConfig) -> list[str]:
    """The team's secrets; an ARN without its random suffix matches the real one
    with `-??????`."""
    secrets = sorted({e.secret for e in config.endpoints.values()})
    return [r for secret in secrets for r in (secret, f"{secret}-??????")]


def _tags(**tags: str) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def _endpoint(team: str, endpoint: Endpoint) -> dict[str, Any]:
    return {
        "logical_id": logical_id("Endpoint", endpoint.name),
        "identifier": endpoint.identifier(team),
        "engine": endpoint.engine,
        "settings_key": _ENGINES[endpoint.engine],
        "database": endpoint.database,
        "secret": endpoint.secret,
        # Informational: the secret is what DMS connects with.
        "tags": _tags(team=team, server=endpoint.server, port=str(endpoint.port)),
    }


def _instance(team: str, instance: Instance) -> dict[str, Any]:
    return {
        "logical_id": logical_id("Instance", instance.name),
        "identifier": instance.identifier(team),
        "instance_class": instance.instance_class,
        "storage_gb": instance.storage_gb,
        "multi_az": instance.multi_az,
        "tags": _tags(team=team),
    }


def _task(configs: Configs, task: Task, templates_dir: Path) -> dict[str, Any]:
    return {
        "logical_id": logical_id("Task", task.name),
        "identifier": task.identifier,
        "migration_type": task.migration_type,
        "instance_logical_id": logical_id("Instance", task.instance),
        "endpoint_logical_id": logical_id("Endpoint", task.endpoint),
        "target_import": exports.target_endpoint_export(configs.base, task.target),
        "table_mappings": mapping_json(task),
        "settings": settings_json(task, templates_dir),
        # The tag makes pausing a task a real property change: CloudFormation ignores an
        # update that changes only Metadata.
        "tags": _tags(team=task.team, task=task.name, paused=str(task.paused).lower()),
        "metadata": task_metadata(task),
    }


def task_metadata(task: Task) -> dict[str, Any]:
    """What the deployed stack must remember of the config: which task and which tables
    were configured paused, so the planner can tell a deliberate stop from drift and an
    unpaused table from a new one."""
    return {
        "DmsDeploy": {
            "Team": task.team,
            "Task": task.name,
            "Paused": task.paused,
            "PausedTables": sorted(f"{t.source}@{t.version}" for t in task.tables if t.paused),
        }
    }


def _stack(
    name: str, team: str, template_name: str, context: dict[str, Any], templates_dir: Path
) -> RenderedStack:
    body = render_template(templates_dir, template_name, context)
    try:
        template = yaml.load(body, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        raise RenderError(f"stack {name}: rendered template is not valid YAML: {exc}") from exc
    if not isinstance(template, dict):
        raise RenderError(f"stack {name}: rendered template is not a mapping")
    return RenderedStack(name=name, team=team, body=body, template=template)


# libyaml parses the large TableMappings strings ~20x faster than pure Python.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """safe_load that refuses a repeated key: two resources with one logical id."""


def _unique_mapping(loader: Any, node: yaml.MappingNode, deep: bool = False) -> Any:
    keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
    duplicates = sorted({str(k) for k in keys if keys.count(k) > 1})
    if duplicates:
        raise yaml.constructor.ConstructorError(
            None, None, f"duplicate key {duplicates[0]!r}", node.start_mark
        )
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)

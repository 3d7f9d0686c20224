"""Schema-valid documents -> typed models. Called only when loading found no error."""

from __future__ import annotations

from typing import Any

from dms_deploy.config.models import (
    FULL_LOAD_AND_CDC,
    BaseConfig,
    Endpoint,
    Instance,
    Table,
    Target,
    Task,
    TeamConfig,
)
from dms_deploy.config.pointers import pointer


def build_base(file: str, doc: dict[str, Any]) -> BaseConfig:
    targets = {
        name: Target(
            name=name,
            cdc_max_batch_interval_seconds=int(t["cdc_max_batch_interval_seconds"]),
            cdc_min_file_size_kb=_opt_int(t.get("cdc_min_file_size_kb")),
        )
        for name, t in doc["targets"].items()
    }
    return BaseConfig(
        file=file,
        stack_name=doc["stack_name"],
        network_stack_name=doc["network_stack_name"],
        bucket=doc["bucket"],
        bucket_folder=doc["bucket_folder"],
        targets=targets,
        description=doc.get("description"),
    )


def build_team(file: str, doc: dict[str, Any]) -> TeamConfig:
    team = doc["team"]
    endpoints = {
        name: Endpoint(
            name=name,
            engine=e["engine"],
            server=e["server"],
            port=int(e["port"]),
            secret=e["secret"],
            database=e.get("database"),
            pointer=pointer("endpoints", name),
        )
        for name, e in doc["endpoints"].items()
    }
    instances = {
        name: Instance(
            name=name,
            instance_class=i["class"],
            storage_gb=int(i["storage_gb"]),
            multi_az=bool(i.get("multi_az", False)),
            pointer=pointer("instances", name),
        )
        for name, i in doc["instances"].items()
    }
    tasks = {name: _build_task(team, name, t) for name, t in doc["tasks"].items()}
    return TeamConfig(file=file, team=team, endpoints=endpoints, instances=instances, tasks=tasks)


def _build_task(team: str, name: str, doc: dict[str, Any]) -> Task:
    tables = []
    for i, t in enumerate(doc["tables"]):
        endpoint, schema, table = t["source"].split("/")
        tables.append(
            Table(
                endpoint=endpoint,
                schema=schema,
                name=table,
                version=t["version"],
                paused=bool(t.get("paused", False)),
                cdc_only=bool(t.get("cdc_only", False)),
                pointer=pointer("tasks", name, "tables", i),
            )
        )
    return Task(
        team=team,
        name=name,
        instance=doc["instance"],
        endpoint=doc["endpoint"],
        target=doc["target"],
        tables=tuple(tables),
        paused=bool(doc.get("paused", False)),
        migration_type=doc.get("migration_type", FULL_LOAD_AND_CDC),
        settings=doc.get("settings", {}),
        pointer=pointer("tasks", name),
    )


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)

"""One shape for a task on either side of a diff: deployed (from a template) or configured.

The deployed side is read from the template CloudFormation holds: the active tables from the
rename-table rules of its TableMappings (their value is the table folder), and what was
configured paused from the task's `DmsDeploy` metadata. A template without that metadata
counts as "not paused, no paused tables".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dms_deploy.config.models import Table, TeamConfig
from dms_deploy.plan.templates import METADATA_KEY, json_value, properties, task_resources
from dms_deploy.render.mappings import parse_table_folder, table_folder


@dataclass(frozen=True)
class TaskView:
    identifier: str
    team: str
    logical_id: str | None
    paused: bool
    active: dict[str, str]  # source "<endpoint>/<schema>/<table>" -> version
    paused_tables: dict[str, str] = field(default_factory=dict)
    properties: dict = field(default_factory=dict)
    # Whether a deployed task carried DmsDeploy metadata (configured views always "have" it).
    has_metadata: bool = True

    def version_of(self, source: str) -> str | None:
        return self.active.get(source) or self.paused_tables.get(source)


def source_at(source: str, version: str) -> str:
    return f"{source}@{version}"


def folder_of(source: str, version: str) -> str:
    endpoint, schema, name = source.split("/", 2)
    return table_folder(Table(endpoint=endpoint, schema=schema, name=name, version=version))


def mapped_tables(table_mappings: object) -> dict[str, str]:
    """Source -> version, from the rename-table rules of a TableMappings document."""
    doc = json_value(table_mappings)
    rules = doc.get("rules", []) if isinstance(doc, dict) else []
    out: dict[str, str] = {}
    for rule in rules:
        if rule.get("rule-type") == "transformation" and rule.get("rule-target") == "table":
            parsed = parse_table_folder(str(rule.get("value", "")))
            if parsed is not None:
                endpoint, schema, name, version = parsed
                out[f"{endpoint}/{schema}/{name}"] = version
    return out


def _paused_tables(entries: list) -> dict[str, str]:
    out: dict[str, str] = {}
    for entry in entries:
        source, _, version = str(entry).rpartition("@")
        if source:
            out[source] = version
    return out


def deployed_views(template: dict, team: str) -> dict[str, TaskView]:
    """The tasks a deployed template holds, keyed by DMS task id."""
    views = {}
    for ident, (lid, res) in task_resources(template).items():
        meta = (res.get("Metadata") or {}).get(METADATA_KEY) or {}
        props = properties(res)
        views[ident] = TaskView(
            identifier=ident,
            team=meta.get("Team") or team,
            logical_id=lid,
            paused=bool(meta.get("Paused", False)),
            active=mapped_tables(props.get("TableMappings")),
            paused_tables=_paused_tables(meta.get("PausedTables") or []),
            properties=props,
            has_metadata=bool(meta),
        )
    return views


def configured_views(team_config: TeamConfig, template: dict) -> dict[str, TaskView]:
    """The tasks a team config asks for, with the properties of their rendered resource."""
    rendered = task_resources(template)
    views = {}
    for task in team_config.tasks.values():
        lid, res = rendered.get(task.identifier, (None, {}))
        views[task.identifier] = TaskView(
            identifier=task.identifier,
            team=task.team,
            logical_id=lid,
            paused=task.paused,
            active={t.source: t.version for t in task.active_tables},
            paused_tables={t.source: t.version for t in task.tables if t.paused},
            properties=properties(res),
        )
    return views

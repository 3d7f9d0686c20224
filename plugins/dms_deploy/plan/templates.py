"""Reading CloudFormation templates as data: resources, references, exports, DMS tasks.

Templates use long-form intrinsics, so a JSON or YAML body parses into plain data and two
templates compare equal exactly when CloudFormation would see no difference.
"""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

import yaml

TASK_TYPE = "AWS::DMS::ReplicationTask"
METADATA_KEY = "DmsDeploy"
# The largest TemplateBody CloudFormation takes inline (CreateChangeSet, ValidateTemplate, ...);
# a larger template goes through S3 as a TemplateURL, which allows 1 MB:
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
MAX_INLINE_TEMPLATE_BYTES = 51_200

try:  # The C loader is much faster on large team templates.
    _YamlLoader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _YamlLoader = yaml.SafeLoader


@functools.lru_cache(maxsize=256)
def _parse_cached(body: str) -> Any:
    text = body.lstrip()
    if text.startswith("{"):
        return json.loads(text)
    return yaml.load(text, Loader=_YamlLoader)  # CSafeLoader or SafeLoader: safe


def parse_template(body: str | None) -> dict:
    """The template as data; an empty dict for no template. Callers must not mutate it."""
    if not body:
        return {}
    data = _parse_cached(body)
    return data if isinstance(data, dict) else {}


def digest(body: str) -> str:
    """A stable key for a template body (ValidateTemplate results are stored by it)."""
    return hashlib.sha256(body.encode()).hexdigest()


def resources(template: dict) -> dict[str, dict]:
    return template.get("Resources") or {}


def properties(resource: dict) -> dict:
    return resource.get("Properties") or {}


def references(value: Any) -> set[str]:
    """Logical ids that a property value points at through Ref or Fn::GetAtt."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str) and not inner.startswith("AWS::"):
                found.add(inner)
            elif key == "Fn::GetAtt":
                target = inner[0] if isinstance(inner, list) else str(inner).split(".")[0]
                found.add(target)
            else:
                found |= references(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= references(inner)
    return found


def resolve_name(value: Any, stack_name: str) -> str | None:
    """A literal export name, or a Fn::Sub of ${AWS::StackName}; None if not static."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("Fn::Sub"), str):
        return value["Fn::Sub"].replace("${AWS::StackName}", stack_name)
    return None


def imports(value: Any, stack_name: str) -> set[str]:
    """Export names imported anywhere inside a value through Fn::ImportValue."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            name = resolve_name(inner, stack_name) if key == "Fn::ImportValue" else None
            if name is not None:
                found.add(name)
            else:
                found |= imports(inner, stack_name)
    elif isinstance(value, list):
        for inner in value:
            found |= imports(inner, stack_name)
    return found


def exported(template: dict, stack_name: str) -> dict[str, set[str]]:
    """Export name -> the logical ids its value comes from."""
    out: dict[str, set[str]] = {}
    for output in (template.get("Outputs") or {}).values():
        export = output.get("Export") or {}
        name = resolve_name(export.get("Name"), stack_name)
        if name is not None:
            out[name] = references(output.get("Value"))
    return out


def task_identifier(logical_id: str, resource: dict) -> str:
    """The DMS task id: from our metadata, else the property, else the logical id."""
    meta = (resource.get("Metadata") or {}).get(METADATA_KEY) or {}
    if meta.get("Team") and meta.get("Task"):
        return f"{meta['Team']}-{meta['Task']}"
    ident = properties(resource).get("ReplicationTaskIdentifier")
    return ident if isinstance(ident, str) else logical_id


def task_resources(template: dict) -> dict[str, tuple[str, dict]]:
    """Task id -> (logical id, resource) for every replication task in a template."""
    return {
        task_identifier(lid, res): (lid, res)
        for lid, res in resources(template).items()
        if res.get("Type") == TASK_TYPE
    }


def json_value(value: Any) -> Any:
    """TableMappings and settings are JSON strings in templates; compare them as data."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def has_our_tasks(template: dict) -> bool:
    """Whether a stack is one of ours: it holds a task with DmsDeploy metadata."""
    return any(
        METADATA_KEY in (res.get("Metadata") or {}) for _, res in task_resources(template).values()
    )


def fits_inline(body: str) -> bool:
    """True when CloudFormation accepts the body inline; the limit counts UTF-8 bytes."""
    return len(body.encode("utf-8")) <= MAX_INLINE_TEMPLATE_BYTES

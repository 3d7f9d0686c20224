"""AWS resource schemas, read from the copy that cfn-lint ships.

The CloudFormation registry schema of each type lists ``createOnlyProperties``: changing one
replaces the resource, changing any other writable property updates it in place.
https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-schema.html

The files are read as JSON, without importing cfn-lint (which keeps sandbox start-up fast).
cfn-lint 1.x stores ``providers/<region>.json`` (type name -> schema file id) and
``resources/<id>.json``; older layouts kept one file per type under ``providers/<region>/``.
"""

from __future__ import annotations

import importlib.util
import json
from functools import cache
from pathlib import Path
from typing import Any

from sandbox import REGION


def _schemas_dir() -> Path:
    spec = importlib.util.find_spec("cfnlint")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("cfn-lint is not installed; the sandbox needs its resource schemas")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "schemas"


@cache
def resource_schema(type_name: str) -> dict[str, Any]:
    root = _schemas_dir()
    index = root / "providers" / f"{REGION}.json"
    if index.is_file():
        file_id = json.loads(index.read_text()).get(type_name)
        if file_id:
            return json.loads((root / "resources" / f"{file_id}.json").read_text())
    legacy = root / "providers" / REGION.replace("-", "_")
    candidate = legacy / (type_name.lower().replace("::", "-") + ".json")
    if candidate.is_file():
        return json.loads(candidate.read_text())
    return {}


def _paths(type_name: str, key: str) -> list[list[str]]:
    paths = resource_schema(type_name).get(key) or []
    return [p.split("/")[2:] for p in paths if p.startswith("/properties/")]


def create_only_paths(type_name: str) -> list[list[str]]:
    """Property paths (``["S3Settings", "BucketName"]`` style) whose change forces replacement."""
    return _paths(type_name, "createOnlyProperties")


def _dig(value: Any, path: list[str]) -> Any:
    for part in path:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def requires_replacement(type_name: str, prop: str, old: Any, new: Any) -> bool:
    """Does changing top-level property ``prop`` from ``old`` to ``new`` replace the resource?"""
    for path in create_only_paths(type_name):
        if path[0] != prop:
            continue
        if _dig({prop: old}, path) != _dig({prop: new}, path):
            return True
    return False


def replacing_properties(type_name: str, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    names = sorted(set(old) | set(new))
    return [
        n
        for n in names
        if old.get(n) != new.get(n) and requires_replacement(type_name, n, old.get(n), new.get(n))
    ]

"""TableMappings: which source tables a task replicates, and where they land in S3.

Table folder format
-------------------
Each table is written to ``<bucket>/<bucket_folder>/data/<table folder>/`` where the table
folder is ``{endpoint}__{schema}__{table}__{version}``, for example
``fooddb__foodsearch__barcodes__v202008040000``. The format is injective: endpoint names
contain no ``_`` at all (they are DMS identifiers), and schema and table names never contain
``__`` and never start or end with ``_`` (the schema enforces it). So splitting a folder on
``__`` gives back exactly the four parts, and two different tables never share a folder
unless they are the same source under the same version.

Rules
-----
* one ``selection`` rule per active table, ``rule-action: explicit``: the exact schema and
  table, no wildcards (explicit selection does not treat ``_`` or ``%`` as wildcards);
* one ``rename`` rule per distinct schema, renaming it to ``data`` (DMS rejects two
  transformations of one object, so never one per table);
* one ``rename`` rule per table, renaming it to its table folder; its name includes the
  version, so a version bump is a new rule.

Rule names and ids depend only on the table (or schema) they describe, never on position:
adding or removing a table leaves every other rule byte-identical, so diffs stay small.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from typing import Any

from dms_deploy.config.models import Table, Task
from dms_deploy.render.errors import RenderError

SEPARATOR = "__"
TARGET_SCHEMA = "data"
# DMS quota: "TableMappings" at most 2 MB per task
# (https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Limits.html).
MAX_MAPPING_BYTES = 2 * 1024 * 1024

_ENDPOINT = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_NAME = re.compile(r"^[A-Za-z0-9$]+(_[A-Za-z0-9$]+)*$")
_VERSION = re.compile(r"^v[0-9]{12}$")
# Rule ids stay within a signed 32-bit integer, which every DMS client accepts.
_ID_SPACE = 2**31 - 1


def table_folder(table: Table) -> str:
    """``{endpoint}__{schema}__{table}__{version}``: the table's S3 folder under ``data/``."""
    return SEPARATOR.join((table.endpoint, table.schema, table.name, table.version))


def parse_table_folder(folder: str) -> tuple[str, str, str, str] | None:
    """The inverse of `table_folder`: (endpoint, schema, table, version), or None."""
    parts = folder.split(SEPARATOR)
    if len(parts) != 4:
        return None
    endpoint, schema, table, version = parts
    if not (
        _ENDPOINT.fullmatch(endpoint)
        and _NAME.fullmatch(schema)
        and _NAME.fullmatch(table)
        and _VERSION.fullmatch(version)
    ):
        return None
    return endpoint, schema, table, version


def rule_id(rule_name: str) -> int:
    """A stable id from the rule's name alone (1 .. 2**31-1)."""
    digest = hashlib.sha256(rule_name.encode()).digest()
    return int.from_bytes(digest[:8], "big") % _ID_SPACE + 1


def _literal(name: str) -> str:
    # Transformation rules treat `_` as a one-character wildcard; `[_]` is a literal one.
    return name.replace("_", "[_]")


def _selection(table: Table, folder: str) -> dict[str, Any]:
    return {
        "rule-type": "selection",
        "rule-name": f"select{SEPARATOR}{folder}",
        "rule-action": "explicit",
        "object-locator": {"schema-name": table.schema, "table-name": table.name},
    }


def _rename_table(table: Table, folder: str) -> dict[str, Any]:
    return {
        "rule-type": "transformation",
        "rule-name": f"rename-table{SEPARATOR}{folder}",
        "rule-action": "rename",
        "rule-target": "table",
        "object-locator": {
            "schema-name": _literal(table.schema),
            "table-name": _literal(table.name),
        },
        "value": folder,
    }


def _rename_schema(schema: str) -> dict[str, Any]:
    return {
        "rule-type": "transformation",
        "rule-name": f"rename-schema{SEPARATOR}{schema}",
        "rule-action": "rename",
        "rule-target": "schema",
        "object-locator": {"schema-name": _literal(schema)},
        "value": TARGET_SCHEMA,
    }


def table_mappings(task: Task) -> dict[str, Any]:
    """The TableMappings document for the task's active (non-paused) tables."""
    by_name: dict[str, dict[str, Any]] = {}
    for table in task.active_tables:
        folder = table_folder(table)
        for rule in (_selection(table, folder), _rename_table(table, folder)):
            # A table listed twice renders the same rule twice; DMS004 reports it.
            by_name[rule["rule-name"]] = rule
        schema_rule = _rename_schema(table.schema)
        by_name[schema_rule["rule-name"]] = schema_rule

    owners: dict[int, str] = {}
    for name, rule in by_name.items():
        ident = rule_id(name)
        if ident in owners:
            raise RenderError(
                f"task {task.identifier}: rules {owners[ident]!r} and {name!r} hash to the "
                f"same rule-id {ident}; bump the version of one of these tables"
            )
        owners[ident] = name
        rule["rule-id"] = str(ident)
    rules = sorted(by_name.values(), key=lambda r: (r["rule-type"], r["rule-name"]))
    return {"rules": rules}


@functools.lru_cache(maxsize=1024)
def mapping_json(task: Task) -> str:
    """The exact TableMappings string placed in the template (its size is what DMS limits).

    Cached: rendering and the size check (DMS006) both need it; tasks are immutable.
    """
    return json.dumps(table_mappings(task), sort_keys=True, separators=(",", ":"))

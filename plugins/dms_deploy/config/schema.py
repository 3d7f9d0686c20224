"""JSON Schema validation with plain-language reasons.

The schemas live in `dms_configs/schema/` so editors can autocomplete through each file's
`"$schema"`. They are compiled once per process: validation dominates load time at scale.
Raw jsonschema messages are rewritten for the common cases, because the people reading
them are product engineers, not JSON Schema experts. A schema may give a friendlier reason
with the `errorMessage` keyword (the same keyword VS Code shows).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from dms_deploy.config.pointers import join
from dms_deploy.paths import REPO_ROOT

BASE_SCHEMA = "base.schema.json"
TEAM_SCHEMA = "team.schema.json"
ENVIRONMENTS_SCHEMA = "environments.schema.json"

_JSON_TYPES = {
    "object": "an object",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


class SchemaUnavailable(Exception):
    """The schema files themselves cannot be read: the input is unusable, not wrong."""


def default_schema_dir() -> Path:
    return REPO_ROOT / "dms_configs" / "schema"


@functools.cache
def validator(schema_dir: Path, name: str) -> Draft202012Validator:
    path = schema_dir / name
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SchemaUnavailable(f"cannot read JSON Schema {path}: {exc}") from exc
    Draft202012Validator.check_schema(schema)
    # Local `$ref`s are inlined once: resolving them per table costs a quarter of
    # validation time at 10,000 tables.
    return Draft202012Validator(_inline_refs(schema, schema.get("$defs", {})))


def _inline_refs(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/") and len(node) == 1:
            return _inline_refs(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline_refs(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline_refs(v, defs) for v in node]
    return node


def schema_problems(document: Any, schema_dir: Path, name: str) -> list[tuple[str, str]]:
    """Every schema violation as (JSON pointer, reason), sorted by pointer."""
    problems = [
        p for error in validator(schema_dir, name).iter_errors(document) for p in _explain(error)
    ]
    return sorted(set(problems))


def _explain(error: ValidationError) -> Iterator[tuple[str, str]]:
    path = list(error.absolute_path)
    where = join(path)
    kind = error.validator
    custom = error.schema.get("errorMessage") if isinstance(error.schema, dict) else None
    if "propertyNames" in error.absolute_schema_path:
        # jsonschema reports a bad key at its parent object; point at the key itself.
        key = error.instance
        yield join([*path, key]), f"key {key!r} {custom or 'is not allowed here'}"
    elif kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        for key in sorted(set(error.instance) - set(allowed)):
            hint = (
                f" (allowed: {', '.join(a for a in allowed if a != '$schema')})" if allowed else ""
            )
            yield join([*path, key]), f"unknown key {key!r}{hint}"
    elif kind == "required":
        for key in error.validator_value:
            if key not in error.instance:
                extra = f": {custom}" if custom else ""
                yield join([*path, key]), f"missing required key {key!r}{extra}"
    elif kind == "type":
        expected = _JSON_TYPES.get(error.validator_value, error.validator_value)
        yield where, f"expected {expected}, got {_describe(error.instance)}"
    elif kind == "pattern":
        reason = custom or f"must match {error.validator_value}"
        yield where, f"{error.instance!r} is not valid: {reason}"
    elif kind == "enum":
        choices = ", ".join(repr(c) for c in error.validator_value)
        yield where, f"{error.instance!r} is not one of {choices}"
    elif kind == "not" and isinstance(error.validator_value, dict):
        yield where, f"{error.instance!r} is reserved and cannot be used here"
    elif kind in ("minimum", "maximum"):
        word = "at least" if kind == "minimum" else "at most"
        yield where, f"must be {word} {error.validator_value}, got {error.instance!r}"
    elif kind in ("minItems", "minProperties") and error.validator_value == 1:
        yield where, "must not be empty"
    elif kind in ("minLength", "maxLength"):
        word = "at least" if kind == "minLength" else "at most"
        yield where, f"must be {word} {error.validator_value} characters long"
    else:
        yield where, error.message


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"a boolean ({json.dumps(value)})"
    if isinstance(value, (dict, list)):
        return "an object" if isinstance(value, dict) else "a list"
    kind = {str: "a string", int: "an integer", float: "a number"}.get(type(value), "null")
    return f"{kind} ({json.dumps(value)})"

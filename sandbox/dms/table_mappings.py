"""Evaluate DMS TableMappings: which source tables a task selects, and where they land.

Wildcards follow DMS: ``%`` any run of characters, ``_`` one character, ``[_]`` a literal
underscore, ``[ab]``/``[a-d]`` character sets.
https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.CustomizingTasks.TableMapping.SelectionTransformation.Wildcards.html
Selection and transformation rules:
https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.CustomizingTasks.TableMapping.SelectionTransformation.Selections.html
https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.CustomizingTasks.TableMapping.SelectionTransformation.Transformations.html

The sandbox has no source database. Its notion of the source tables is: every table that a
selection rule names literally (after unescaping ``[_]``) exists. A pattern with ``%`` adds no
table, but it still selects the tables that exist by that definition.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any


class InvalidTableMappings(ValueError):
    pass


def pattern_regex(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(ch))
            else:
                out.append("[" + re.escape(pattern[i + 1 : end]).replace("\\-", "-") + "]")
                i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out) + r"\Z", re.DOTALL)


def literal_name(pattern: str) -> str | None:
    """The table a pattern names literally, or None if it is a real wildcard pattern."""
    if "%" in pattern:
        return None
    # "[x]" (one character in a set) is that character: "[_]" is how DMS escapes "_".
    return re.sub(r"\[(.)\]", r"\1", pattern)


def matches(pattern: str, name: str) -> bool:
    return bool(pattern_regex(pattern).match(name))


@dataclass(frozen=True)
class SelectedTable:
    schema: str
    table: str
    target_schema: str
    target_table: str


def parse(table_mappings: str | dict[str, Any]) -> list[dict[str, Any]]:
    try:
        doc = json.loads(table_mappings) if isinstance(table_mappings, str) else table_mappings
    except ValueError as exc:
        raise InvalidTableMappings(f"Invalid Table Mappings document: {exc}") from exc
    rules = doc.get("rules") if isinstance(doc, dict) else None
    if not isinstance(rules, list):
        raise InvalidTableMappings("Invalid Table Mappings document: no rules")
    return [r for r in rules if isinstance(r, dict)]


def _locator(rule: dict[str, Any]) -> tuple[str, str]:
    loc = rule.get("object-locator") or {}
    return str(loc.get("schema-name", "%")), str(loc.get("table-name", "%"))


def _transform(action: str, value: str | None, name: str) -> str:
    if action == "rename":
        return value or name
    if action == "convert-lowercase":
        return name.lower()
    if action == "convert-uppercase":
        return name.upper()
    if action == "add-prefix":
        return f"{value or ''}{name}"
    if action == "add-suffix":
        return f"{name}{value or ''}"
    if action == "remove-prefix" and value and name.startswith(value):
        return name[len(value) :]
    if action == "remove-suffix" and value and name.endswith(value):
        return name[: -len(value)]
    return name


def selected_tables(table_mappings: str | dict[str, Any]) -> list[SelectedTable]:
    rules = parse(table_mappings)
    selections = [r for r in rules if r.get("rule-type") == "selection"]
    transformations = [r for r in rules if r.get("rule-type") == "transformation"]

    universe: list[tuple[str, str]] = []
    for rule in selections:
        if rule.get("rule-action") not in ("include", "explicit"):
            continue
        schema_p, table_p = _locator(rule)
        schema, table = literal_name(schema_p), literal_name(table_p)
        if rule.get("rule-action") == "explicit":
            schema, table = schema_p, table_p
        if schema is not None and table is not None and (schema, table) not in universe:
            universe.append((schema, table))

    chosen: list[tuple[str, str]] = []
    for schema, table in universe:
        included = excluded = False
        for rule in selections:
            schema_p, table_p = _locator(rule)
            action = rule.get("rule-action")
            if action == "explicit":
                hit = (schema_p, table_p) == (schema, table)
            else:
                hit = matches(schema_p, schema) and matches(table_p, table)
            if hit and action in ("include", "explicit"):
                included = True
            elif hit and action == "exclude":
                excluded = True
        if included and not excluded:
            chosen.append((schema, table))

    result = []
    for schema, table in chosen:
        target_schema, target_table = schema, table
        for rule in transformations:
            schema_p, table_p = _locator(rule)
            target = rule.get("rule-target")
            action, value = str(rule.get("rule-action", "")), rule.get("value")
            if target == "schema" and matches(schema_p, schema):
                target_schema = _transform(action, value, target_schema)
            elif target == "table" and matches(schema_p, schema) and matches(table_p, table):
                target_table = _transform(action, value, target_table)
        result.append(SelectedTable(schema, table, target_schema, target_table))
    return result

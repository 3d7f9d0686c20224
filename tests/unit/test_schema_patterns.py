"""No control character can pass a pattern in dms_configs/schema/*.schema.json.

JSON Schema patterns are searched, not matched whole, and jsonschema uses Python's `re`,
where `$` also matches before a final newline: `^v[0-9]{12}$` accepts "v202008040000\\n".
Two facts together rule out every control character:

1. every pattern is anchored at both ends, the end by `$(?!\\n)`, so the match covers the
   whole string (the lookahead refuses the newline Python's `$` would let through);
2. every character the pattern can match is named in it, as printable ASCII: no `.`, no
   negated class, no class escape such as `\\s` or `\\W`.

The tests check both facts on every pattern, then try every control character at the
start, middle and end of a valid value, through the real validator.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dms_deploy.cli import main
from dms_deploy.config.identifiers import TASK_MAX, identifier_problem
from dms_deploy.config.schema import (
    BASE_SCHEMA,
    ENVIRONMENTS_SCHEMA,
    TEAM_SCHEMA,
    default_schema_dir,
    validator,
)

SCHEMA_DIR = default_schema_dir()
END = "$(?!\\n)"
CONTROL = [chr(c) for c in range(0x20)] + [chr(c) for c in range(0x7F, 0xA0)]
# Escapes that name one printable character; `\n` appears only in the end anchor.
LITERAL_ESCAPES = set(".-/$+*?()[]{}|^\\")

# A valid value for every patterned place in the schemas, by schema path.
VALID = {
    "base.schema.json:/properties/stack_name": "dms-base",
    "base.schema.json:/properties/network_stack_name": "network",
    "base.schema.json:/properties/bucket": "acme-data-lake",
    "base.schema.json:/properties/bucket_folder": "raw/dms",
    "base.schema.json:/properties/targets/propertyNames": "s3-1min",
    "team.schema.json:/properties/team": "food",
    "team.schema.json:/$defs/endpoint/properties/server": "fooddb.internal",
    "team.schema.json:/$defs/endpoint/properties/secret": (
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:dms/fooddb"
    ),
    "team.schema.json:/$defs/endpoint/properties/database": "food_db",
    "team.schema.json:/$defs/instance/properties/class": "dms.r5.large",
    "team.schema.json:/$defs/table/properties/source": "fooddb/food_search/bar$codes",
    "team.schema.json:/$defs/table/properties/version": "v202008040000",
    "environments.schema.json:/properties/environments/propertyNames": "staging",
    "environments.schema.json:/$defs/environment/properties/aws_conn_id": "aws_staging",
    "environments.schema.json:/$defs/environment/properties/region": "eu-west-1",
    "environments.schema.json:/$defs/environment/properties/account_id": "210987654321",
    "environments.schema.json:/$defs/base/properties/bucket": "acme-data-lake-staging",
    "environments.schema.json:/$defs/base/properties/bucket_folder": "raw/dms",
    "environments.schema.json:/$defs/base/properties/network_stack_name": "network-staging",
    "environments.schema.json:/$defs/endpoint/properties/server": "fooddb.staging.internal",
    "environments.schema.json:/$defs/endpoint/properties/secret": (
        "arn:aws:secretsmanager:us-east-1:210987654321:secret:dms/fooddb"
    ),
}


def _patterns(node: Any, path: str) -> Iterator[tuple[str, dict]]:
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            yield path, node
        for key, value in node.items():
            yield from _patterns(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _patterns(value, f"{path}/{i}")


def all_patterns() -> dict[str, dict]:
    found = {}
    for name in (BASE_SCHEMA, TEAM_SCHEMA, ENVIRONMENTS_SCHEMA):
        schema = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
        found |= {f"{name}:{path}": node for path, node in _patterns(schema, "")}
    return found


PATTERNS = all_patterns()


def test_every_pattern_has_a_valid_sample() -> None:
    assert set(PATTERNS) == set(VALID)


def _matchable_characters_are_named(pattern: str) -> list[str]:
    """Constructs that could match a character the pattern does not name."""
    problems = []
    body = pattern[1 : -len(END)]
    i, in_class = 0, False
    while i < len(body):
        ch = body[i]
        if not " " <= ch <= "~":
            problems.append(f"non-printable {ch!r}")
        if ch == "\\":
            escaped = body[i + 1 : i + 2]
            if escaped not in LITERAL_ESCAPES:
                problems.append(f"escape \\{escaped}")
            i += 2
            continue
        if ch == "[":
            if body[i + 1 : i + 2] == "^":
                problems.append("negated class")
            in_class = True
        elif ch == "]":
            in_class = False
        elif ch == "." and not in_class:
            problems.append("'.' outside a class")
        elif ch == "(" and body[i + 1 : i + 2] == "?":
            problems.append("group extension (lookaround or flags)")
        i += 1
    return problems


@pytest.mark.parametrize("where", sorted(PATTERNS))
def test_pattern_is_anchored_and_names_every_character(where: str) -> None:
    pattern = PATTERNS[where]["pattern"]
    assert pattern.startswith("^"), where
    assert pattern.endswith(END), where
    assert _matchable_characters_are_named(pattern) == [], where


@pytest.mark.parametrize("where", sorted(PATTERNS))
def test_no_control_character_passes(where: str) -> None:
    pattern = PATTERNS[where]["pattern"]
    valid = VALID[where]
    assert re.search(pattern, valid), f"{where}: sample {valid!r} must be valid"
    middle = len(valid) // 2
    for ch in CONTROL:
        for bad in (ch + valid, valid[:middle] + ch + valid[middle:], valid + ch):
            assert re.search(pattern, bad) is None, f"{where} accepts {bad!r}"


def test_the_checker_catches_what_would_let_a_control_character_through() -> None:
    # The structural check is only a proof if it can fail.
    for loose in ("^[a-z.]+.$(?!\\n)", "^[^/]+$(?!\\n)", "^\\S+$(?!\\n)", "^(?s:x)$(?!\\n)"):
        assert _matchable_characters_are_named(loose), loose


def test_a_trailing_newline_fails_the_whole_document(examples_dir: Path) -> None:
    """Through the compiled validator the loader uses, not only `re`."""
    team = json.loads((examples_dir / "teams" / "food.json").read_text(encoding="utf-8"))
    table = next(iter(team["tasks"].values()))["tables"][0]
    check = validator(SCHEMA_DIR, TEAM_SCHEMA)
    assert not list(check.iter_errors(team))
    for key in ("source", "version"):
        original = table[key]
        table[key] = original + "\n"
        errors = list(check.iter_errors(team))
        table[key] = original
        assert [e.validator for e in errors] == ["pattern"], key


@pytest.mark.parametrize("ch", ["\n", "\t", "\r", "\x00", "\x7f"])
def test_dms_identifiers_refuse_control_characters(ch: str) -> None:
    assert identifier_problem("food-search", TASK_MAX) is None
    assert identifier_problem(f"food-search{ch}", TASK_MAX) is not None
    assert identifier_problem(f"food{ch}-search", TASK_MAX) is not None


def test_a_finding_about_a_key_with_a_newline_prints_on_one_line(capsys) -> None:
    case = default_schema_dir().parents[1] / "tests" / "bad_configs" / "task-name-trailing-newline"
    assert main(["validate", "--no-lint", "--configs", str(case)]) == 1
    out = capsys.readouterr().out
    (line,) = [line for line in out.splitlines() if line.startswith("  DMS002 error")]
    assert line.startswith("  DMS002 error  teams/food.json#/tasks/foodsearch\\n: ")

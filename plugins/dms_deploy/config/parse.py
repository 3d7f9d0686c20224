"""Strict JSON reading: a config that JSON would silently 'fix' is an error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class ConfigSyntaxError(Exception):
    """A config file is not strict JSON; the message says where and why."""


def _reject_constant(name: str) -> Any:
    raise ConfigSyntaxError(f"{name} is not valid JSON")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        # json.loads would keep only the last value: a silent typo, so we refuse it.
        raise ConfigSyntaxError(f"duplicate key {dup!r} in one object (JSON keeps only the last)")
    return result


def read_json(path: Path) -> Any:
    """Parse a config file, raising ConfigSyntaxError with line and column on bad JSON."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigSyntaxError(f"not UTF-8 text (byte {exc.start})") from exc
    try:
        return json.loads(
            text, object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant
        )
    except json.JSONDecodeError as exc:
        raise ConfigSyntaxError(
            f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc

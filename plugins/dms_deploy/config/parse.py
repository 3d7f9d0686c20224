"""Strict JSON reading: a config that JSON would silently 'fix' is an error."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

# A config nests about eight levels; task settings add a few. The walks that follow (schema
# validation, the secret scan) recurse, so deeper input is refused before they run.
MAX_DEPTH = 64
_TOO_DEEP = f"objects and lists nest deeper than {MAX_DEPTH} levels"
# More digits than any 64-bit integer. Python itself refuses to convert an integer over
# 4,300 digits, with a ValueError that would escape as a traceback.
MAX_INTEGER_DIGITS = 20


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


def _bounded_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INTEGER_DIGITS:
        raise ConfigSyntaxError(
            f"an integer of {digits:,} digits is too large (at most {MAX_INTEGER_DIGITS})"
        )
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        # float() turns 1e999 into inf, which json.dumps would write as invalid JSON.
        raise ConfigSyntaxError(f"the number {text[:40]} is out of range")
    return value


def _depth(value: Any) -> int:
    """How deeply objects and lists nest, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            node = list(node.values())
        elif not isinstance(node, list):
            continue
        deepest = max(deepest, depth)
        stack += [(child, depth + 1) for child in node]
    return deepest


def read_json(path: Path) -> Any:
    """Parse a config file, raising ConfigSyntaxError with line and column on bad JSON."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigSyntaxError(f"not UTF-8 text (byte {exc.start})") from exc
    try:
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicate_keys,
            parse_constant=_reject_constant,
            parse_int=_bounded_int,
            parse_float=_finite_float,
        )
    except json.JSONDecodeError as exc:
        raise ConfigSyntaxError(
            f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc
    except RecursionError:
        raise ConfigSyntaxError(_TOO_DEEP) from None
    if _depth(value) > MAX_DEPTH:
        raise ConfigSyntaxError(_TOO_DEEP)
    return value

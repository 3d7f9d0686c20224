"""JSON pointers (RFC 6901) for findings."""

from __future__ import annotations

from collections.abc import Iterable


def escape(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(*tokens: str | int) -> str:
    """`pointer("tasks", "a/b", 1)` -> `/tasks/a~1b/1`; no tokens is the whole document ``""``."""
    return join(tokens)


def join(tokens: Iterable[str | int]) -> str:
    return "".join("/" + escape(t) for t in tokens)


def split(ptr: str) -> list[str]:
    if not ptr:
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in ptr[1:].split("/")]

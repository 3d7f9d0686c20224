"""Deterministic CloudFormation logical ids derived from config names.

A lowercase name whose every hyphen is followed by a letter (``food-search``) maps to
``<Kind>FoodSearch``; this is reversible (each capital marks a hyphen), so it is injective,
and it produces exactly the ids that continue the kind prefix with a capital letter.
Any other name (``food-1``, ``2fa``) loses information when sanitised, so it becomes
``<Kind><8 hex chars of sha256(name)><CamelCase>``: the hash starts with a digit or a
lowercase letter, which a reversible id never does right after the prefix, so the two
forms cannot collide. Stacks still check that their ids are unique.
"""

from __future__ import annotations

import hashlib
import re

_REVERSIBLE = re.compile(r"^[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*$")
_PARTS = re.compile(r"[^A-Za-z0-9]+")


def _camel(name: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in _PARTS.split(name) if p)


def logical_id(kind: str, name: str) -> str:
    """`kind` is a CamelCase prefix such as ``Task``; `name` is the config name."""
    if _REVERSIBLE.match(name):
        return kind + _camel(name)
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{kind}{digest}{_camel(name)}"

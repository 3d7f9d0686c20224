"""Which resources an update modifies, and which it replaces.

A property listed in the resource type's `createOnlyProperties` cannot change in place:
CloudFormation creates a new resource. For a DMS task that is a fresh full load of every
table, so the planner must know it. The list comes from the resource schemas that cfn-lint
ships (static data), not from a hand-kept table.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from dms_deploy.plan.templates import imports, properties, references, resources

# Schemas are the same in every region for the DMS types; any region will do.
_SCHEMA_REGION = "us-east-1"


@functools.cache
def create_only_properties(resource_type: str) -> frozenset[str]:
    """Top-level property names whose change replaces a resource of this type."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER  # heavy import, only when needed

    try:
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(_SCHEMA_REGION, resource_type)
    except Exception:  # an unknown type: nothing is known to force replacement
        return frozenset()
    paths = schema.schema.get("createOnlyProperties", [])
    # "/properties/Name" or "/properties/Name/Nested": a change anywhere under Name counts.
    return frozenset(path.split("/")[2] for path in paths if path.startswith("/properties/"))


@dataclass(frozen=True)
class ResourceDiff:
    created: frozenset[str] = frozenset()
    deleted: frozenset[str] = frozenset()
    # Logical id -> the properties that differ (updated in place or replaced).
    modified: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Logical id -> why it is replaced ("ReplicationInstanceArn", or "X via Instance").
    replaced: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def touched(self) -> frozenset[str]:
        """Every logical id whose physical resource changes in any way."""
        return self.created | self.deleted | set(self.modified) | set(self.replaced)


def diff_resources(
    old: dict, new: dict, stack_name: str, replaced_exports: frozenset[str] = frozenset()
) -> ResourceDiff:
    """Compare two templates resource by resource.

    `replaced_exports` are exports whose value changes (their resource is replaced in another
    stack): a create-only property importing one replaces the importer too.
    """
    old_res, new_res = resources(old), resources(new)
    modified: dict[str, tuple[str, ...]] = {}
    replaced: dict[str, tuple[str, ...]] = {}
    for lid in old_res.keys() & new_res.keys():
        before, after = old_res[lid], new_res[lid]
        if before.get("Type") != after.get("Type"):
            replaced[lid] = ("Type",)
            continue
        changed = _changed_properties(properties(before), properties(after))
        if changed:
            modified[lid] = changed
        forcing = tuple(p for p in changed if p in create_only_properties(after.get("Type", "")))
        if forcing:
            replaced[lid] = forcing
    _propagate(new_res, replaced, stack_name, replaced_exports)
    return ResourceDiff(
        created=frozenset(new_res.keys() - old_res.keys()),
        deleted=frozenset(old_res.keys() - new_res.keys()),
        modified=modified,
        replaced=replaced,
    )


def _changed_properties(before: dict, after: dict) -> tuple[str, ...]:
    keys = sorted(before.keys() | after.keys())
    return tuple(k for k in keys if before.get(k) != after.get(k))


def _propagate(
    new_res: dict[str, dict],
    replaced: dict[str, tuple[str, ...]],
    stack_name: str,
    replaced_exports: frozenset[str],
) -> None:
    """A replaced resource gets a new ARN, so a create-only reference to it replaces too."""
    changed = True
    while changed:
        changed = False
        for lid, res in new_res.items():
            if lid in replaced:
                continue
            props = properties(res)
            reasons = []
            for name in sorted(create_only_properties(res.get("Type", ""))):
                value = props.get(name)
                via = (references(value) & replaced.keys()) | (
                    imports(value, stack_name) & replaced_exports
                )
                reasons += [f"{name} via {target}" for target in sorted(via)]
            if reasons:
                replaced[lid] = tuple(reasons)
                changed = True

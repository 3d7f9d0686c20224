"""Compute a change set's ``Changes`` the way CloudFormation reports them.

https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ResourceChange.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ResourceChangeDetail.html

Per changed property: ``RequiresRecreation`` is ``Always`` for a createOnly property and
``Never`` otherwise. A property whose value references a resource that is itself replaced is
evaluated ``Dynamic`` (its new value is known only at execution); if it could force recreation
the change's ``Replacement`` is ``Conditional``.
"""

from __future__ import annotations

import re
from typing import Any

from sandbox.cfn import schemas


def references(value: Any) -> set[str]:
    """Logical ids referenced by Ref, Fn::GetAtt and ${} in Fn::Sub."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner)
            elif key == "Fn::GetAtt":
                target = inner[0] if isinstance(inner, list) else str(inner).split(".")[0]
                found.add(str(target))
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) else inner
                # Names defined by Fn::Sub's own variable map are not references.
                local = set(inner[1]) if isinstance(inner, list) and len(inner) > 1 else set()
                if isinstance(text, str):
                    subs = {m.split(".")[0] for m in re.findall(r"\$\{([^!}][^}]*)\}", text)}
                    found |= subs - local
                if isinstance(inner, list) and len(inner) > 1:
                    found |= references(inner[1])
            else:
                found |= references(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= references(inner)
    return found


def dependency_order(resources: dict[str, Any]) -> list[str]:
    """Logical ids with every resource after the resources it references or depends on."""
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in ordered or name in visiting or name not in resources:
            return
        visiting.add(name)
        body = resources[name]
        deps = body.get("DependsOn") or []
        deps = [deps] if isinstance(deps, str) else list(deps)
        for dep in sorted(references(body.get("Properties") or {}) | set(deps)):
            visit(dep)
        visiting.discard(name)
        ordered.append(name)

    for name in resources:
        visit(name)
    return ordered


def resolve_params(value: Any, params: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"] in params:
            return params[value["Ref"]]
        return {k: resolve_params(v, params) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_params(v, params) for v in value]
    return value


def template_parameters(template: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    resolved = {k: v.get("Default") for k, v in (template.get("Parameters") or {}).items()}
    resolved.update({k: v for k, v in given.items() if k in resolved})
    return resolved


def compute(
    old_template: dict[str, Any],
    old_params: dict[str, Any],
    new_template: dict[str, Any],
    new_params: dict[str, Any],
    physical_ids: dict[str, str],
) -> list[dict[str, Any]]:
    old_res = old_template.get("Resources") or {}
    new_res = new_template.get("Resources") or {}
    replaced: set[str] = set()
    changes: list[dict[str, Any]] = []
    for name in dependency_order(new_res):
        body = new_res[name]
        rtype = body.get("Type", "")
        if name not in old_res:
            changes.append(
                {
                    "Action": "Add",
                    "LogicalResourceId": name,
                    "ResourceType": rtype,
                    "Scope": [],
                    "Details": [],
                }
            )
            continue
        old_props = old_res[name].get("Properties") or {}
        new_props = body.get("Properties") or {}
        details: list[dict[str, Any]] = []
        replacement = "False"
        for prop in sorted(set(old_props) | set(new_props)):
            raw_old, raw_new = old_props.get(prop), new_props.get(prop)
            old_v = resolve_params(raw_old, old_params)
            new_v = resolve_params(raw_new, new_params)
            attribute = "Tags" if prop == "Tags" else "Properties"
            if old_v != new_v:
                recreate = schemas.requires_replacement(rtype, prop, old_v, new_v)
                detail: dict[str, Any] = {
                    "Target": {
                        "Attribute": attribute,
                        "Name": prop,
                        "RequiresRecreation": "Always" if recreate else "Never",
                    },
                    "Evaluation": "Static",
                    "ChangeSource": "DirectModification",
                }
                if raw_old == raw_new:
                    param = (raw_new or {}).get("Ref") if isinstance(raw_new, dict) else None
                    detail["ChangeSource"] = "ParameterReference"
                    if param:
                        detail["CausingEntity"] = param
                details.append(detail)
                if recreate:
                    replacement = "True"
                continue
            for ref in sorted(references(raw_new) & replaced):
                could_recreate = any(p[0] == prop for p in schemas.create_only_paths(rtype))
                details.append(
                    {
                        "Target": {
                            "Attribute": attribute,
                            "Name": prop,
                            "RequiresRecreation": "Conditionally" if could_recreate else "Never",
                        },
                        "Evaluation": "Dynamic",
                        "ChangeSource": "ResourceReference",
                        "CausingEntity": ref,
                    }
                )
                if could_recreate and replacement == "False":
                    replacement = "Conditional"
        other_keys = {k for k in set(body) | set(old_res[name]) if k not in ("Properties", "Type")}
        attr_changed = any(body.get(k) != old_res[name].get(k) for k in other_keys)
        if not details and not attr_changed:
            continue
        if replacement != "False":
            replaced.add(name)
        scope = sorted({d["Target"]["Attribute"] for d in details})
        change: dict[str, Any] = {
            "Action": "Modify",
            "LogicalResourceId": name,
            "ResourceType": rtype,
            "PhysicalResourceId": physical_ids.get(name),
            "Replacement": replacement,
            "Scope": scope,
            "Details": details,
        }
        if replacement == "True":
            change["PolicyAction"] = "ReplaceAndDelete"
        changes.append(change)
    for name, body in old_res.items():
        if name not in new_res:
            changes.append(
                {
                    "Action": "Remove",
                    "LogicalResourceId": name,
                    "ResourceType": body.get("Type", ""),
                    "PhysicalResourceId": physical_ids.get(name),
                    "PolicyAction": "Delete",
                    "Scope": [],
                    "Details": [],
                }
            )
    return changes

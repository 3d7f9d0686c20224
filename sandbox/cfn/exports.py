"""Cross-stack exports in use: ListImports, and no update or delete of an export in use.

A stack imports an export with ``Fn::ImportValue``. AWS lists the importing stacks through
ListImports (a ``ValidationError`` when nobody imports it), and refuses to change, remove or
delete an export while another stack imports it: an update rolls back ("Cannot update export X
as it is in use by Y." / "Cannot delete export X as it is in use by Y."), a stack delete ends
``DELETE_FAILED`` ("Export X cannot be deleted as it is in use by Y.").
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListImports.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-stack-exports.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-importvalue.html
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult

from sandbox.cfn import changes

# Stacks that import nothing: deleted, never created, or not yet created (a change set only).
_GONE = ("DELETE_COMPLETE", "ROLLBACK_COMPLETE", "REVIEW_IN_PROGRESS")
PAGE = 100


def _import_nodes(value: Any) -> list[Any]:
    found = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Fn::ImportValue":
                found.append(inner)
            else:
                found.extend(_import_nodes(inner))
    elif isinstance(value, list):
        for inner in value:
            found.extend(_import_nodes(inner))
    return found


def imported_names(stack: Stack) -> set[str]:
    """The export names a stack's current template imports."""
    names = set()
    for node in _import_nodes(stack.template_dict or {}):
        try:
            name = parsing.clean_json(node, stack.resource_map)
        except Exception:  # an import this stack could not resolve imports nothing
            continue
        if isinstance(name, str):
            names.add(name)
    return names


def importers(backend: CloudFormationBackend, export_name: str, exclude: str = "") -> list[str]:
    """Names of the live stacks (other than ``exclude``, a stack id) importing the export."""
    return sorted(
        stack.name
        for stack in backend.stacks.values()
        if stack.stack_id != exclude
        and stack.status not in _GONE
        and export_name in imported_names(stack)
    )


def _output_exports(template: dict[str, Any], stack: Stack, params: dict[str, Any]) -> dict:
    """Export name -> value expression (parameters substituted) of a template's outputs."""
    found = {}
    for output in (template.get("Outputs") or {}).values():
        export = output.get("Export") if isinstance(output, dict) else None
        if not export:
            continue
        try:
            name = parsing.clean_json(
                changes.resolve_params(export.get("Name"), params), stack.resource_map
            )
        except Exception:
            continue
        found[str(name)] = changes.resolve_params(output.get("Value"), params)
    return found


def update_conflict(
    stack: Stack,
    backend: CloudFormationBackend,
    new_template: dict[str, Any],
    new_params: dict[str, Any],
    rows: list[dict[str, Any]],
) -> str | None:
    """The reason AWS refuses this update of ``stack``'s exports, or None.

    An export's value changes when its expression changes or references a resource this update
    replaces (its physical id, and so the value, changes).
    """
    old = _output_exports(
        stack.template_dict or {}, stack, dict(stack.resource_map.resolved_parameters)
    )
    new = _output_exports(new_template, stack, new_params)
    replaced = {r["LogicalResourceId"] for r in rows if r.get("Replacement") in ("True",)}
    for name, old_value in old.items():
        users = importers(backend, name, exclude=stack.stack_id)
        if not users:
            continue
        if name not in new:
            return f"Cannot delete export {name} as it is in use by {users[0]}."
        if new[name] != old_value or changes.references(new[name]) & replaced:
            return f"Cannot update export {name} as it is in use by {users[0]}."
    return None


def delete_conflict(backend: CloudFormationBackend, stack: Stack) -> str | None:
    for export in stack.exports:
        users = importers(backend, export.name, exclude=stack.stack_id)
        if users:
            return f"Export {export.name} cannot be deleted as it is in use by {users[0]}."
    return None


def _response_list_imports(self: CloudFormationResponse) -> ActionResult:
    name = self._get_param("ExportName")
    names = importers(self.cloudformation_backend, name)
    if not names:
        raise ValidationError(message=f"Export '{name}' is not imported by any stack.")
    start = int(self._get_param("NextToken") or 0)
    result: dict[str, Any] = {"Imports": names[start : start + PAGE]}
    if start + PAGE < len(names):
        result["NextToken"] = str(start + PAGE)
    return ActionResult(result)


def install() -> None:
    CloudFormationResponse.list_imports = _response_list_imports  # type: ignore[attr-defined]

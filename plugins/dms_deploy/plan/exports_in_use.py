"""Exports that a plan removes or gives a new value: CloudFormation refuses either while
another stack imports the export ("Export ... cannot be updated as it is in use by ...").

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-stack-exports.html
The importers come from ListImports, read only for the exports named here:
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListImports.html
"""

from __future__ import annotations

from dataclasses import dataclass

from dms_deploy.plan.analysis import Analysis
from dms_deploy.plan.templates import exported


@dataclass(frozen=True)
class ExportChange:
    stack: str  # the stack that exports it
    team: str  # that stack's team ("base" for the base stack)
    what: str  # "is removed" or "gets a new value"


def changing_exports(analysis: Analysis) -> dict[str, ExportChange]:
    """Every export of a stack in the plan that disappears, or whose value comes from a new
    or replaced resource, by export name."""
    out: dict[str, ExportChange] = {}
    for diff in analysis.stack_diffs():
        if diff.action not in ("update", "delete"):
            continue
        before = exported(diff.deployed, diff.name)
        after = exported(diff.desired, diff.name) if diff.action == "update" else {}
        for name, sources in sorted(before.items()):
            if name not in after:
                out[name] = ExportChange(diff.name, diff.team, "is removed")
            elif after[name] != sources or sources & diff.resources.replaced.keys():
                out[name] = ExportChange(diff.name, diff.team, "gets a new value")
    return out

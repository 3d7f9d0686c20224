"""Desired configs + observed AWS state -> Plan, a value that can be saved as JSON. Pure.

Public API: `make_plan`, `Desired`, `desired_from_offline`, `Plan`, `Step`, `TaskChange`.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "make_plan": "dms_deploy.plan.make",
    "desired_from_offline": "dms_deploy.plan.make",
    "Desired": "dms_deploy.plan.analysis",
    "Plan": "dms_deploy.plan.model",
    "Step": "dms_deploy.plan.model",
    "StackAction": "dms_deploy.plan.model",
    "TaskChange": "dms_deploy.plan.model",
}


def __getattr__(name: str) -> Any:
    # Lazy, so importing one plan submodule does not import the whole planner.
    if name not in _EXPORTS:
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module(_EXPORTS[name]), name)

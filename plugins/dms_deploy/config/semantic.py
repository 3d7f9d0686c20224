"""Cross-references the schema cannot express, reported as DMS002 problems.

Each function returns (JSON pointer, reason) pairs for one schema-valid document.
"""

from __future__ import annotations

from typing import Any

from dms_deploy.config.identifiers import (
    ENDPOINT_MAX,
    INSTANCE_MAX,
    NAME_MAX,
    TASK_MAX,
    identifier_problem,
)
from dms_deploy.config.pointers import pointer

Problem = tuple[str, str]


def base_problems(doc: dict[str, Any]) -> list[Problem]:
    """Target endpoints are named `<stack_name>-<target>` in DMS."""
    problems = []
    for name in doc["targets"]:
        ident = f"{doc['stack_name']}-{name}"
        reason = identifier_problem(ident, ENDPOINT_MAX)
        if reason:
            problems.append(
                (pointer("targets", name), f"DMS endpoint identifier {ident!r} {reason}")
            )
    return problems


def team_problems(doc: dict[str, Any], file_stem: str, targets: set[str] | None) -> list[Problem]:
    """Identifiers, the file name, and references to instances, endpoints and targets.

    `targets` is None when base.json is itself invalid, so target names cannot be checked.
    """
    team = doc["team"]
    problems: list[Problem] = []
    if team != file_stem:
        problems.append(
            (pointer("team"), f"team {team!r} must match its file name ({file_stem}.json)")
        )
    for kind, section, limit in (
        ("endpoint", "endpoints", ENDPOINT_MAX),
        ("replication instance", "instances", INSTANCE_MAX),
        ("replication task", "tasks", TASK_MAX),
    ):
        for name in doc[section]:
            ident = f"{team}-{name}"
            reason = identifier_problem(ident, limit)
            if reason:
                problems.append(
                    (pointer(section, name), f"DMS {kind} identifier {ident!r} {reason}")
                )
            elif len(name) > NAME_MAX:
                problems.append(
                    (
                        pointer(section, name),
                        f"{kind} name is {len(name)} characters long; at most {NAME_MAX}, "
                        "because CloudFormation logical ids, which include it, allow 255",
                    )
                )
    for name, task in doc["tasks"].items():
        problems += _reference(doc, name, task, "instance", "instances")
        problems += _reference(doc, name, task, "endpoint", "endpoints")
        if targets is not None and task["target"] not in targets:
            known = ", ".join(sorted(targets))
            problems.append(
                (
                    pointer("tasks", name, "target"),
                    f"unknown target {task['target']!r} (base.json defines: {known})",
                )
            )
    return problems


def _reference(
    doc: dict[str, Any], task_name: str, task: dict[str, Any], key: str, section: str
) -> list[Problem]:
    ref = task[key]
    if ref in doc[section]:
        return []
    known = ", ".join(sorted(doc[section])) or "none"
    return [
        (pointer("tasks", task_name, key), f"unknown {key} {ref!r} (this file defines: {known})")
    ]

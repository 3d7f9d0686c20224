"""Which task settings differ between the deployed template and the live task. Pure.

DMS returns the full ReplicationTaskSettings document, its defaults merged with what was
deployed (DescribeReplicationTasks unless WithoutSettings is set):
https://docs.aws.amazon.com/dms/latest/APIReference/API_DescribeReplicationTasks.html
Only the keys we set are compared (include/templates/task_settings.json and a task's
overrides), so a default that DMS adds, or a value DMS fills in that we leave out, is never
reported as drift.
"""

from __future__ import annotations

from typing import Any

from dms_deploy.plan.templates import json_value


def differing_settings(deployed: Any, live: Any) -> list[str]:
    """Dotted key paths, in order, whose deployed value the live settings do not hold.

    A list counts as held when every deployed item is in the live list; items that carry an
    `Id` (Logging.LogComponents) are matched by it, because DMS lists every component.
    """
    return _diff(json_value(deployed), json_value(live), "")


def _diff(want: Any, have: Any, path: str) -> list[str]:
    if isinstance(want, dict):
        if not isinstance(have, dict):
            return [path or "(settings)"]
        out: list[str] = []
        for key in sorted(want):
            inner = f"{path}.{key}" if path else key
            out += [inner] if key not in have else _diff(want[key], have[key], inner)
        return out
    if isinstance(want, list):
        return [] if _list_held(want, have) else [path]
    return [] if _same(want, have) else [path]


def _list_held(want: list, have: Any) -> bool:
    if not isinstance(have, list):
        return False
    by_id = {item.get("Id"): item for item in have if isinstance(item, dict) and "Id" in item}
    for item in want:
        if isinstance(item, dict) and "Id" in item:
            if item["Id"] not in by_id or _diff(item, by_id[item["Id"]], "x"):
                return False
        elif not any(not _diff(item, other, "x") for other in have):
            return False
    return True


def _same(want: Any, have: Any) -> bool:
    if isinstance(want, bool) or isinstance(have, bool):
        return want is have
    return want == have

"""How one task changes between two views of it (deployed -> configured, or step to step)."""

from __future__ import annotations

from dms_deploy.plan.model import Bump, Classification, TaskChange
from dms_deploy.plan.replacement import ResourceDiff
from dms_deploy.plan.templates import json_value, references
from dms_deploy.plan.views import TaskView, folder_of, source_at

# DMS can modify these (ModifyReplicationTask), but they are create-only in CloudFormation's
# AWS::DMS::ReplicationTask schema: an update would replace the task, which fails for a task
# that keeps its identifier. A new task (a new name) is the way.
FORBIDDEN_PROPERTIES = ("MigrationType",)


def diff_task(
    old: TaskView | None, new: TaskView | None, stack: str, resources: ResourceDiff
) -> TaskChange:
    if new is None:
        assert old is not None
        return TaskChange(
            team=old.team,
            task=old.identifier,
            stack=stack,
            classification="deletion",
            removed=tuple(sorted(source_at(s, v) for s, v in old.active.items())),
            reasons=("the task is no longer configured",),
        )
    if old is None:
        return TaskChange(
            team=new.team,
            task=new.identifier,
            stack=stack,
            classification="new",
            added=tuple(sorted(source_at(s, v) for s, v in new.active.items())),
            configured_paused=new.paused,
            first_loads=tuple(sorted(folder_of(s, v) for s, v in new.active.items())),
        )
    return _diff_existing(old, new, stack, resources)


def _diff_existing(old: TaskView, new: TaskView, stack: str, res: ResourceDiff) -> TaskChange:
    added, removed, paused, unpaused, silent, first = [], [], [], [], [], []
    bumped, lowered = [], []
    for source in sorted(old.active.keys() | old.paused_tables.keys() | new.active.keys()):
        was_active, was = source in old.active, old.version_of(source)
        now_active = source in new.active
        now = new.active.get(source) or new.paused_tables.get(source)
        if now is None:
            if was_active:
                removed.append(source_at(source, was or ""))
            continue
        if was is not None and now < was:
            lowered.append(Bump(source, was, now))
        if not now_active:
            if was_active:
                paused.append(source_at(source, now))
            continue
        if was is None:
            added.append(source_at(source, now))
        elif was_active and now != was:
            bumped.append(Bump(source, was, now))
        elif not was_active:
            unpaused.append(source_at(source, now))
            if now == was:
                silent.append(source_at(source, now))
        if was is None or now != was:
            first.append(folder_of(source, now))

    classification, reasons = _classify(old, new, res)
    if classification == "replacement":
        # A new task loads every table again, into the same folders.
        first = [folder_of(s, v) for s, v in new.active.items()]
    elif classification == "none" and _metadata_differs(old, new):
        # Bookkeeping only (a task pause flag, a paused table's version): DMS's settings stay
        # the same, but CloudFormation updates the task resource for its Metadata, and DMS
        # refuses that while the task runs. The steps stop a running task for it.
        classification = "config-only"
        reasons = (
            "only the task's DmsDeploy metadata changes; CloudFormation still updates "
            "the task, so a running task is stopped and resumed (no reload)",
        )
    return TaskChange(
        team=new.team,
        task=new.identifier,
        stack=stack,
        classification=classification,
        added=tuple(added),
        removed=tuple(removed),
        bumped=tuple(bumped),
        paused_tables=tuple(paused),
        unpaused_tables=tuple(unpaused),
        unpaused_without_bump=tuple(silent),
        lowered=tuple(lowered),
        settings_changed=json_value(old.properties.get("ReplicationTaskSettings"))
        != json_value(new.properties.get("ReplicationTaskSettings")),
        task_paused=new.paused and not old.paused,
        task_unpaused=old.paused and not new.paused,
        configured_paused=new.paused,
        first_loads=tuple(sorted(first)),
        reasons=reasons,
    )


def _metadata_differs(old: TaskView, new: TaskView) -> bool:
    return old.paused != new.paused or old.paused_tables != new.paused_tables


def _classify(
    old: TaskView, new: TaskView, res: ResourceDiff
) -> tuple[Classification, tuple[str, ...]]:
    lid = new.logical_id or ""
    forbidden = tuple(
        f"{name} changes from {old.properties.get(name)!r} to {new.properties.get(name)!r}"
        for name in FORBIDDEN_PROPERTIES
        if old.properties.get(name) != new.properties.get(name)
    )
    if forbidden:
        return "forbidden", forbidden
    if old.logical_id != new.logical_id:
        return "replacement", (f"logical id changes from {old.logical_id} to {lid}",)
    if lid in res.replaced:
        return "replacement", tuple(f"{p} forces a new task" for p in res.replaced[lid])
    if lid in res.modified:
        return "in-place", tuple(f"{p} changes" for p in res.modified[lid])
    used = sorted((references(new.properties) & res.touched) - {lid})
    if used:
        return "restart", tuple(f"{u} changes; a running task sees it on restart" for u in used)
    return "none", ()

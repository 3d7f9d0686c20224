"""Pause and resume DMS replication tasks without ever interrupting a full load.

AWS behaviour relied on:
- A task can only be modified while stopped, ready or failed (InvalidResourceStateFault otherwise):
  https://docs.aws.amazon.com/dms/latest/APIReference/API_ModifyReplicationTask.html
- `start-replication` is only valid for a task's first run; afterwards `resume-processing`
  continues CDC from the checkpoint:
  https://docs.aws.amazon.com/dms/latest/APIReference/API_StartReplicationTask.html
- Table states come from DescribeTableStatistics:
  https://docs.aws.amazon.com/dms/latest/APIReference/API_TableStatistics.html
- A `full-load` task stops by itself when its load is done, with StopReason
  "Stop Reason FULL_LOAD_ONLY_FINISHED" and a new ReplicationTaskStats.StopDate; a short
  load can finish before anyone sees it running:
  https://docs.aws.amazon.com/dms/latest/APIReference/API_ReplicationTask.html
  https://docs.aws.amazon.com/dms/latest/APIReference/API_ReplicationTaskStats.html
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from dms_deploy.apply.errors import ApplyError, PreconditionFailed
from dms_deploy.apply.polling import Waiting
from dms_deploy.state.model import (
    FULL_LOAD_FINISHED,
    LOADING_TABLE_STATES,
    RUNNING_TASK_STATUSES,
)

STARTABLE = frozenset({"stopped", "ready", "failed"})
START_REPLICATION = "start-replication"
RESUME_PROCESSING = "resume-processing"
# DescribeReplicationTasks accepts a list of identifiers per filter; keep requests small.
_FILTER_BATCH = 50


def describe_tasks(dms: Any, identifiers: Iterable[str]) -> dict[str, dict]:
    """Live descriptions of the given tasks, by identifier; missing tasks are absent."""
    wanted = sorted(set(identifiers))
    found: dict[str, dict] = {}
    paginator = dms.get_paginator("describe_replication_tasks")
    for start in range(0, len(wanted), _FILTER_BATCH):
        batch = wanted[start : start + _FILTER_BATCH]
        filters = [{"Name": "replication-task-id", "Values": batch}]
        try:
            for page in paginator.paginate(Filters=filters, WithoutSettings=True):
                for task in page.get("ReplicationTasks", []):
                    found[task["ReplicationTaskIdentifier"]] = task
        except ClientError as error:
            if error.response["Error"]["Code"] != "ResourceNotFoundFault":
                raise
    return found


def loading_tables(dms: Any, task_arn: str) -> list[str]:
    """`schema.table (state)` for every table of the task that is still loading."""
    loading = []
    paginator = dms.get_paginator("describe_table_statistics")
    try:
        for page in paginator.paginate(ReplicationTaskArn=task_arn):
            for stats in page.get("TableStatistics", []):
                if stats.get("TableState") in LOADING_TABLE_STATES:
                    name = f"{stats.get('SchemaName')}.{stats.get('TableName')}"
                    loading.append(f"{name} ({stats['TableState']})")
    except ClientError as error:
        # A task that never ran has no statistics yet, so nothing can be loading.
        if error.response["Error"]["Code"] not in ("InvalidResourceStateFault",):
            raise
    return loading


def pause_tasks(dms: Any, identifiers: Iterable[str], waiting: Waiting | None = None) -> list[str]:
    """Stop the running tasks among `identifiers` and wait until they are stopped.

    Every task is checked before any is stopped, so a full load found anywhere stops
    nothing at all. Returns the identifiers this call stopped (already stopped tasks and
    tasks that do not exist yet are left alone).

    All or nothing: if anything fails after the first stop (a stop that hangs, a throttled
    call, the worker being told to stop), the tasks this call stopped are started again
    before the error goes on, so a failed pause never leaves a task stopped.
    """
    waiting = waiting or Waiting()
    tasks = describe_tasks(dms, identifiers)
    starting = sorted(i for i, t in tasks.items() if t["Status"] == "starting")
    if starting:
        raise PreconditionFailed(f"tasks are starting, retry when they run: {', '.join(starting)}")
    to_stop = sorted(i for i, t in tasks.items() if t["Status"] == "running")
    busy = {i: loading_tables(dms, tasks[i]["ReplicationTaskArn"]) for i in to_stop}
    busy = {i: tables for i, tables in busy.items() if tables}
    if busy:
        details = "; ".join(f"{i}: {', '.join(tables)}" for i, tables in sorted(busy.items()))
        raise PreconditionFailed(f"a full load is in progress, nothing was stopped ({details})")
    stopped: list[str] = []
    try:
        for identifier in to_stop:
            dms.stop_replication_task(ReplicationTaskArn=tasks[identifier]["ReplicationTaskArn"])
            stopped.append(identifier)
        stopping = sorted(i for i, t in tasks.items() if t["Status"] == "stopping")
        _wait_for_status(dms, [*to_stop, *stopping], {"stopped"}, waiting)
    except BaseException as error:
        if not stopped:
            raise
        raise PauseUndone(_undo_pause(dms, stopped, error, waiting)) from error
    return to_stop


class PauseUndone(ApplyError):
    """A pause failed after it had stopped tasks; the message says which it started again."""


def _undo_pause(dms: Any, stopped: list[str], error: BaseException, waiting: Waiting) -> str:
    """Start again what a failed pause stopped; returns the message for the person."""
    restarted, left = restart_stopped(dms, stopped, waiting)
    why = str(error) or type(error).__name__
    parts = [f"the pause failed after stopping {', '.join(stopped)}: {why}"]
    if restarted:
        parts.append(f"started again (resume-processing, no reload): {', '.join(restarted)}")
    if left:
        still = ", ".join(f"{i} ({why})" for i, why in sorted(left.items()))
        parts.append(
            f"NOT started again: {still}; once DMS reports them stopped, clearing this step "
            "stops and resumes them as planned (or start them with resume-processing)"
        )
    parts.append("nothing was deployed; clear pause_tasks to try the step again")
    return "; ".join(parts)


def restart_stopped(
    dms: Any, identifiers: list[str], waiting: Waiting
) -> tuple[list[str], dict[str, str]]:
    """Start again, with resume-processing, the tasks among `identifiers` that are stopped.

    Returns the tasks started (and seen running) and, for the others, why not. Never raises:
    it runs while another error is on its way to the person.
    """
    left: dict[str, str] = {}
    try:
        tasks = describe_tasks(dms, identifiers)
    except Exception as error:  # report, do not hide the first error
        return [], dict.fromkeys(identifiers, f"cannot describe it: {error}")
    started = []
    for identifier in identifiers:
        task = tasks.get(identifier)
        status = task["Status"] if task else "missing"
        if status in RUNNING_TASK_STATUSES:
            started.append(identifier)
            continue
        if status not in STARTABLE:
            left[identifier] = f"it is {status}"
            continue
        try:
            dms.start_replication_task(
                ReplicationTaskArn=task["ReplicationTaskArn"],
                StartReplicationTaskType=start_type(task),
            )
            started.append(identifier)
        except Exception as error:
            left[identifier] = f"the start failed: {error}"
    try:
        _wait_for_status(dms, started, {"running"}, waiting)
    except Exception as error:
        for identifier in started:
            left[identifier] = f"started, but not seen running: {error}"
        started = []
    return started, left


RELOAD_TARGET = "reload-target"


def start_type(task: dict, planned: str | None = None) -> str:
    """`start-replication` for a task that never ran, else what the plan asked for when it
    is `reload-target` (every table of the task loads into a new folder), else
    `resume-processing`. The live state decides the first run: DMS accepts
    `start-replication` only then."""
    if not task.get("ReplicationTaskStartDate"):
        return START_REPLICATION
    return RELOAD_TARGET if planned == RELOAD_TARGET else RESUME_PROCESSING


def resume_tasks(
    dms: Any,
    identifiers: Iterable[str],
    keep_stopped: Iterable[str] = (),
    waiting: Waiting | None = None,
    planned: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Start every task in `identifiers` that is not running, and wait until it runs.

    Tasks configured paused (`keep_stopped`) are never started, whatever the caller asks.
    Returns, per identifier, what happened: a start type, `already running` or
    `configured paused`. A task to start that does not exist is an error (`MissingTasks`),
    raised after every other task was started: the plan said it would replicate.
    """
    waiting = waiting or Waiting()
    hold = set(keep_stopped)
    wanted = sorted(set(identifiers))
    tasks = describe_tasks(dms, [i for i in wanted if i not in hold])
    outcome: dict[str, str] = {}
    started = []
    for identifier in wanted:
        task = tasks.get(identifier)
        if identifier in hold:
            outcome[identifier] = "configured paused"
        elif task is None:
            outcome[identifier] = "does not exist"
        elif task["Status"] in RUNNING_TASK_STATUSES:
            outcome[identifier] = "already running"
        elif task["Status"] in STARTABLE:
            kind = start_type(task, (planned or {}).get(identifier))
            dms.start_replication_task(
                ReplicationTaskArn=task["ReplicationTaskArn"], StartReplicationTaskType=kind
            )
            outcome[identifier] = kind
            started.append(identifier)
        else:
            raise PreconditionFailed(f"task {identifier} is {task['Status']}, it cannot start now")
    already = [i for i, o in outcome.items() if o == "already running"]
    before = {i: tasks[i] for i in [*started, *already]}
    _wait_for_status(dms, [*started, *already], {"running"}, waiting, _finished_since(before))
    missing = sorted(i for i, o in outcome.items() if o == "does not exist")
    if missing:
        raise MissingTasks(missing, outcome)
    return outcome


class MissingTasks(ApplyError):
    """Tasks the plan starts are not in DMS; every other task was started."""

    def __init__(self, missing: list[str], outcome: dict[str, str]) -> None:
        super().__init__(
            f"tasks to start do not exist in DMS: {', '.join(missing)}; "
            f"the others were started ({_summary(outcome, missing)})"
        )
        self.missing = missing
        self.outcome = outcome


def _summary(outcome: dict[str, str], leave_out: list[str]) -> str:
    kept = [f"{i}: {o}" for i, o in sorted(outcome.items()) if i not in leave_out]
    return ", ".join(kept) or "none"


def _stop_date(task: Mapping[str, Any]) -> Any:
    return (task.get("ReplicationTaskStats") or {}).get("StopDate")


def _finished_since(before: Mapping[str, Mapping[str, Any]]) -> Callable[[str, dict], bool]:
    """Whether a task ran its full load to the end since `before` was read: it counts as
    started even though it is stopped again (a stop date that did not move is the old stop,
    from before the start)."""

    def finished(identifier: str, task: dict) -> bool:
        return (
            task.get("Status") == "stopped"
            and FULL_LOAD_FINISHED in (task.get("StopReason") or "")
            and _stop_date(task) != _stop_date(before.get(identifier, {}))
        )

    return finished


def _wait_for_status(
    dms: Any,
    identifiers: list[str],
    goal: set[str],
    waiting: Waiting,
    also_done: Callable[[str, dict], bool] = lambda _i, _t: False,
) -> None:
    """Poll until every task reaches a status in `goal` (or `also_done` says it is done);
    a failed task fails the wait."""
    if not identifiers:
        return

    def probe() -> bool | None:
        tasks = describe_tasks(dms, identifiers)
        failed = {i: t for i, t in tasks.items() if t["Status"] == "failed"}
        if failed:
            reasons = "; ".join(
                f"{i}: {t.get('LastFailureMessage') or 'no reason given'}"
                for i, t in failed.items()
            )
            raise ApplyError(f"tasks failed: {reasons}")
        pending = [
            i
            for i in identifiers
            if tasks.get(i, {}).get("Status") not in goal and not also_done(i, tasks.get(i, {}))
        ]
        return True if not pending else None

    waiting.until(probe, f"tasks to be {'/'.join(sorted(goal))}: {', '.join(identifiers)}")

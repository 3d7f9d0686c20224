"""From the plan and live state to the watch's findings. Pure: no I/O.

DMS108 (drift) is the planner's own check; the rest reads the observed state. Each problem
is reported once, under its most specific kind: a failed task is `task-failed`, not also
DMS108's "has failed, but the config says it runs".
"""

from __future__ import annotations

from collections.abc import Iterable

from dms_deploy.checks.base import Finding
from dms_deploy.config.models import Configs, Task
from dms_deploy.plan.checks.dms102_stack_state import in_progress
from dms_deploy.plan.checks.dms108_drift import is_status_drift
from dms_deploy.plan.model import Plan
from dms_deploy.state.model import ObservedStack, ObservedState, TableStat
from dms_deploy.watch.cdc_latency import Latency, WatchedTask
from dms_deploy.watch.findings import WatchFinding

MONITORING = "https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Monitoring.html"
# DMS108 statuses that are a stop the config did not ask for.
_STOPPED = frozenset({"stopped", "stopping", "ready"})


def stack_findings(stacks: Iterable[ObservedStack]) -> list[WatchFinding]:
    return [
        WatchFinding(
            "stack-unsettled",
            f"stack {stack.name}",
            f"the stack is in {stack.status}",
            _stack_action(stack.status),
        )
        for stack in sorted(stacks, key=lambda s: s.name)
        if not stack.status.endswith("_COMPLETE")
    ]


def _stack_action(status: str) -> str:
    if in_progress(status):
        return (
            "wait until it settles; if a dms_deploy run failed during it, clear that run's "
            "failed step so that it resumes the tasks it stopped"
        )
    if status == "REVIEW_IN_PROGRESS":
        return "a change set was created but never executed: execute or delete it"
    return (
        "repair it before the next deploy (continue the rollback of an UPDATE_ROLLBACK_FAILED "
        "stack; delete a stack whose creation failed); `dmsctl plan` says what DMS102 sees"
    )


def drift_findings(plan: Plan, observed: ObservedState) -> list[WatchFinding]:
    """DMS108's findings, with a status finding reported as `task-stopped` (a stop nobody
    deployed) and none for a failed task (that is `task-failed`) or a stack in progress
    (that is `stack-unsettled`)."""
    found = []
    for finding in plan.check("DMS108").findings:
        if finding.task is None:
            continue  # "stack ... is in <status>_IN_PROGRESS": reported as stack-unsettled
        ident = _task_identifier(finding)
        live = observed.tasks.get(ident)
        status = live.status if live is not None else None
        if is_status_drift(finding) and status == "failed":
            continue
        if is_status_drift(finding) and status in _STOPPED:
            found.append(
                WatchFinding(
                    "task-stopped",
                    f"task {ident}",
                    finding.message.split(":", 1)[0],
                    "resume it (StartReplicationTask with resume-processing, or start-replication "
                    "if it never ran), or set it paused in the config and deploy; if a "
                    "dms_deploy run failed mid-step, clear that run's failed step instead",
                )
            )
            continue
        found.append(
            WatchFinding(
                "drift",
                f"task {ident}",
                finding.message,
                "undo the change in DMS, or put it in the config and deploy; `dmsctl plan` "
                "shows it under DMS108",
            )
        )
    return found


def _task_identifier(finding: Finding) -> str:
    task = finding.task or ""
    return f"{finding.team}-{task}" if finding.team else task


def failed_task_findings(tasks: Iterable[Task], observed: ObservedState) -> list[WatchFinding]:
    found = []
    for task in tasks:
        live = observed.tasks.get(task.identifier)
        if live is None or live.status != "failed":
            continue
        reason = f" ({live.stop_reason})" if live.stop_reason else ""
        found.append(
            WatchFinding(
                "task-failed",
                f"task {task.identifier}",
                f"the task is failed{reason}",
                "read its LastFailureMessage (DescribeReplicationTasks) and its CloudWatch log, "
                "fix the cause, then resume it (StartReplicationTask with resume-processing)",
            )
        )
    return found


def table_error_findings(errors: dict[str, tuple[TableStat, ...]]) -> list[WatchFinding]:
    return [
        WatchFinding(
            "table-error",
            f"table {stat.schema}.{stat.table} of task {task_id}",
            "DMS reports the table in 'Table error' and no longer replicates it",
            "read the task's CloudWatch log for the table's error and fix the cause; then "
            "reload it by bumping the table's version in the config and deploying (it loads "
            "into a new folder)",
        )
        for task_id, stats in sorted(errors.items())
        for stat in stats
    ]


def latency_findings(latencies: Iterable[Latency], threshold_seconds: float) -> list[WatchFinding]:
    """One finding per task whose newest latency is over the threshold, naming each metric
    over it (CDCLatencyTarget includes the source's latency, so both are often over)."""
    over: dict[str, list[Latency]] = {}
    for latency in sorted(latencies, key=lambda x: (x.task, x.metric)):
        if latency.seconds > threshold_seconds:
            over.setdefault(latency.task, []).append(latency)
    return [
        WatchFinding(
            "cdc-latency",
            f"task {task}",
            ", ".join(f"{x.metric} is {x.seconds:g} s at {x.at:%Y-%m-%d %H:%M} UTC" for x in found)
            + f", over the threshold of {threshold_seconds:g} s",
            _latency_action({x.metric for x in found}),
        )
        for task, found in over.items()
    ]


def _latency_action(metrics: set[str]) -> str:
    side = "reading the source's log" if "CDCLatencySource" in metrics else "writing the target"
    return (
        f"DMS falls behind {side}: check the replication instance's CPU, memory and swap, and "
        f"the task log for errors and warnings ({MONITORING})"
    )


def watched_tasks(configs: Configs, observed: ObservedState) -> list[Task]:
    """The configured tasks that exist in DMS."""
    return [t for t in configs.all_tasks() if t.identifier in observed.tasks]


def replicating_changes(configs: Configs, observed: ObservedState) -> list[WatchedTask]:
    """Configured tasks that run CDC now: the ones CloudWatch has latencies for."""
    watched = []
    for task in watched_tasks(configs, observed):
        live = observed.tasks[task.identifier]
        if live.status != "running" or live.migration_type == "full-load":
            continue
        instance = configs.teams[task.team].instances[task.instance].identifier(task.team)
        watched.append(WatchedTask(task.identifier, live.arn, instance))
    return watched

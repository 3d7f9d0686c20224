"""The rehearsal after a deploy: do the changed tasks hold up under real traffic?

Run in staging before promoting to production: every task the plan changed reaches
`running` (a full-load-only task that finished counts), new tables' full loads complete or
keep loading, and CDC latency stays under a threshold for a soak window. A soak in which
CloudWatch has no latency datapoint for a task proves nothing, so it fails, unless the task
is still in a full load (a table of it `Before load`, `Full load` or being reloaded), when it
is let through with a warning. The judgements are pure; the reads below are Describe and
GetMetricData calls only, never a change.

AWS behaviour relied on:
- Task status and StopReason (`FULL_LOAD_ONLY_FINISHED` for a full-load task that is done):
  https://docs.aws.amazon.com/dms/latest/APIReference/API_ReplicationTask.html
- CDCLatencySource/CDCLatencyTarget per task, in seconds:
  https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Monitoring.html
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from dms_deploy.apply.dms_tasks import describe_tasks, loading_tables
from dms_deploy.apply.full_loads import LoadProgress, load_progress
from dms_deploy.plan.model import Plan
from dms_deploy.state.model import FULL_LOAD_FINISHED
from dms_deploy.watch.cdc_latency import PERIOD_SECONDS, Latency, WatchedTask, latest_latencies

DEFAULT_LATENCY_SECONDS = 600.0
DEFAULT_SOAK_MINUTES = 30.0
# How far back each poll reads CloudWatch for the newest latency datapoint.
LATENCY_WINDOW_MINUTES = 5
# Changes that leave no task to rehearse: nothing changed, or the task is gone.
NOT_REHEARSED = frozenset({"none", "deletion", "forbidden"})
FULL_LOAD = "full-load"
WHAT_TO_LOOK_AT = (
    "Look at the tasks in the DMS console (status, last failure message, table statistics) "
    "and their CloudWatch metrics CDCLatencySource/CDCLatencyTarget; fix the change and "
    "rehearse it again"
)


@dataclass(frozen=True)
class RehearsalScope:
    """What a deployed plan asks the rehearsal to watch."""

    tasks: tuple[str, ...]
    # Task id -> its new tables that full-load, as `step_items` lists them.
    loads: Mapping[str, list[dict[str, str]]]


@dataclass(frozen=True)
class TasksVerdict:
    ready: bool
    waiting: tuple[str, ...] = ()
    failures: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.failures:
            return "; ".join(self.failures)
        if self.waiting:
            return "waiting for: " + ", ".join(self.waiting)
        return "every changed task is running and no full load failed"


def rehearsal_scope(plan: Plan, items: Iterable[Mapping[str, Any]]) -> RehearsalScope:
    """The tasks the plan changed that should run afterwards, and the new tables' loads,
    from the work items of its steps (`step_items`, as check_state's XCom holds them).

    A task configured paused stays stopped on purpose, so it is not rehearsed."""
    tasks = sorted(
        {
            c.task
            for c in plan.changes
            if c.classification not in NOT_REHEARSED and not c.configured_paused
        }
    )
    loads: dict[str, list[dict[str, str]]] = {}
    for item in items:
        for task, tables in item["loads"].items():
            if task in tasks:
                loads.setdefault(task, []).extend(tables)
    return RehearsalScope(tuple(tasks), loads)


def judge_tasks(
    described: Mapping[str, Mapping[str, Any]], tasks: Iterable[str], loads: LoadProgress
) -> TasksVerdict:
    """Ready when every task runs (or finished its full load) and no load failed; a load
    that is still going is fine: it keeps progressing."""
    waiting: list[str] = []
    failures: list[str] = list(loads.failures)
    for task in sorted(tasks):
        live = described.get(task)
        if live is None:
            failures.append(f"{task} does not exist")
            continue
        status = live.get("Status", "")
        if status == "running":
            continue
        if status == "stopped" and FULL_LOAD_FINISHED in (live.get("StopReason") or ""):
            continue
        if status == "failed":
            why = live.get("LastFailureMessage") or "no reason given"
            failures.append(f"{task} failed: {why}")
        elif status == "stopped":
            failures.append(f"{task} stopped: {live.get('StopReason') or 'no reason given'}")
        else:
            waiting.append(f"{task} ({status})")
    return TasksVerdict(
        ready=not waiting and not failures, waiting=tuple(waiting), failures=tuple(failures)
    )


def latency_breaches(latencies: Iterable[Latency], limit_seconds: float) -> list[str]:
    """`task: metric N s` for each measured latency at or above the limit."""
    return [
        f"{lat.task}: {lat.metric} {lat.seconds:.0f}s at {lat.at:%H:%M} UTC"
        for lat in sorted(latencies, key=lambda lat: (lat.task, lat.metric))
        if lat.seconds >= limit_seconds
    ]


def did_not_hold(what: str) -> str:
    """The message of a failed rehearsal: what failed, what it means, where to look."""
    return (
        f"the rehearsal failed: {what}. This environment did not hold the change, so it must "
        f"not be promoted to production. {WHAT_TO_LOOK_AT}"
    )


def read_tasks(dms: Any, scope: RehearsalScope) -> TasksVerdict:
    """One DescribeReplicationTasks, plus DescribeTableStatistics for tasks with new loads."""
    described = describe_tasks(dms, scope.tasks)
    return judge_tasks(described, scope.tasks, load_progress(dms, scope.loads))


def replicating_tasks(dms: Any, tasks: Iterable[str]) -> list[WatchedTask]:
    """The tasks among `tasks` that replicate changes, with their CloudWatch dimensions
    (the instance identifier comes from one DescribeReplicationInstances)."""
    described = describe_tasks(dms, tasks)
    cdc = [t for t in described.values() if t.get("MigrationType") != FULL_LOAD]
    if not cdc:
        return []
    instances: dict[str, str] = {}
    paginator = dms.get_paginator("describe_replication_instances")
    for page in paginator.paginate():
        for instance in page.get("ReplicationInstances", []):
            instances[instance["ReplicationInstanceArn"]] = instance[
                "ReplicationInstanceIdentifier"
            ]
    return [
        WatchedTask(
            t["ReplicationTaskIdentifier"],
            t["ReplicationTaskArn"],
            instances.get(t["ReplicationInstanceArn"], ""),
        )
        for t in sorted(cdc, key=lambda t: t["ReplicationTaskIdentifier"])
    ]


def read_latencies(cloudwatch: Any, tasks: Iterable[WatchedTask]) -> list[Latency]:
    """One GetMetricData (per 250 tasks) for the newest latencies of the tasks."""
    return latest_latencies(cloudwatch, list(tasks), LATENCY_WINDOW_MINUTES)


@dataclass
class Soak:
    """What a soak has seen so far: the breaches of each poll, and which tasks CloudWatch
    had a datapoint for in a minute of the soak window (its one-minute periods are the
    finest it gives for DMS metrics, so the minute the soak starts in counts).

    A soak without datapoints for a task proves nothing about it: see `unmeasured`."""

    tasks: tuple[str, ...]
    # The start of the soak window, epoch seconds.
    since: float
    measured: set[str] = field(default_factory=set)

    def observe(self, latencies: Iterable[Latency], limit_seconds: float) -> list[str]:
        """Note the poll's datapoints; returns the breaches among them."""
        found = list(latencies)
        start = datetime.fromtimestamp(self.since, UTC)
        period = timedelta(seconds=PERIOD_SECONDS)
        self.measured |= {lat.task for lat in found if lat.at + period > start}
        return latency_breaches(found, limit_seconds)

    def unmeasured(self) -> list[str]:
        return sorted(set(self.tasks) - self.measured)


def tasks_in_full_load(dms: Any, tasks: Iterable[str]) -> dict[str, list[str]]:
    """Task id -> its tables still loading (`Before load`, `Full load`, or being reloaded,
    from DescribeTableStatistics), for the tasks among `tasks` that have any."""
    described = describe_tasks(dms, tasks)
    loading = {t: loading_tables(dms, live["ReplicationTaskArn"]) for t, live in described.items()}
    return {t: tables for t, tables in sorted(loading.items()) if tables}


def no_latency_data(unmeasured: Iterable[str], soak_seconds: float, region: str | None) -> str:
    """The message of a soak that had no CDC latency datapoint for some tasks: it proves
    nothing, so it fails, saying what to check."""
    tasks = ", ".join(sorted(unmeasured))
    where = f" in {region}" if region else ""
    return (
        f"the rehearsal proved nothing: no CDCLatency metrics (CDCLatencySource or "
        f"CDCLatencyTarget) were published for {tasks} during the {soak_seconds:.0f}s soak, "
        "and no table of theirs is loading, so their CDC latency is unknown and the change "
        "must not be promoted to production yet. Check that each task replicates changes "
        "(its status, last failure message and table statistics in the DMS console), that "
        f"CloudWatch lists its metrics{where} (namespace AWS/DMS, dimensions "
        "ReplicationInstanceIdentifier and ReplicationTaskIdentifier = the resource id at "
        "the end of the task's ARN), and that the soak (DMS_DEPLOY_REHEARSAL_SOAK_MINUTES) "
        "is longer than the minute or two DMS takes to publish; then clear "
        "rehearse_cdc_latency to soak again"
    )


def still_loading(loading: Mapping[str, list[str]]) -> list[str]:
    """Why each task without CDC latency data is let through: it is in a full load."""
    return [
        f"{task} published no CDC latency during the soak and is still in a full load "
        f"({', '.join(tables)}): DMS applies the changes it caches during a load only "
        "afterwards, so its CDC latency is not rehearsed; look at it once the load is done"
        for task, tables in sorted(loading.items())
    ]

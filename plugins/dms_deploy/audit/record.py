"""Build one run's audit record from what the run left behind: pure data in, JSON out."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

RECORD_VERSION = 1
LEDGER_FOLDER = "deployments"
# A record holds the plan inline up to this size; a larger plan goes into an object beside
# it, so a record stays quick to list and to read.
PLAN_INLINE_BYTES = 64 * 1024
# Airflow's failed task states: a deciding task in one of them fails the run.
FAILED_STATES = frozenset({"failed", "upstream_failed"})
STEP_PREFIX = "step_"
SUCCESS = "success"
FAILED = "failed"


class TaskShape(Protocol):
    """What the run-state rule needs of a task (an Airflow operator has all of it)."""

    task_id: str
    downstream_task_ids: set[str]
    is_teardown: bool
    on_failure_fail_dagrun: bool


@dataclass(frozen=True)
class TaskState:
    task_id: str
    map_index: int
    state: str | None


@dataclass(frozen=True)
class StackFacts:
    """What one mapped instance of a step group reported through its XComs."""

    stack: str | None = None
    action: str | None = None
    stopped: list[str] | None = None
    started: dict[str, str] | None = None
    proof: dict[str, int] | None = None
    # When pause_tasks had stopped them, and when resume_tasks had started them again.
    stopped_at: str | None = None
    started_at: str | None = None


@dataclass(frozen=True)
class ApprovalFacts:
    """What approve_plan left: its state, whether the plan had to wait and why, the answer."""

    state: str | None = None
    gate: Mapping[str, Any] | None = None  # {"wait": bool, "reason": str}
    response: Mapping[str, Any] | None = None  # answer, outcome, by, by_name, at


@dataclass(frozen=True)
class RunFacts:
    run_id: str
    attempt: int
    dag_id: str
    run_type: str | None
    triggering_user: str | None
    params: Mapping[str, Any]
    recorded_at: str
    tasks: list[TaskState]
    # The ids of the tasks whose states decide the run's state, the ledger task left out.
    deciding: frozenset[str]
    # check_state's return value; None when the run failed before it made a plan.
    checked: Mapping[str, Any] | None = None
    # (step group id, map index) -> what that instance reported.
    stacks: Mapping[tuple[str, int], StackFacts] = field(default_factory=dict)
    approval: ApprovalFacts = field(default_factory=ApprovalFacts)


def deciding_task_ids(tasks: Iterable[TaskShape], leave_out: str) -> frozenset[str]:
    """The tasks Airflow decides a run's state by, as if `leave_out` were not there.

    Airflow (`DagRun._tis_for_dagrun_state`) reads the leaves, where a teardown that may not
    fail the run is ignored both as a leaf and as a downstream task. A task downstream of
    every other task becomes the only leaf: it must decide by this rule in its place.
    """
    tasks = [t for t in tasks if t.task_id != leave_out]
    by_id = {t.task_id: t for t in tasks}

    def counts(task: TaskShape) -> bool:
        return not task.is_teardown or bool(task.on_failure_fail_dagrun)

    def is_leaf(task: TaskShape) -> bool:
        downstream = [by_id[i] for i in task.downstream_task_ids if i in by_id]
        return counts(task) and not any(counts(d) for d in downstream)

    leaves = frozenset(t.task_id for t in tasks if is_leaf(t))
    if leaves:
        return leaves
    return frozenset(t.task_id for t in tasks if not (t.downstream_task_ids & by_id.keys()))


def final_state(tasks: Iterable[TaskState], deciding: frozenset[str]) -> str:
    """The deploy's own outcome, by Airflow's rule: failed when a deciding task failed."""
    failed = [t for t in tasks if t.task_id in deciding and t.state in FAILED_STATES]
    return FAILED if failed else SUCCESS


def record_key(bucket_folder: str, run_id: str, attempt: int) -> str:
    return f"{ledger_prefix(bucket_folder)}{run_id}/attempt-{attempt}.json"


def plan_key(bucket_folder: str, run_id: str, attempt: int) -> str:
    return f"{ledger_prefix(bucket_folder)}{run_id}/attempt-{attempt}.plan.json"


def ledger_prefix(bucket_folder: str) -> str:
    return f"{bucket_folder}/{LEDGER_FOLDER}/"


def is_record_key(key: str) -> bool:
    name = key.rsplit("/", 1)[-1]
    return name.startswith("attempt-") and name.endswith(".json") and ".plan." not in name


def build_record(facts: RunFacts) -> dict[str, Any]:
    """The record of one attempt of a run. `plan` is the plan JSON; `split_plan` moves a
    large one out before writing."""
    checked = facts.checked or {}
    plan = checked.get("plan")
    params = dict(facts.params)
    state = final_state(facts.tasks, facts.deciding)
    approval = _approval(facts.approval)
    return {
        "record_version": RECORD_VERSION,
        "run_id": facts.run_id,
        "attempt": facts.attempt,
        "dag_id": facts.dag_id,
        "recorded_at": facts.recorded_at,
        "trigger": {
            "run_type": facts.run_type,
            "user": facts.triggering_user,
            "git_sha": params.get("git_sha") or None,
        },
        "params": params,
        "dry_run": bool(params.get("dry_run")),
        "teams": _teams(plan, params.get("teams")),
        "plan_digest": plan.get("digest") if plan else None,
        "plan_go": plan.get("go") if plan else None,
        "plan": plan,
        "plan_object": None,
        "approved_by": approval["by"] if approval["outcome"] == "approved" else None,
        "approval": approval,
        "steps": _steps(facts),
        "pause_windows": _pause_windows(facts),
        "s3_proof": _proofs(facts),
        "failed_tasks": sorted(_label(t) for t in facts.tasks if t.state == FAILED),
        "final_state": state,
    }


def split_plan(
    record: dict[str, Any], bucket_folder: str, limit: int = PLAN_INLINE_BYTES
) -> tuple[dict[str, Any], str | None]:
    """The record to write and, for a plan over `limit` bytes, the plan's own JSON text
    (the record then names the object that holds it)."""
    plan = record.get("plan")
    if plan is None:
        return record, None
    text = json.dumps(plan, indent=1, sort_keys=True)
    if len(text.encode()) <= limit:
        return record, None
    key = plan_key(bucket_folder, record["run_id"], record["attempt"])
    return {**record, "plan": None, "plan_object": key}, text


def _teams(plan: Mapping[str, Any] | None, selected: Any) -> list[str]:
    """The teams a run concerns: those its plan's steps touch (a stack deployed or a task
    paused), else, without a plan, those it was asked for."""
    if plan:
        return sorted({t for step in plan.get("steps", []) for t in step.get("teams", []) if t})
    if isinstance(selected, str):
        selected = [part.strip() for part in selected.split(",")]
    return sorted(t for t in selected or () if t and t != "all")


def _label(task: TaskState) -> str:
    return task.task_id if task.map_index < 0 else f"{task.task_id}[{task.map_index}]"


def _step_of(task_id: str) -> str | None:
    group, dot, _ = task_id.partition(".")
    return group if dot and group.startswith(STEP_PREFIX) else None


def _steps(facts: RunFacts) -> list[dict[str, Any]]:
    """Per step group and mapped instance: its stack and the state of each of its tasks."""
    instances: dict[tuple[str, int], dict[str, str | None]] = {}
    for task in facts.tasks:
        group = _step_of(task.task_id)
        if group is not None:
            name = task.task_id.split(".", 1)[1]
            instances.setdefault((group, task.map_index), {})[name] = task.state
    steps = []
    for (group, index), states in sorted(instances.items(), key=lambda i: _order(*i[0])):
        stack = facts.stacks.get((group, index), StackFacts())
        steps.append(
            {
                "step": group,
                "map_index": index,
                "stack": stack.stack,
                "action": stack.action,
                "tasks": dict(sorted(states.items())),
                "outcome": _outcome(states.values()),
            }
        )
    return steps


def _order(group: str, index: int) -> tuple[int, int]:
    number = group.removeprefix(STEP_PREFIX)
    return (int(number) if number.isdigit() else 0, index)


def _outcome(states: Iterable[str | None]) -> str:
    states = set(states)
    if states & {FAILED}:
        return FAILED
    if states & FAILED_STATES:
        return "upstream_failed"
    if states <= {"skipped", "removed"}:
        return "skipped"
    if states <= {SUCCESS, "skipped", "removed"}:
        return SUCCESS
    return "incomplete"


def _pause_windows(facts: RunFacts) -> list[dict[str, Any]]:
    """Which DMS tasks each step stopped, and how each came back (started or kept stopped)."""
    windows = []
    for (group, index), stack in sorted(facts.stacks.items(), key=lambda i: _order(*i[0])):
        if not stack.stopped:
            continue
        started = stack.started or {}
        windows.append(
            {
                "step": group,
                "map_index": index,
                "stack": stack.stack,
                "stopped": list(stack.stopped),
                "stopped_at": stack.stopped_at,
                "resumed": {t: started.get(t) for t in stack.stopped},
                # None when resume_tasks did not run or started nothing.
                "resumed_at": stack.started_at,
                "left_stopped": [t for t in stack.stopped if t not in started],
            }
        )
    return windows


def _proofs(facts: RunFacts) -> list[dict[str, Any]]:
    proofs = []
    for (group, index), stack in sorted(facts.stacks.items(), key=lambda i: _order(*i[0])):
        if stack.proof is not None:
            proofs.append(
                {
                    "step": group,
                    "map_index": index,
                    "stack": stack.stack,
                    "unchanged": stack.proof.get("checked", 0) - stack.proof.get("new", 0),
                    "new": stack.proof.get("new", 0),
                }
            )
    return proofs


def _approval(facts: ApprovalFacts) -> dict[str, Any]:
    """Whether the plan waited for approval, and who answered what, when.

    `outcome` is `approved`, `rejected`, `timed out`, `not needed` (the gate let the plan
    through: no disruption, a dry run, or acknowledged with the reviewed digest), or None
    when the run stopped before the gate decided.
    """
    gate = facts.gate or {}
    response = facts.response or {}
    if response:
        outcome = response.get("outcome")
    elif gate and not gate.get("wait"):
        outcome = "not needed"
    else:
        outcome = None
    return {
        "needed": gate.get("wait") if gate else None,
        "reason": gate.get("reason"),
        "task_state": facts.state,
        "outcome": outcome,
        "answer": response.get("answer"),
        "by": response.get("by"),
        "by_name": response.get("by_name"),
        "at": response.get("at"),
    }

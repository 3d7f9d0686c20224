"""Follow a `dms_deploy` run through the REST API, printing what a CI log needs.

Each task instance's state is printed when it changes (`step_1.deploy_stack[0] running`),
the plan once `check_state` has made it, and at the end the outcome with the reason of
every failed task, taken from its log.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from dms_deploy.plan.markdown import describe_change
from dms_deploy.plan.model import TaskChange

if TYPE_CHECKING:  # the client is slow to import; `dmsctl trigger` imports it when it runs
    from airflow_client.client import TaskInstanceResponse

    from dms_deploy.airflow_api import AirflowApi

PLAN_TASK = "check_state"
# A task that waits for a person (approve_plan, on Airflow 3.3).
AWAITING_INPUT = "awaiting_input"
TERMINAL_RUN_STATES = frozenset({"success", "failed"})
TiKey = tuple[str, int]


def ti_key(ti: TaskInstanceResponse) -> TiKey:
    return ti.task_id, ti.map_index


def state_of(ti: TaskInstanceResponse) -> str | None:
    """The state as Airflow names it (`failed`), not as the enum prints (`State.FAILED`)."""
    return ti.state.value if ti.state is not None else None


def ti_label(ti: TaskInstanceResponse) -> str:
    """`task_id` or `task_id[i]`, plus the rendered map index (a team) when it has one."""
    task_id, index = ti_key(ti)
    if index < 0:
        return task_id
    rendered = ti.rendered_map_index
    name = f" ({rendered})" if rendered and rendered != str(index) else ""
    return f"{task_id}[{index}]{name}"


def plan_summary(checked: dict[str, Any], verbose: bool = False) -> list[str]:
    """The `check_state` XCom as text: the verdict, the checks not passed (every check when
    verbose), the tables and tasks that change, then the steps."""
    plan = checked.get("plan", checked)
    verdict = "GO" if plan.get("go") else "NO-GO"
    dry = " (dry run: nothing is deployed)" if checked.get("dry_run") else ""
    lines = [f"plan: {verdict}{dry}"]
    for check in plan.get("checks", []):
        if verbose and check.get("status") not in ("fail", "warn"):
            lines.append(f"  {check['id']} {check['status']}")
        if check.get("status") in ("fail", "warn"):
            lines.append(f"  {check['id']} {check['status']}")
            for finding in check.get("findings", []):
                where = "/".join(
                    str(finding[k]) for k in ("team", "task", "table") if finding.get(k)
                )
                lines.append(f"    {where + ': ' if where else ''}{finding.get('message', '')}")
    lines += _changes(plan.get("changes", []))
    steps = plan.get("steps", [])
    if not steps:
        lines.append("  no change to deploy")
    for number, step in enumerate(steps, start=1):
        stacks = ", ".join(
            f"{s['name']} ({s['action']})" for s in step.get("stacks", []) if s["action"] != "none"
        )
        lines.append(f"  step {number}: {stacks or 'no stack change'}")
        for verb in ("pause", "resume"):
            if step.get(verb):
                lines.append(f"    {verb}: {', '.join(step[verb])}")
    return lines


def _changes(changes: list[dict[str, Any]]) -> list[str]:
    """One line per changing task, naming its tables, as the plan's Markdown does."""
    if not changes:
        return []
    lines = ["  changes:"]
    for change in sorted(map(TaskChange.from_dict, changes), key=lambda c: c.task):
        details = describe_change(change).replace("`", "")
        lines.append(f"    {change.task} ({change.classification}): {details}")
    return lines


@dataclass
class RunFollower:
    """Polls one run until it ends, printing each change once."""

    api: AirflowApi
    dag_id: str
    run_id: str
    out: TextIO | None = None  # None: sys.stdout at the time of printing
    poll_seconds: float = 5.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    states: dict[TiKey, str | None] = field(default_factory=dict)
    plan_shown: bool = False
    # Quiet by default: a task not scheduled yet (state none) is news only after a clear.
    verbose: bool = False

    def print(self, line: str) -> None:
        print(line, file=self.out or sys.stdout, flush=True)

    def poll(self) -> tuple[str, list[TaskInstanceResponse]]:
        """One look at the run: print the changes, return the run state and its tasks."""
        # The run first: once it is terminal, the task states read after it are final.
        state = self.api.get_run(self.dag_id, self.run_id).state.value
        tis = sorted(self.api.task_instances(self.dag_id, self.run_id), key=ti_key)
        for ti in tis:
            before = self.states.get(ti_key(ti), "unseen")
            if before != state_of(ti):
                self.states[ti_key(ti)] = state_of(ti)
                if state_of(ti) or self.verbose or before not in ("unseen", None):
                    self.print(f"{ti_label(ti)} {state_of(ti) or 'none'}")
                if state_of(ti) == AWAITING_INPUT:
                    self.print(self.waiting_line(ti))
            if ti.task_id == PLAN_TASK and state_of(ti) == "success":
                self.show_plan()
        return state, tis

    def waiting_line(self, ti: TaskInstanceResponse) -> str:
        """Where a person answers a task that waits for input (approve_plan)."""
        url = (
            f"{self.api.base_url}/dags/{self.dag_id}/runs/{self.run_id}/tasks/{ti.task_id}"
            "/required_actions"
        )
        return f"{ti_label(ti)} waits for an approver's answer: {url}"

    def show_plan(self) -> None:
        if self.plan_shown:
            return
        checked = self.api.return_value(self.dag_id, self.run_id, PLAN_TASK)
        if isinstance(checked, dict):
            self.plan_shown = True
            for line in plan_summary(checked, verbose=self.verbose):
                self.print(line)

    def follow(self, timeout_seconds: float) -> tuple[str, list[TaskInstanceResponse]]:
        """Poll until the run ends or the timeout passes; the last state and tasks."""
        deadline = self.clock() + timeout_seconds
        while True:
            state, tis = self.poll()
            if state in TERMINAL_RUN_STATES or self.clock() >= deadline:
                return state, tis
            self.sleep(self.poll_seconds)

    def report_failures(self, tis: list[TaskInstanceResponse]) -> list[TaskInstanceResponse]:
        """Print every failed task with the error lines of its last try."""
        failed = [ti for ti in tis if state_of(ti) == "failed"]
        for ti in failed:
            self.print(f"FAILED {ti_label(ti)} (try {ti.try_number})")
            task_id, index = ti_key(ti)
            reasons = self.api.failure_lines(
                self.dag_id, self.run_id, task_id, index, ti.try_number or 1
            )
            for line in reasons[-10:]:
                self.print(f"  {line}")
        return failed

"""What an online check sees (desired, observed, and the plan's analysis), and its shape."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dms_deploy.checks.base import CheckInfo, Finding
from dms_deploy.config.models import Task
from dms_deploy.plan.analysis import Analysis, Desired
from dms_deploy.plan.model import Step, TaskChange
from dms_deploy.state.model import ObservedState


@dataclass(frozen=True)
class OnlineContext:
    desired: Desired
    observed: ObservedState
    analysis: Analysis
    steps: tuple[Step, ...]
    allow_disruptive: bool

    def changes(self) -> tuple[TaskChange, ...]:
        return self.analysis.changes()

    def tasks_stopped_now(self) -> list[str]:
        """Tasks the plan pauses that replicate now: their loads must not be cut."""
        paused = dict.fromkeys(t for step in self.steps for t in step.pause)
        return [t for t in paused if t in self.observed.tasks and self.observed.tasks[t].running]

    def team_of(self, task_id: str) -> str | None:
        for step in self.steps:
            if task_id in step.task_teams:
                return step.task_teams[task_id]
        return None

    def source_of(self, task_id: str, schema: str, table: str) -> str | None:
        """The configured source of a table that DMS names by schema and table."""
        task = self.configured_task(task_id)
        match = [t for t in task.tables if (t.schema, t.name) == (schema, table)] if task else []
        return match[0].source if match else None

    def configured_task(self, task_id: str) -> Task | None:
        configs = self.desired.configs
        if configs is None:
            return None
        return next((t for t in configs.all_tasks() if t.identifier == task_id), None)

    def finding(
        self,
        message: str,
        team: str | None,
        task_id: str | None = None,
        source: str | None = None,
        severity: str = "error",
    ) -> Finding:
        """A finding located in the team's config file, at the table or task if configured."""
        configs = self.desired.configs
        file = configs.teams[team].file if configs and team in configs.teams else None
        task = self.configured_task(task_id) if task_id else None
        table = next((t for t in task.tables if t.source == source), None) if task else None
        pointer = table.pointer if table else (task.pointer if task else None)
        name = task_id.removeprefix(f"{team}-") if task_id and team else task_id
        return Finding(
            message,
            team=team,
            task=name,
            table=source,
            file=file,
            pointer=pointer or None,
            severity="warning" if severity == "warning" else "error",
        )


@dataclass(frozen=True)
class OnlineCheck:
    """One check: `skip_reason` says why it cannot run (or None), `run` returns findings."""

    info: CheckInfo
    run: Callable[[OnlineContext], list[Finding]]
    skip_reason: Callable[[OnlineContext], str | None]


def always(_: OnlineContext) -> str | None:
    return None

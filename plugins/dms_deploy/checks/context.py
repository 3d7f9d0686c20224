"""What an offline check sees, and the shape of an offline check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dms_deploy.checks.base import CheckInfo, Finding
from dms_deploy.config.load import LoadResult
from dms_deploy.config.models import Configs, Table, Task
from dms_deploy.render.stacks import BASE_TEAM, RenderedStack


@dataclass
class OfflineContext:
    configs_dir: Path
    templates_dir: Path
    load: LoadResult
    stacks: list[RenderedStack] = field(default_factory=list)
    # Problems that stopped a template from rendering (reported by DMS003).
    render_findings: list[Finding] = field(default_factory=list)
    lint: bool = True

    @property
    def configs(self) -> Configs | None:
        return self.load.configs

    def base_stack(self) -> RenderedStack | None:
        return next((s for s in self.stacks if s.team == BASE_TEAM), None)

    def task_file(self, task: Task) -> str:
        return self.configs.teams[task.team].file if self.configs else ""


@dataclass(frozen=True)
class OfflineCheck:
    """One check: `skip_reason` says why it cannot run (or None), `run` returns findings."""

    info: CheckInfo
    run: Callable[[OfflineContext], list[Finding]]
    skip_reason: Callable[[OfflineContext], str | None]


def always(_: OfflineContext) -> str | None:
    return None


def needs_configs(ctx: OfflineContext) -> str | None:
    return (
        None if ctx.configs is not None else "not run: the configs did not load (see DMS001/DMS002)"
    )


def needs_base_stack(ctx: OfflineContext) -> str | None:
    return needs_configs(ctx) or (
        None
        if ctx.base_stack() is not None
        else "not run: the base stack did not render (see DMS003)"
    )


def task_finding(
    ctx: OfflineContext,
    task: Task,
    message: str,
    pointer: str | None = None,
    table: Table | None = None,
) -> Finding:
    """A finding about a task (or one of its tables), located in its team file."""
    return Finding(
        message,
        team=task.team,
        task=task.name,
        table=table.source if table else None,
        file=ctx.task_file(task),
        pointer=pointer if pointer is not None else (table.pointer if table else task.pointer),
    )

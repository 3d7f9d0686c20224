"""Which table folders a step's S3 proof reads: those the step can make DMS load into or
leave, never the folders of tables it leaves alone. Pure. The argument for why this still
proves that no object is overwritten or removed is in `apply.s3_guard`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from dms_deploy.plan.templates import properties, task_resources
from dms_deploy.plan.views import folder_of, mapped_tables

# The one start that continues from a checkpoint without loading anything again.
RESUME = "resume-processing"


def task_folders(template: dict | None) -> dict[str, tuple[str, frozenset[str]]]:
    """Task id -> (logical id, the table folders its TableMappings write to)."""
    return {
        task: (
            logical_id,
            frozenset(
                folder_of(source, version)
                for source, version in mapped_tables(
                    properties(resource).get("TableMappings")
                ).items()
            ),
        )
        for task, (logical_id, resource) in task_resources(template or {}).items()
    }


def folders_to_prove(
    new: dict | None,
    deployed: dict | None,
    *,
    start: Mapping[str, str],
    announced: Iterable[str] = (),
    first_runs: Iterable[str] = (),
    fresh: Iterable[str] = (),
) -> list[str]:
    """The folders a step can make DMS write a LOAD file into, or stop writing to.

    `new` is the step's template (None for a stack it deletes), `deployed` the stack's
    template before the step (None for a stack it creates; the step's own template on a
    rerun after its deploy). `start` is how the plan starts each task, `announced` the
    logical ids of the replacements the plan showed, `first_runs` the tasks that have never
    run in DMS (their start is a full load whatever the plan says), `fresh` the folders the
    plan loads for the first time.
    """
    now, was = task_folders(new), task_folders(deployed)
    announced, first_runs = set(announced), set(first_runs)
    folders = set(fresh)
    for task in now.keys() | was.keys():
        logical_id, after = now.get(task, (None, frozenset()))
        old_logical_id, before = was.get(task, (None, frozenset()))
        folders |= after ^ before  # tables added to the task, and tables it leaves
        loads_everything = (
            start.get(task, RESUME) != RESUME
            or task in first_runs
            or logical_id in announced
            or (old_logical_id is not None and logical_id not in (None, old_logical_id))
        )
        if loads_everything:
            folders |= after | before
    return sorted(folders)

"""Where the full loads of a step's new tables stand, and whether their folders are empty.

A table new to a task starts its full load when the task starts, and writes its LOAD files
until the load completes. Proving that no S3 object was overwritten therefore means waiting
until those loads are done, and refusing to start a load into a folder that holds data.

AWS behaviour relied on:
- TableStatistics.TableState (`Before load`, `Full load`, `Table completed`, `Table error`,
  `Table cancelled`), named by the source schema and table:
  https://docs.aws.amazon.com/dms/latest/APIReference/API_TableStatistics.html
- A full-load-only task stops by itself when its load ends (not a failure):
  https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.Creating.html
- With TargetTablePrepMode DO_NOTHING, a load writes LOAD00000001.csv... into the table's
  folder whatever is already there: https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Target.S3.html
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from dms_deploy.apply.dms_tasks import describe_tasks
from dms_deploy.state.read import read_folders

COMPLETED = "Table completed"
# A load that ended without completing: its LOAD files are partial.
BROKEN = frozenset({"Table error", "Table cancelled"})
# A task of this migration type never full-loads, so there is nothing to wait for.
NO_FULL_LOAD = "cdc"

# Task id -> [{"folder", "schema", "table", "migration_type"}], as `step_items` lists them.
Loads = Mapping[str, list[dict[str, str]]]


@dataclass(frozen=True)
class LoadProgress:
    done: bool
    pending: tuple[str, ...] = ()  # "task: schema.table (state)"
    failures: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.failures:
            return "full loads failed: " + "; ".join(self.failures)
        if self.pending:
            return "still loading: " + ", ".join(self.pending)
        return "every new table is loaded"


def loads_to_wait_for(loads: Loads, tasks: set[str]) -> dict[str, list[dict[str, str]]]:
    """The new tables of the given tasks that receive a full load."""
    return {
        task: tables
        for task, tables in loads.items()
        if task in tasks and any(t.get("migration_type") != NO_FULL_LOAD for t in tables)
    }


def load_progress(dms: Any, loads: Loads) -> LoadProgress:
    """One DescribeReplicationTasks and one (paginated) DescribeTableStatistics per task."""
    if not loads:
        return LoadProgress(done=True)
    tasks = describe_tasks(dms, loads)
    pending: list[str] = []
    failures: list[str] = []
    for identifier, tables in sorted(loads.items()):
        task = tasks.get(identifier)
        if task is None:
            failures.append(f"{identifier} does not exist")
            continue
        if task["Status"] == "failed":
            why = task.get("LastFailureMessage") or "no reason given"
            failures.append(f"{identifier} failed: {why}")
            continue
        states = _table_states(dms, task["ReplicationTaskArn"])
        for table in tables:
            key = (table["schema"], table["table"])
            name = f"{identifier}: {key[0]}.{key[1]}"
            state = states.get(key)
            if state == COMPLETED:
                continue
            if state in BROKEN:
                failures.append(f"{name} ended in {state!r}, its folder {table['folder']}")
            elif task["Status"] in ("stopped", "stopping") and state is not None:
                failures.append(f"{name} is {state!r} but the task is {task['Status']}")
            else:
                pending.append(f"{name} ({state or 'not listed yet'})")
    return LoadProgress(
        done=not pending and not failures, pending=tuple(pending), failures=tuple(failures)
    )


def _table_states(dms: Any, task_arn: str) -> dict[tuple[str, str], str]:
    states: dict[tuple[str, str], str] = {}
    paginator = dms.get_paginator("describe_table_statistics")
    try:
        for page in paginator.paginate(ReplicationTaskArn=task_arn):
            for stats in page.get("TableStatistics", []):
                key = (stats.get("SchemaName", ""), stats.get("TableName", ""))
                states[key] = stats.get("TableState", "")
    except ClientError as error:
        # A task that has not run yet has no statistics: its tables are not listed yet.
        if error.response["Error"]["Code"] != "InvalidResourceStateFault":
            raise
    return states


def occupied_folders(s3: Any, bucket: str, bucket_folder: str, folders: list[str]) -> list[str]:
    """The folders among `folders` that hold any object (one delimiter listing)."""
    listing = read_folders(s3, bucket, bucket_folder, sorted(set(folders)))
    if listing is None:
        return []
    return sorted(f for f in set(folders) if f in listing.nonempty)

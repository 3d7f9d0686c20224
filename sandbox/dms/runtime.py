"""Replication task lifecycle and table statistics, on moto's FakeReplicationTask objects.

Statuses and transitions follow the DMS API reference (ReplicationTask.Status) and the task
status guide:
https://docs.aws.amazon.com/dms/latest/APIReference/API_ReplicationTask.html
https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Monitoring.html#CHAP_Tasks.Status
Table states follow TableStatistics.TableState:
https://docs.aws.amazon.com/dms/latest/APIReference/API_TableStatistics.html

Every transition is an action on the scaled clock. A task's ``generation`` increases at each
start, stop and delete; an action scheduled under an older generation does nothing, which is how
a stop cancels a pending full load.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from typing import Any

from moto.dms.exceptions import InvalidParameterCombinationException, InvalidResourceStateFault

from sandbox import clock as durations
from sandbox.dms import metrics, s3_target
from sandbox.dms.table_mappings import selected_tables
from sandbox.state import STATE

BEFORE_LOAD = "Before load"
FULL_LOAD = "Full load"
TABLE_COMPLETED = "Table completed"
TABLE_CANCELLED = "Table cancelled"
TABLE_ERROR = "Table error"

START_REPLICATION = "start-replication"
RESUME_PROCESSING = "resume-processing"
RELOAD_TARGET = "reload-target"

MODIFIABLE = ("ready", "stopped", "failed")
STARTABLE = ("ready", "stopped", "failed")


@dataclass
class TableRun:
    schema: str
    table: str
    target_schema: str
    target_table: str
    state: str = BEFORE_LOAD
    full_load_rows: int = 0
    inserts: int = 0
    updates: int = 0
    deletes: int = 0
    ddls: int = 0
    full_load_start: float | None = None
    full_load_end: float | None = None
    reloaded: bool = False
    last_update: float = 0.0

    def rows_at(self, now: float) -> int:
        """Rows loaded so far: a table in ``Full load`` counts up towards its total."""
        if self.state != FULL_LOAD or self.full_load_start is None:
            return self.full_load_rows
        duration = STATE.clock.scaled(durations.TABLE_FULL_LOAD) or 1.0
        fraction = min(max((now - self.full_load_start) / duration, 0.0), 0.99)
        return int(_rows(self) * fraction)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "SchemaName": self.schema,
            "TableName": self.table,
            "Inserts": self.inserts,
            "Deletes": self.deletes,
            "Updates": self.updates,
            "Ddls": self.ddls,
            "AppliedInserts": self.inserts,
            "AppliedDeletes": self.deletes,
            "AppliedUpdates": self.updates,
            "AppliedDdls": self.ddls,
            "FullLoadRows": self.rows_at(STATE.clock.now()),
            "FullLoadCondtnlChkFailedRows": 0,
            "FullLoadErrorRows": 0,
            "FullLoadReloaded": self.reloaded,
            "LastUpdateTime": self.last_update,
            "TableState": self.state,
            "ValidationPendingRecords": 0,
            "ValidationFailedRecords": 0,
            "ValidationSuspendedRecords": 0,
            "ValidationState": "Not enabled",
        }
        if self.full_load_start is not None:
            data["FullLoadStartTime"] = self.full_load_start
        if self.full_load_end is not None:
            data["FullLoadEndTime"] = self.full_load_end
        return data


@dataclass
class TaskRuntime:
    has_run: bool = False
    generation: int = 0
    tables: dict[tuple[str, str], TableRun] = field(default_factory=dict)
    stop_reason: str | None = None
    last_failure_message: str | None = None
    fresh_start: float | None = None
    start: float | None = None
    stop: float | None = None
    full_load_start: float | None = None
    full_load_finish: float | None = None


def runtime(task: Any) -> TaskRuntime:
    if not hasattr(task, "sandbox_runtime"):
        task.sandbox_runtime = TaskRuntime()
    return task.sandbox_runtime


def _seed(schema: str, table: str) -> int:
    return zlib.crc32(f"{schema}.{table}".encode())


def _rows(table: TableRun) -> int:
    return 1_000 + _seed(table.schema, table.table) % 49_000


def _settings(task: Any) -> dict[str, Any]:
    try:
        settings = json.loads(task.replication_task_settings or "{}")
    except ValueError:
        return {}
    return settings if isinstance(settings, dict) else {}


def _max_subtasks(task: Any) -> int:
    # FullLoadSettings.MaxFullLoadSubTasks: tables loaded in parallel (default 8).
    value = (_settings(task).get("FullLoadSettings") or {}).get("MaxFullLoadSubTasks", 8)
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 8


def _endpoint(backend: Any, arn: str) -> Any:
    return next((e for e in backend.endpoints.values() if e.endpoint_arn == arn), None)


# --- creation, modification, deletion -------------------------------------------------------


def on_created(task: Any) -> None:
    task.status = "creating"
    runtime(task)

    def ready(_: float) -> None:
        if task.status == "creating":
            task.status = "ready"

    STATE.clock.after(durations.TASK_CREATE, ready)


def check_modifiable(task: Any) -> None:
    if task.status not in MODIFIABLE:
        raise InvalidResourceStateFault(
            f"Replication task {task.id} is in the {task.status} state. "
            "A task can be modified only when it is ready, stopped or failed."
        )


def modify(task: Any, changes: dict[str, Any]) -> None:
    check_modifiable(task)
    for attr, value in changes.items():
        if value is not None:
            setattr(task, attr, value)
    previous = task.status
    task.status = "modifying"

    def done(_: float) -> None:
        if task.status == "modifying":
            task.status = previous

    STATE.clock.after(durations.TASK_MODIFY, done)


def delete(backend: Any, task: Any) -> None:
    if task.status in ("running", "starting", "stopping", "modifying"):
        raise InvalidResourceStateFault(
            f"Replication task {task.id} is {task.status}; stop it before deleting it."
        )
    force_delete(backend, task)


def force_delete(backend: Any, task: Any) -> None:
    """``deleting`` now (pending loads and CDC cancelled), gone after a while."""
    rt = runtime(task)
    rt.generation += 1
    task.status = "deleting"

    def gone(_: float) -> None:
        if backend.replication_tasks.get(task.arn) is task:
            del backend.replication_tasks[task.arn]

    STATE.clock.after(durations.TASK_DELETE, gone)


# --- start and stop -------------------------------------------------------------------------


def start(backend: Any, task: Any, start_type: str) -> None:
    rt = runtime(task)
    if task.status not in STARTABLE:
        raise InvalidResourceStateFault(
            f"Replication task {task.id} is in the {task.status} state and cannot be started."
        )
    # https://docs.aws.amazon.com/dms/latest/APIReference/API_StartReplicationTask.html
    # start-replication is valid only for the first run of a task.
    if start_type == START_REPLICATION and rt.has_run:
        raise InvalidParameterCombinationException(
            "Start Type : START_REPLICATION, valid only for tasks running for the first time"
        )
    if start_type in (RESUME_PROCESSING, RELOAD_TARGET) and not rt.has_run:
        raise InvalidParameterCombinationException(
            f"Start Type : {start_type.upper().replace('-', '_')}, "
            "valid only for tasks that have run before; use start-replication"
        )
    if start_type not in (START_REPLICATION, RESUME_PROCESSING, RELOAD_TARGET):
        raise InvalidParameterCombinationException(f"Invalid StartReplicationTaskType {start_type}")

    rt.generation += 1
    generation = rt.generation
    failure = None
    if start_type == RESUME_PROCESSING:
        failure = STATE.faults.failing_resumes.pop(task.id, None)
    task.status = "starting"
    rt.stop_reason = None
    rt.last_failure_message = None
    now = STATE.clock.now()
    rt.start = now
    if not rt.has_run or start_type == RELOAD_TARGET:
        rt.fresh_start = now
    rt.has_run = True

    def running(due: float) -> None:
        if rt.generation != generation:
            return
        if failure:
            _fail(task, failure, due)
            return
        task.status = "running"
        _begin_replication(backend, task, start_type, generation, due)

    STATE.clock.after(durations.TASK_START, running)


def stop(task: Any) -> None:
    if task.status != "running":
        raise InvalidResourceStateFault(
            f"Replication task {task.id} is in the {task.status} state; only a running task "
            "can be stopped."
        )
    rt = runtime(task)
    rt.generation += 1
    generation = rt.generation
    task.status = "stopping"
    cancelled = []
    for table in rt.tables.values():
        if table.state in (BEFORE_LOAD, FULL_LOAD):
            cancelled.append(f"{table.schema}.{table.table} ({table.state})")
            table.state = TABLE_CANCELLED
    if cancelled:
        STATE.interrupted_loads.append(
            {"task_id": task.id, "tables": cancelled, "time": STATE.clock.now()}
        )

    def stopped(due: float) -> None:
        if rt.generation != generation:
            return
        if task.id in STATE.faults.hanging_stops:
            # Injected fault: the stop hangs in "stopping" until the faults are cleared.
            STATE.clock.at(STATE.clock.now() + STATE.clock.scaled(1.0), stopped)
            return
        task.status = "stopped"
        rt.stop = due
        rt.stop_reason = "Stop Reason NORMAL"

    STATE.clock.after(durations.TASK_STOP, stopped)


def _fail(task: Any, message: str, at: float) -> None:
    rt = runtime(task)
    rt.generation += 1
    task.status = "failed"
    rt.stop = at
    rt.stop_reason = "Stop Reason FATAL_ERROR"
    rt.last_failure_message = message


def _begin_replication(
    backend: Any, task: Any, start_type: str, generation: int, at: float
) -> None:
    rt = runtime(task)
    wanted = {(t.schema, t.table): t for t in selected_tables(task.table_mappings)}
    target = s3_target.s3_target(_endpoint(backend, task.target_endpoint_arn))
    if target and not s3_target.bucket_exists(target.bucket):
        _fail(
            task,
            f"Last Error S3 bucket '{target.bucket}' does not exist (NoSuchBucket). "
            "Stop Reason FATAL_ERROR Error Level FATAL",
            at,
        )
        return

    previous = rt.tables
    rt.tables = {}
    to_load: list[TableRun] = []
    loads_data = task.migration_type in ("full-load", "full-load-and-cdc")
    for key, sel in wanted.items():
        old = previous.get(key)
        # resume-processing keeps a table that finished loading, even if only its target name
        # changed: DMS goes on replicating its changes, into the new name, without a full load.
        # Only a table new to the mapping (or whose load did not finish) is loaded.
        keep = start_type == RESUME_PROCESSING and old is not None and old.state == TABLE_COMPLETED
        if keep:
            old.target_schema, old.target_table = sel.target_schema, sel.target_table
            rt.tables[key] = old
            continue
        table = TableRun(sel.schema, sel.table, sel.target_schema, sel.target_table, last_update=at)
        table.reloaded = start_type == RELOAD_TARGET and old is not None
        rt.tables[key] = table
        if loads_data:
            to_load.append(table)
        else:
            table.state = TABLE_COMPLETED

    if to_load:
        rt.full_load_start = at
        rt.full_load_finish = None
    _schedule_loads(task, to_load, target, generation, at)
    if task.migration_type in ("cdc", "full-load-and-cdc") and target:
        STATE.clock.at(
            at + STATE.clock.scaled(target.cdc_interval),
            _cdc_tick(backend, task, target, generation),
        )
        STATE.clock.at(
            at + STATE.clock.scaled(metrics.PERIOD_SECONDS),
            _metrics_tick(backend, task, generation),
        )


def _schedule_loads(
    task: Any, to_load: list[TableRun], target: Any, generation: int, at: float
) -> None:
    """Load ``to_load`` MaxFullLoadSubTasks at a time; the full load is done (and a
    full-load-only task stops) when the last of them has finished, however long it is held."""
    done = _full_load_done(task, bool(to_load), generation)
    if not to_load:
        STATE.clock.at(at, done)
        return
    slots = _max_subtasks(task)
    for index, table in enumerate(to_load):
        begin = at + STATE.clock.scaled(durations.TABLE_FULL_LOAD) * (index // slots)
        end = begin + STATE.clock.scaled(durations.TABLE_FULL_LOAD)
        STATE.clock.at(begin, _load_begin(task, table, generation))
        STATE.clock.at(end, _load_end(task, table, target, generation, to_load, done))


def reload_tables(backend: Any, task: Any, tables: list[dict[str, Any]], option: str) -> None:
    """ReloadTables: full-load the named tables again while the task keeps running.

    On an S3 target the reload writes LOAD files into the same folder again, so with
    ``TargetTablePrepMode`` ``DO_NOTHING`` LOAD00000001.csv is overwritten; the table shows
    ``FullLoadReloaded``. ``validate-only`` reloads no data.
    https://docs.aws.amazon.com/dms/latest/APIReference/API_ReloadTables.html
    """
    if task.status != "running":
        raise InvalidResourceStateFault(
            f"Replication task {task.id} is in the {task.status} state; tables can be reloaded "
            "only while the task is running."
        )
    if option == "validate-only" or task.migration_type == "cdc":
        return
    rt = runtime(task)
    now = STATE.clock.now()
    wanted = {(t.get("SchemaName"), t.get("TableName")) for t in tables}
    batch = []
    for key, table in rt.tables.items():
        if key in wanted and table.state in (TABLE_COMPLETED, TABLE_ERROR, TABLE_CANCELLED):
            table.state = BEFORE_LOAD
            table.reloaded = True
            table.full_load_rows = 0
            table.full_load_start = table.full_load_end = None
            table.last_update = now
            batch.append(table)
    if batch:
        rt.full_load_finish = None
        target = s3_target.s3_target(_endpoint(backend, task.target_endpoint_arn))
        _schedule_loads(task, batch, target, rt.generation, now)


def _load_begin(task: Any, table: TableRun, generation: int) -> Any:
    def action(due: float) -> None:
        # A table in error stays suspended until the task loads it again (TableState).
        if runtime(task).generation == generation and table.state != TABLE_ERROR:
            table.state = FULL_LOAD
            table.full_load_start = due
            table.last_update = due

    return action


def _load_end(
    task: Any,
    table: TableRun,
    target: Any,
    generation: int,
    batch: list[TableRun],
    done: Any,
) -> Any:
    def action(due: float) -> None:
        if runtime(task).generation != generation:
            return
        if task.id in STATE.faults.held_loads:
            # A held load looks like a long one: check again a little later.
            STATE.clock.at(STATE.clock.now() + STATE.clock.scaled(1.0), action)
            return
        if table.state != TABLE_ERROR:  # a table in error mid-load writes no LOAD file
            table.full_load_rows = _rows(table)
            if target:
                s3_target.write_load_files(
                    target, table.target_schema, table.target_table, table.full_load_rows, due
                )
            table.state = TABLE_COMPLETED
            table.last_update = due
        table.full_load_end = due
        # The last table of the batch to end finishes the load, once.
        if all(t.full_load_end is not None for t in batch):
            done(due)

    return action


def _full_load_done(task: Any, loaded: bool, generation: int) -> Any:
    def action(due: float) -> None:
        rt = runtime(task)
        if rt.generation != generation:
            return
        if loaded:
            rt.full_load_finish = due
        if task.migration_type == "full-load":
            # A full-load-only task stops by itself when the load is done.
            rt.generation += 1
            task.status = "stopped"
            rt.stop = due
            rt.stop_reason = "Stop Reason FULL_LOAD_ONLY_FINISHED"

    return action


def _cdc_tick(backend: Any, task: Any, target: Any, generation: int) -> Any:
    def action(due: float) -> None:
        rt = runtime(task)
        if rt.generation != generation or task.status != "running":
            return
        for table in rt.tables.values():
            if table.state != TABLE_COMPLETED:
                continue
            seed = _seed(table.schema, table.table)
            changes = 1 + (seed + int(due)) % 5
            s3_target.write_cdc_file(target, table.target_schema, table.target_table, changes, due)
            table.inserts += changes
            table.updates += 1 + seed % 3
            table.last_update = due
        # Batches missed while nobody was looking are coalesced rather than replayed.
        nxt = max(due + STATE.clock.scaled(target.cdc_interval), STATE.clock.now())
        STATE.clock.at(nxt, action)

    return action


def _metrics_tick(backend: Any, task: Any, generation: int) -> Any:
    """Every minute while the task runs: its CDC latency datapoints (metrics.py)."""

    def action(due: float) -> None:
        if runtime(task).generation != generation or task.status != "running":
            return
        metrics.publish_cdc_latency(backend, task, due)
        nxt = max(due + STATE.clock.scaled(metrics.PERIOD_SECONDS), STATE.clock.now())
        STATE.clock.at(nxt, action)

    return action


def publish_now(task_id: str) -> None:
    """Publish the task's CDC latency metrics now, if it runs CDC (a held value shows at once)."""
    backend = metrics.dms_backend()
    task = metrics.task_by_identifier(backend, task_id)
    if task is not None and task.status == "running" and task.migration_type != "full-load":
        metrics.publish_cdc_latency(backend, task, STATE.clock.now())


def fail_table(task_id: str, schema: str, table: str) -> bool:
    """The table goes to `Table error`; the task goes on with its other tables, as DMS
    suspends only the table in error (TableStatistics.TableState):
    https://docs.aws.amazon.com/dms/latest/APIReference/API_TableStatistics.html
    False when the task or the table is unknown."""
    task = metrics.task_by_identifier(metrics.dms_backend(), task_id)
    run = runtime(task).tables.get((schema, table)) if task is not None else None
    if run is None:
        return False
    run.state = TABLE_ERROR
    run.last_update = STATE.clock.now()
    return True


# --- descriptions ---------------------------------------------------------------------------


def describe(task: Any, without_settings: bool = False) -> dict[str, Any]:
    rt = runtime(task)
    tables = list(rt.tables.values())
    loaded = sum(t.state == TABLE_COMPLETED for t in tables)
    loading = sum(t.state == FULL_LOAD for t in tables)
    queued = sum(t.state == BEFORE_LOAD for t in tables)
    errored = sum(t.state == TABLE_ERROR for t in tables)
    # With no table, the load is complete only once a full load has actually finished.
    percent = int(100 * loaded / len(tables)) if tables else (100 if rt.full_load_finish else 0)
    stats: dict[str, Any] = {
        "FullLoadProgressPercent": percent,
        "ElapsedTimeMillis": int(
            ((rt.stop if task.status != "running" else None) or STATE.clock.now()) * 1000
            - (rt.start or 0) * 1000
        )
        if rt.start
        else 0,
        "TablesLoaded": loaded,
        "TablesLoading": loading,
        "TablesQueued": queued,
        "TablesErrored": errored,
    }
    for key, value in (
        ("FreshStartDate", rt.fresh_start),
        ("StartDate", rt.start),
        ("StopDate", rt.stop),
        ("FullLoadStartDate", rt.full_load_start),
        ("FullLoadFinishDate", rt.full_load_finish),
    ):
        if value is not None:
            stats[key] = value
    data: dict[str, Any] = {
        "ReplicationTaskIdentifier": task.id,
        "SourceEndpointArn": task.source_endpoint_arn,
        "TargetEndpointArn": task.target_endpoint_arn,
        "ReplicationInstanceArn": task.replication_instance_arn,
        "MigrationType": task.migration_type,
        "Status": task.status,
        "ReplicationTaskCreationDate": task.creation_date.timestamp(),
        "ReplicationTaskArn": task.arn,
        "ReplicationTaskStats": stats,
    }
    if not without_settings:
        data["TableMappings"] = task.table_mappings
        data["ReplicationTaskSettings"] = task.replication_task_settings or "{}"
    if rt.start is not None:
        data["ReplicationTaskStartDate"] = rt.start
    if rt.stop_reason:
        data["StopReason"] = rt.stop_reason
    if rt.last_failure_message:
        data["LastFailureMessage"] = rt.last_failure_message
    for attr, key in (
        ("cdc_start_position", "CdcStartPosition"),
        ("cdc_stop_position", "CdcStopPosition"),
        ("task_data", "TaskData"),
    ):
        if getattr(task, attr, None):
            data[key] = getattr(task, attr)
    return data


def table_statistics(task: Any) -> list[dict[str, Any]]:
    return [t.to_dict() for t in runtime(task).tables.values()]

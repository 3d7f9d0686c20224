"""The safety promises, read from live AWS state after a run, however the run went.

- Every task configured to run is running, and every task configured paused is stopped:
  no task is left stopped against its config, even after a failed or interrupted run.
- No full load was interrupted: no table is `Table cancelled` (what a stop during a load
  leaves) or `Table error`.
- No S3 object under the data folder changed or vanished since `data_objects` recorded it,
  and no full-load file appeared in a folder that already held data.

Full-load-only tasks are left out of the first check: they stop by themselves when done.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from dms_deploy.apply.dms_tasks import describe_tasks
from dms_deploy.apply.s3_guard import Snapshot, find_overwrites, snapshot
from dms_deploy.config.load import load_configs
from dms_deploy.config.models import Configs

# https://docs.aws.amazon.com/dms/latest/APIReference/API_TableStatistics.html
INTERRUPTED_TABLE_STATES = frozenset({"Table cancelled", "Table error"})
FULL_LOAD_ONLY = "full-load"
# A task configured paused that never ran is "ready".
NOT_RUNNING = frozenset({"stopped", "ready"})


def _configs(configs_dir: Path) -> Configs:
    configs = load_configs(configs_dir).configs
    assert configs is not None, f"the configs in {configs_dir} do not load"
    return configs


def data_objects(s3: Any, configs_dir: Path) -> Snapshot:
    """Every object under `<bucket>/<folder>/data/`, with its ETag and LastModified."""
    base = _configs(configs_dir).base
    return snapshot(s3, base.bucket, [f"{base.bucket_folder}/data/"])


def broken_promises(dms: Any, s3: Any, configs_dir: Path, before: Snapshot) -> list[str]:
    """What the live state breaks of the promises above; empty when all are kept."""
    configs = _configs(configs_dir)
    tasks = {t.identifier: t for t in configs.all_tasks()}
    live = describe_tasks(dms, tasks)
    problems = []
    for identifier, task in sorted(tasks.items()):
        status = live.get(identifier, {}).get("Status", "missing")
        if task.paused and status not in NOT_RUNNING:
            problems.append(f"task {identifier} is {status}, but its config wants it stopped")
        if not task.paused and status != "running" and task.migration_type != FULL_LOAD_ONLY:
            problems.append(f"task {identifier} is {status}, but its config wants it running")
    for identifier, task in sorted(live.items()):
        for table in _table_statistics(dms, task["ReplicationTaskArn"]):
            if table.get("TableState") in INTERRUPTED_TABLE_STATES:
                name = f"{table['SchemaName']}.{table['TableName']}"
                problems.append(f"table {name} of {identifier} is {table['TableState']}")
    after = data_objects(s3, configs_dir)
    problems += [f"S3: {p}" for p in find_overwrites(before, after, [])]
    return problems


def _table_statistics(dms: Any, task_arn: str) -> list[dict]:
    paginator = dms.get_paginator("describe_table_statistics")
    try:
        return [
            t
            for page in paginator.paginate(ReplicationTaskArn=task_arn)
            for t in page.get("TableStatistics", [])
        ]
    except ClientError as error:
        # A task that never ran (one configured paused) has no statistics.
        if error.response["Error"]["Code"] != "InvalidResourceStateFault":
            raise
        return []

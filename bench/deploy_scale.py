"""Deploy at scale: a one-table version bump in a team of 2,000 tables, through the real DAG.

    .venv/bin/python bench/deploy_scale.py [--tasks 10] [--tables 200] [--cdc-files 200]

Starts its own sandbox subprocess and an in-process Airflow (as `make demo` does), deploys a
team of `--tasks` x `--tables` tables directly, puts `--cdc-files` objects in the bumped
table's folder (CDC files accumulate forever), bumps that one table, and runs `dms_deploy`.
Prints the S3 calls of the run (from the sandbox's call log), the largest XCom of each task
against the 64 KB target, and the wall time. Targets: <= 20 S3 calls and every XCom of the run
<= 64 KB, whatever the team's size and the folder's object count: the S3 proof's records
(`pause_tasks`, `verify_no_s3_overwrite`), and the plan (`check_state`) and the step items
(`step_N_stacks`), which name each ~1.2 MB template by its SHA-256 (the templates are in S3).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORK = Path(tempfile.mkdtemp(prefix="dms-deploy-bench-"))
CONFIGS = WORK / "dms_configs"
# Airflow reads its configuration once, at import: an isolated home, set first.
os.environ.update(
    AIRFLOW_HOME=str(WORK / "airflow"),
    AIRFLOW__CORE__DAGS_FOLDER=str(REPO / "dags"),
    AIRFLOW__CORE__PLUGINS_FOLDER=str(REPO / "plugins"),
    AIRFLOW__CORE__LOAD_EXAMPLES="False",
    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{WORK}/airflow.db",
    DMS_DEPLOY_CONFIG_DIR=str(CONFIGS),
    DMS_DEPLOY_POLL_SECONDS="0.2",
    DMS_DEPLOY_CACHE_DIR=str(WORK / "cache"),
    # The figures, not every task's log lines.
    AIRFLOW__LOGGING__LOGGING_LEVEL="ERROR",
)
sys.path.insert(0, str(REPO))

from sandbox.launch import point_aws_at, running_sandbox  # noqa: E402

TIME_SCALE = 0.01
TEAM = "bulk"
VERSION, BUMPED = "v202001010000", "v202611300000"
SOURCE = "db/s0/t0"  # short names: 2,000 tables stay under CloudFormation's 1 MB template
MAX_S3_CALLS = 20
MAX_XCOM_BYTES = 64 * 1024
# The XComs that carry the S3 proof's records and results.
PROOF_TASKS = ("pause_tasks", "verify_no_s3_overwrite")


def write_configs(tasks: int, tables: int) -> None:
    """The example base config and one team of `tasks` x `tables` tables."""
    shutil.copytree(REPO / "dms_configs", CONFIGS)
    for team_file in (CONFIGS / "teams").glob("*.json"):
        team_file.unlink()
    example = json.loads((REPO / "dms_configs" / "teams" / "food.json").read_text())
    team = {
        "$schema": "../schema/team.schema.json",
        "team": TEAM,
        "endpoints": {
            "db": {
                "engine": "mysql",
                "server": "bulkdb.internal",
                "port": 3306,
                "secret": example["endpoints"]["fooddb"]["secret"],  # bootstrap creates it
            }
        },
        "instances": {"bulk-1": {"class": "dms.r5.large", "storage_gb": 100}},
        "tasks": {
            f"t{k:02d}": {
                "instance": "bulk-1",
                "endpoint": "db",
                "target": "s3-10min",
                "tables": [{"source": f"db/s{k}/t{n}", "version": VERSION} for n in range(tables)],
            }
            for k in range(tasks)
        },
    }
    write_team(team)


def write_team(team: dict) -> None:
    (CONFIGS / "teams" / f"{TEAM}.json").write_text(json.dumps(team, indent=1), "utf-8")


def bump_one_table() -> None:
    path = CONFIGS / "teams" / f"{TEAM}.json"
    team = json.loads(path.read_text("utf-8"))
    for table in team["tasks"]["t00"]["tables"]:
        if table["source"] == SOURCE:
            table["version"] = BUMPED
    write_team(team)


def plant_cdc_files(count: int) -> str:
    """`count` CDC-like objects in the bumped table's current folder; returns its prefix."""
    import boto3

    from dms_deploy.config.load import load_configs
    from dms_deploy.plan.views import folder_of

    base = load_configs(CONFIGS).configs.base
    prefix = f"{base.bucket_folder}/data/{folder_of(SOURCE, VERSION)}/"
    s3 = boto3.client("s3")
    for n in range(count):
        s3.put_object(Bucket=base.bucket, Key=f"{prefix}cdc/{n:06d}.csv", Body=f"{n}".encode())
    return prefix


def xcom_bytes(run_id: str) -> dict[str, int]:
    """Task id -> the size of its largest XCom (over keys and map indexes), as stored."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    sizes: dict[str, int] = {}
    with create_session() as session:
        rows = session.query(XComModel).filter_by(run_id=run_id).all()
        for row in rows:
            stored = row.value if isinstance(row.value, str) else json.dumps(row.value)
            size = len(stored.encode())
            sizes[row.task_id] = max(sizes.get(row.task_id, 0), size)
    return sizes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10)
    parser.add_argument("--tables", type=int, default=200, help="tables per task")
    parser.add_argument("--cdc-files", type=int, default=200)
    args = parser.parse_args()
    write_configs(args.tasks, args.tables)

    with running_sandbox(TIME_SCALE) as sandbox:
        point_aws_at(sandbox.url)
        connection = {
            "conn_type": "aws",
            "login": "testing",
            "password": "testing",
            "extra": {"endpoint_url": sandbox.url, "region_name": "us-east-1"},
        }
        os.environ["AIRFLOW_CONN_AWS_DEFAULT"] = json.dumps(connection)
        from scripts.local_airflow import deploy_directly, migrate_db, trigger

        sandbox.bootstrap(str(CONFIGS))
        migrate_db()
        started = time.perf_counter()
        deploy_directly(CONFIGS)
        tables = args.tasks * args.tables
        print(f"deployed {args.tasks} tasks, {tables} tables in one team stack "
              f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
        folder = plant_cdc_files(args.cdc_files)
        print(f"{args.cdc_files} CDC files planted in {folder}")

        bump_one_table()
        sandbox.clear_calls()
        started = time.perf_counter()
        result = trigger()
        seconds = time.perf_counter() - started
        calls = sandbox.calls()
        s3 = collections.Counter(c["operation"] for c in calls if c["service"] == "s3")
        sizes = xcom_bytes(result.run_id)

    print(f"\none-table bump of {SOURCE} in a team of {tables} tables: run {result.state}, "
          f"{seconds:.1f} s wall time, {len(calls)} AWS calls in all")  # fmt: skip
    print("S3 calls by operation:")
    for operation, count in sorted(s3.items()):
        print(f"  {operation:24} {count}")
    total = sum(s3.values())
    print(f"  {'total':24} {total}   (target <= {MAX_S3_CALLS}: {_verdict(total, MAX_S3_CALLS)})")
    print(f"largest XCom per task, bytes (target <= {MAX_XCOM_BYTES:,} each):")
    for task_id, size in sorted(sizes.items(), key=lambda item: -item[1]):
        print(f"  {task_id:36} {size:>9,}  {_verdict(size, MAX_XCOM_BYTES)}")
    proof = max((s for t, s in sizes.items() if t.endswith(PROOF_TASKS)), default=0)
    print(f"largest S3-proof XCom: {proof:,} bytes "
          f"(target <= {MAX_XCOM_BYTES:,}: {_verdict(proof, MAX_XCOM_BYTES)})")  # fmt: skip
    task_id, largest = max(sizes.items(), key=lambda item: item[1])
    print(f"largest XCom of the run: {task_id}, {largest:,} bytes "
          f"(target <= {MAX_XCOM_BYTES:,}: {_verdict(largest, MAX_XCOM_BYTES)})")  # fmt: skip
    shutil.rmtree(WORK, ignore_errors=True)
    return 0 if result.state == "success" else 1


def _verdict(value: int, target: int) -> str:
    return "met" if value <= target else "MISSED"


if __name__ == "__main__":
    sys.exit(main())

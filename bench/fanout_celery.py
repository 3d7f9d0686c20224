"""A change to 50 team stacks against a change to one, on the production shape (Celery).

    .venv/bin/python bench/fanout_celery.py [--teams 50]

Starts `deploy.airflow.celery_local.CeleryAirflow` (the sandbox, PostgreSQL metadata DB, Redis
broker, two Celery workers; PostgreSQL and Redis must listen on 127.0.0.1) with the example
base config and `--teams` small teams, deploys them all once, then times two runs of
`dms_deploy` through `dmsctl trigger`: one table added to one team, then one table added to
every team. The teams' steps run as mapped instances in parallel, bounded by the
`dms_deploy_aws` pool (DMS_DEPLOY_AWS_POOL_SLOTS, default 8; docs/production.md).

Target: the 50-stack run under 2x the one-stack run, plus Airflow's scheduling overhead
(printed: the time the run's task instances spent queued or scheduled, summed per step).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from deploy.airflow.celery_local import CeleryAirflow, unreachable_services  # noqa: E402
from deploy.airflow.run_local import _interrupt  # noqa: E402

TIME_SCALE = 0.02
VERSION, ADDED = "v202001010000", "v202612010000"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:dms/fooddb"  # bootstrapped


def team_config(name: str) -> dict:
    return {
        "$schema": "../schema/team.schema.json",
        "team": name,
        "endpoints": {
            "db": {"engine": "mysql", "server": f"{name}.internal", "port": 3306, "secret": SECRET}
        },
        "instances": {f"{name}-1": {"class": "dms.t3.medium", "storage_gb": 50}},
        "tasks": {
            f"{name}-cdc": {
                "instance": f"{name}-1",
                "endpoint": "db",
                "target": "s3-10min",
                "tables": [{"source": f"db/{name}/t{n}", "version": VERSION} for n in range(2)],
            }
        },
    }


def write_configs(configs: Path, teams: list[str]) -> None:
    shutil.copytree(REPO / "dms_configs", configs)
    for example in (configs / "teams").glob("*.json"):
        example.unlink()
    for name in teams:
        path = configs / "teams" / f"{name}.json"
        path.write_text(json.dumps(team_config(name), indent=1), encoding="utf-8")


def add_table(configs: Path, name: str, table: str) -> None:
    path = configs / "teams" / f"{name}.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    config["tasks"][f"{name}-cdc"]["tables"].append(
        {"source": f"db/{name}/{table}", "version": ADDED}
    )
    path.write_text(json.dumps(config, indent=1), encoding="utf-8")


def trigger(airflow: CeleryAirflow, git_sha: str) -> str:
    """Run `dmsctl trigger` to the end; return the run id. Exits on a failed run."""
    env = {
        **os.environ,
        "AIRFLOW_API_URL": airflow.api_url,
        "AIRFLOW_USERNAME": airflow.username,
        "AIRFLOW_PASSWORD": airflow.password,
    }
    dmsctl = str(Path(sys.executable).parent / "dmsctl")
    result = subprocess.run(
        [dmsctl, "trigger", "--poll-interval", "1", "--git-sha", git_sha],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if result.returncode != 0:
        sys.exit(f"the run {git_sha} failed:\n{result.stdout}\n{result.stderr}")
    for line in result.stdout.splitlines():
        if line.startswith("triggered dms_deploy run "):
            return line.split()[3]
    sys.exit(f"no run id in:\n{result.stdout}")


def _at(value: str | None) -> float | None:
    return datetime.fromisoformat(value).timestamp() if value else None


def run_figures(airflow: CeleryAirflow, run_id: str) -> tuple[float, float, int]:
    """(run seconds, seconds task instances waited for a slot after being scheduled,
    task instances) from the REST API."""
    with httpx.Client(base_url=airflow.api_url, timeout=30) as http:
        login = {"username": airflow.username, "password": airflow.password}
        token = http.post("/auth/token", json=login).raise_for_status().json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        base = f"/api/v2/dags/dms_deploy/dagRuns/{run_id}"
        run = http.get(base).raise_for_status().json()
        instances: list[dict] = []
        while True:  # the API pages its lists ([api] maximum_page_limit, 100)
            page = {"limit": 100, "offset": len(instances)}
            batch = http.get(f"{base}/taskInstances", params=page).raise_for_status().json()
            instances += batch["task_instances"]
            if not batch["task_instances"] or len(instances) >= batch["total_entries"]:
                break
    waited = 0.0
    for ti in instances:
        scheduled, started = _at(ti.get("scheduled_when")), _at(ti.get("start_date"))
        if scheduled and started and started > scheduled:
            waited += started - scheduled
    seconds = (_at(run["end_date"]) or 0) - (_at(run["start_date"]) or 0)
    return seconds, waited, len(instances)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=50)
    args = parser.parse_args()
    reason = unreachable_services()
    if reason:
        print(f"skipped: the Celery benchmark needs PostgreSQL and Redis on loopback: {reason}")
        return 0
    # A stopped benchmark still stops every process and drops its database.
    signal.signal(signal.SIGTERM, _interrupt)
    work = Path(tempfile.mkdtemp(prefix="dms-deploy-fanout-"))
    configs = work / "dms_configs"
    teams = [f"team{n:02d}" for n in range(args.teams)]
    write_configs(configs, teams)
    airflow = CeleryAirflow(
        home=work / "airflow", configs_dir=configs, time_scale=TIME_SCALE, poll_seconds=1
    )
    try:
        with airflow:
            started = time.monotonic()
            trigger(airflow, "fanout-first")
            print(f"first deploy of {args.teams} team stacks: {time.monotonic() - started:.0f} s")
            add_table(configs, teams[0], "one")
            one_id = trigger(airflow, "fanout-one")
            for name in teams:
                add_table(configs, name, "all")
            all_id = trigger(airflow, "fanout-all")
            one, one_wait, one_tis = run_figures(airflow, one_id)
            many, many_wait, many_tis = run_figures(airflow, all_id)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"one stack changed:      {one:6.1f} s  ({one_tis} task instances)")
    print(f"{args.teams} stacks changed:    {many:6.1f} s  ({many_tis} task instances)")
    print(f"ratio: {many / one:.1f}x one stack (target: under 2x plus scheduling overhead)")
    print(
        f"scheduling overhead: a task instance waited {many_wait / many_tis:.1f} s on average "
        f"from scheduled to running (one-stack run: {one_wait / one_tis:.1f} s), on "
        f"{os.cpu_count()} cores"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The deploy as it runs in production: a real, multi-process Airflow driven by `dmsctl trigger`.

On loopback: the sandbox, then `airflow api-server`, `scheduler`, `dag-processor` and
`triggerer` as separate processes (LocalExecutor, SQLite, the simple auth manager). Unlike
`dag.test()`, this goes through the scheduler, the REST API and the triggerer that runs our
`StackSettledTrigger`, and it clears and reruns a failed step the way users do.

Select it with `pytest -m e2e tests/production`. Every process is stopped at the end.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from deploy.airflow.run_local import REPO, LocalAirflow
from sandbox.client import SandboxClient

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1200)]

# Slow enough that a stack operation (10 s x scale) outlasts the sensor's first poke, so
# the wait really defers to the triggerer; fast enough for CI.
TIME_SCALE = 0.5
FAILED_STACK = "dms-food"
INJECTED_REASON = "Injected by the real-Airflow test: the DMS API is unavailable"
NEW_TABLE = {"source": "fooddb/foodsearch/allergens", "version": "v202611260000"}
NEW_FOLDER = "dms/data/fooddb__foodsearch__allergens__v202611260000/"
LOADING = {"Before load", "Full load"}


def wait_for(what: str, check: Callable[[], object], timeout: float = 180) -> object:
    """Poll `check` until it returns something truthy; fail with `what` at the deadline."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(1)
    return result


@pytest.fixture(scope="module")
def airflow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalAirflow]:
    """The sandbox and Airflow, reading a private copy of the configs the test edits."""
    root = tmp_path_factory.mktemp("real-airflow")
    configs = root / "dms_configs"
    shutil.copytree(REPO / "dms_configs", configs)
    local = LocalAirflow(
        home=root / "airflow", configs_dir=configs, time_scale=TIME_SCALE, poll_seconds=1
    )
    try:
        local.start()
        yield local
    except BaseException:
        print(local.log_tails(), file=sys.stderr)
        raise
    finally:
        local.stop()


def dmsctl_trigger(airflow: LocalAirflow, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "AIRFLOW_API_URL": airflow.api_url,
        "AIRFLOW_USERNAME": airflow.username,
        "AIRFLOW_PASSWORD": airflow.password,
    }
    env.pop("AIRFLOW_API_TOKEN", None)
    return subprocess.run(
        [str(Path(sys.executable).parent / "dmsctl"), "trigger", "--poll-interval", "1", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def explain(result: subprocess.CompletedProcess[str], airflow: LocalAirflow) -> str:
    return (
        f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}\n"
        f"--- logs\n{airflow.log_tails()}"
    )


def aws(airflow: LocalAirflow, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=airflow.sandbox_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def no_full_load_running(airflow: LocalAirflow) -> bool:
    """True once no table of any task is loading: a pause is then allowed (DMS105)."""
    dms = aws(airflow, "dms")
    for task in dms.describe_replication_tasks()["ReplicationTasks"]:
        stats = dms.describe_table_statistics(ReplicationTaskArn=task["ReplicationTaskArn"])
        if any(t["TableState"] in LOADING for t in stats["TableStatistics"]):
            return False
    return True


def add_table(configs: Path) -> None:
    path = configs / "teams" / "food.json"
    food = json.loads(path.read_text(encoding="utf-8"))
    food["tasks"]["foodsearch-reload"]["tables"].append(NEW_TABLE)
    path.write_text(json.dumps(food, indent=2), encoding="utf-8")


def run_id_of(result: subprocess.CompletedProcess[str]) -> str:
    match = re.search(r"^triggered dms_deploy run (\S+)", result.stdout, re.MULTILINE)
    assert match, result.stdout
    return match.group(1)


def test_deploy_fail_clear_and_rerun_through_the_rest_api(airflow: LocalAirflow) -> None:
    # 1. The first deploy of the example configs into the bootstrapped account.
    first = dmsctl_trigger(airflow, "--git-sha", "first")
    assert first.returncode == 0, explain(first, airflow)
    assert "plan: GO" in first.stdout
    assert re.search(
        r"^step_1\.deploy_stack\[0\] \(dms-[a-z0-9-]+ \([a-z]+\)\) success$", first.stdout, re.M
    )
    assert "succeeded" in first.stdout
    stacks = aws(airflow, "cloudformation").describe_stacks()["Stacks"]
    assert {"dms-base", FAILED_STACK} <= {s["StackName"] for s in stacks}

    # 2. A CloudFormation failure on the team stack while a table is added.
    wait_for("the full loads of the first deploy to end", lambda: no_full_load_running(airflow))
    add_table(airflow.configs_dir)
    SandboxClient(airflow.sandbox_url).fail_next_stack_update(FAILED_STACK, reason=INJECTED_REASON)
    failed = dmsctl_trigger(airflow, "--git-sha", "second")
    assert failed.returncode == 1, explain(failed, airflow)
    # record_run, the ledger task, ends failed as the deploy did.
    failed_tasks = set(re.findall(r"^FAILED (\S+)", failed.stdout, re.MULTILINE)) - {"record_run"}
    assert failed_tasks and all(t.startswith("step_1.wait_for_stack[") for t in failed_tasks), (
        explain(failed, airflow)
    )
    assert INJECTED_REASON in failed.stdout, explain(failed, airflow)
    # The teardown still resumed what the step paused.
    assert re.search(
        r"^step_1\.resume_tasks\[\d+\] \(dms-[a-z0-9-]+ \([a-z]+\)\) success$", failed.stdout, re.M
    )
    run_id = run_id_of(failed)

    # 3. The fault is gone: clear the failed step and its downstream, and rerun it.
    SandboxClient(airflow.sandbox_url).clear_faults()
    rerun = dmsctl_trigger(airflow, "--clear-failed", run_id)
    assert rerun.returncode == 0, explain(rerun, airflow)
    assert f"run {run_id} succeeded" in rerun.stdout
    food = aws(airflow, "cloudformation").describe_stacks(StackName=FAILED_STACK)["Stacks"][0]
    assert food["StackStatus"] == "UPDATE_COMPLETE"
    s3 = aws(airflow, "s3")
    wait_for(
        "the new table's full load in its own folder",
        lambda: s3.list_objects_v2(Bucket="acme-data-lake", Prefix=NEW_FOLDER).get("KeyCount"),
    )

    # The waits deferred: the triggerer ran our trigger and it fired for the waits.
    fired = [
        path
        for path in (airflow.home / "logs").rglob("task_id=step_*.wait_for_stack/**/*.trigger.*")
        if "Trigger fired event" in path.read_text(encoding="utf-8")
    ]
    assert fired, explain(rerun, airflow)

"""The deploy on the production shape: CeleryExecutor, PostgreSQL, Redis, two workers.

`deploy.airflow.celery_local.CeleryAirflow` starts, on loopback, the sandbox, the api-server,
scheduler, dag-processor and triggerer, and two Celery workers with their own host names;
the metadata database is a fresh PostgreSQL database (dropped at the end), the broker a Redis
database of its own, with docker-compose.yaml's settings. Each scenario below goes through
`dmsctl trigger`, then checks the safety promises on live state (tests/production/promises.py),
not only the run's state:

1. a deploy;
2. a CloudFormation failure, then `--clear-failed`;
3. the worker running `deploy_stack` SIGKILLed: the heartbeat timeout fails the task, and its
   retry runs on the other worker;
4. the triggerer restarted while `wait_for_stack` is deferred;
5. the scheduler restarted while `deploy_stack` runs: the new one adopts the Celery task.

Skipped, with the reason, where PostgreSQL or Redis does not listen on 127.0.0.1; in CI
(`CI=true`), which has both, that fails instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import httpx
import psycopg2
import pytest

from deploy.airflow.celery_local import CeleryAirflow, postgres_user, unreachable_services
from deploy.airflow.run_local import REPO
from sandbox.client import SandboxClient
from tests.production.promises import broken_promises, data_objects
from tests.production.real_airflow import (
    aws,
    dmsctl_trigger,
    explain,
    no_full_load_running,
    run_id_of,
    wait_for,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

# Stack operations and loads take seconds, so runs are short and a held stack is needed to
# catch `wait_for_stack` deferred.
TIME_SCALE = 0.1
VERSION = "v202612010000"
INJECTED_REASON = "Injected by the Celery test: the DMS API is unavailable"
# Throttled until released: `deploy_stack` stays inside its CreateChangeSet call (botocore
# retries it with backoff), so a kill or a restart lands while the task runs.
SLOW_CALL = "cloudformation:CreateChangeSet"
DEPLOY_STACK = "step_1.deploy_stack"


@pytest.fixture(scope="module")
def airflow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CeleryAirflow]:
    reason = unreachable_services()
    if reason:
        why = f"the Celery production test needs PostgreSQL and Redis on loopback: {reason}"
        # CI has both services, so there a missing one is a failure, never a quiet skip.
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    root = tmp_path_factory.mktemp("celery-airflow")
    configs = root / "dms_configs"
    shutil.copytree(REPO / "dms_configs", configs)
    local = CeleryAirflow(
        home=root / "airflow", configs_dir=configs, time_scale=TIME_SCALE, poll_seconds=1
    )
    try:
        with local:  # stops every process, then drops the database
            yield local
            groups = [process.pid for process in local.processes.values()]
    except BaseException:
        print(local.log_tails(), file=sys.stderr)
        raise
    assert [g for g in groups if group_alive(g)] == [], "process groups left running"
    assert not database_exists(local.database), f"database {local.database} was not dropped"


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def database_exists(name: str) -> bool:
    with contextlib.closing(
        psycopg2.connect(host="127.0.0.1", user=postgres_user(), dbname="postgres")
    ) as db:
        cursor = db.cursor()
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        return cursor.fetchone() is not None


class Rest:
    """The few REST API reads these tests make, with a token of the test user."""

    def __init__(self, airflow: CeleryAirflow) -> None:
        self.http = httpx.Client(base_url=airflow.api_url, timeout=30)
        login = {"username": airflow.username, "password": airflow.password}
        token = self.http.post("/auth/token", json=login).raise_for_status().json()
        self.http.headers["Authorization"] = f"Bearer {token['access_token']}"

    def get(self, path: str, **params: Any) -> Any:
        return self.http.get(f"/api/v2{path}", params=params).raise_for_status().json()

    def runs(self) -> list[dict]:
        return self.get("/dags/dms_deploy/dagRuns", limit=100)["dag_runs"]

    def task_instance(self, run_id: str, task_id: str, map_index: int = 0) -> dict:
        """The task instance, or `{}` while its mapped task is not expanded yet."""
        path = f"/api/v2/dags/dms_deploy/dagRuns/{run_id}/taskInstances/{task_id}/{map_index}"
        response = self.http.get(path)
        return {} if response.status_code == 404 else response.raise_for_status().json()

    def tries(self, run_id: str, task_id: str, map_index: int = 0) -> list[dict]:
        path = f"/dags/dms_deploy/dagRuns/{run_id}/taskInstances/{task_id}/{map_index}/tries"
        return self.get(path)["task_instances"]


@pytest.fixture(scope="module")
def rest(airflow: CeleryAirflow) -> Iterator[Rest]:
    client = Rest(airflow)
    yield client
    client.http.close()


@pytest.fixture
def before(airflow: CeleryAirflow) -> dict:
    """The data-lake objects before the scenario: none may change or vanish."""
    return data_objects(aws(airflow, "s3"), airflow.configs_dir)


def assert_promises_kept(airflow: CeleryAirflow, before: dict) -> None:
    dms, s3 = aws(airflow, "dms"), aws(airflow, "s3")
    # A task that the run resumed may still be starting; a broken promise stays broken.
    deadline = time.monotonic() + 60
    while (problems := broken_promises(dms, s3, airflow.configs_dir, before)) and (
        time.monotonic() < deadline
    ):
        time.sleep(1)
    assert problems == [], "\n".join(problems)


def add_table(airflow: CeleryAirflow, team: str, task: str, name: str) -> str:
    """Add a table to a task, beside its first table; return the S3 folder it loads into."""
    wait_for("the full loads of earlier runs to end", lambda: no_full_load_running(airflow))
    path = airflow.configs_dir / "teams" / f"{team}.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    tables = config["tasks"][task]["tables"]
    endpoint, schema, _ = tables[0]["source"].split("/")
    source = f"{endpoint}/{schema}/{name}"
    assert source not in {t["source"] for t in tables}, f"{source} is in {task} already"
    tables.append({"source": source, "version": VERSION})
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    return f"dms/data/{endpoint}__{schema}__{name}__{VERSION}/"


def in_background(airflow: CeleryAirflow, rest: Rest, *args: str) -> tuple[Future, str]:
    """Start `dmsctl trigger` in a thread; return its future and the id of its new run."""
    known = {run["dag_run_id"] for run in rest.runs()}
    future = ThreadPoolExecutor(max_workers=1).submit(dmsctl_trigger, airflow, *args)

    def new_run() -> str | None:
        return next((r["dag_run_id"] for r in rest.runs() if r["dag_run_id"] not in known), None)

    return future, str(wait_during(future, airflow, "the new run", new_run))


def wait_during(
    future: Future, airflow: CeleryAirflow, what: str, check: Callable[[], object]
) -> object:
    """`wait_for` while the run goes on: fail at once, with its output, if it ends first."""

    def guarded() -> object:
        if future.done():
            pytest.fail(f"the run ended before {what}\n{explain(future.result(), airflow)}")
        return check()

    return wait_for(what, guarded, timeout=240)


def finished(future: Future, airflow: CeleryAirflow) -> subprocess.CompletedProcess[str]:
    result = future.result(timeout=600)
    assert result.returncode == 0, explain(result, airflow)
    return result


def running_on(rest: Rest, run_id: str, task_id: str) -> Callable[[], str | None]:
    """The worker that runs the task instance now, or None."""

    def check() -> str | None:
        ti = rest.task_instance(run_id, task_id)
        return ti["hostname"] if ti.get("state") == "running" and ti["hostname"] else None

    return check


def slow_call_received(sandbox: SandboxClient) -> bool:
    service, operation = SLOW_CALL.split(":")
    return any(c["service"] == service and c["operation"] == operation for c in sandbox.calls())


@contextlib.contextmanager
def deploy_stack_running(
    airflow: CeleryAirflow, rest: Rest, git_sha: str
) -> Iterator[tuple[Future, str, str]]:
    """Trigger a run; yield it (future, run id, worker) while its `deploy_stack` is inside
    SLOW_CALL on that worker. The call goes through once the block ends."""
    sandbox = SandboxClient(airflow.sandbox_url)
    sandbox.clear_calls()
    sandbox.throttle(SLOW_CALL, times=10_000)
    try:
        future, run_id = in_background(airflow, rest, "--git-sha", git_sha)
        worker = wait_during(
            future, airflow, f"{DEPLOY_STACK} to run", running_on(rest, run_id, DEPLOY_STACK)
        )
        inside = f"{DEPLOY_STACK} to be inside {SLOW_CALL}"
        wait_during(future, airflow, inside, lambda: slow_call_received(sandbox))
        yield future, run_id, str(worker)
    finally:
        sandbox.clear_faults()


def test_1_a_deploy_runs_on_both_workers(airflow: CeleryAirflow, rest: Rest, before: dict) -> None:
    result = dmsctl_trigger(airflow, "--git-sha", "celery-first")
    assert result.returncode == 0, explain(result, airflow)
    assert "plan: GO" in result.stdout
    assert f"run {run_id_of(result)} succeeded" in result.stdout
    tis = rest.get(f"/dags/dms_deploy/dagRuns/{run_id_of(result)}/taskInstances")
    ran = [ti for ti in tis["task_instances"] if ti["state"] == "success"]
    # Every task ran on a Celery worker, each recording its own host name.
    assert ran and {ti["hostname"] for ti in ran} <= set(airflow.workers), ran
    stacks = aws(airflow, "cloudformation").describe_stacks()["Stacks"]
    assert {"dms-base", "dms-food", "dms-logistics", "dms-payments"} <= {
        s["StackName"] for s in stacks
    }
    assert_promises_kept(airflow, before)


def test_2_a_failed_stack_update_then_clear_failed_converges(
    airflow: CeleryAirflow, before: dict
) -> None:
    folder = add_table(airflow, "food", "foodsearch-reload", "allergens")
    sandbox = SandboxClient(airflow.sandbox_url)
    sandbox.fail_next_stack_update("dms-food", reason=INJECTED_REASON)
    failed = dmsctl_trigger(airflow, "--git-sha", "celery-failed")
    assert failed.returncode == 1, explain(failed, airflow)
    # record_run, the ledger task, ends failed as the deploy did.
    failed_tasks = set(re.findall(r"^FAILED (\S+)", failed.stdout, re.MULTILINE)) - {"record_run"}
    assert failed_tasks and all(t.startswith("step_1.wait_for_stack[") for t in failed_tasks)
    assert INJECTED_REASON in failed.stdout, explain(failed, airflow)
    # Even after a failed run, the teardown resumed what the step paused.
    assert_promises_kept(airflow, before)

    sandbox.clear_faults()
    rerun = dmsctl_trigger(airflow, "--clear-failed", run_id_of(failed))
    assert rerun.returncode == 0, explain(rerun, airflow)
    food = aws(airflow, "cloudformation").describe_stacks(StackName="dms-food")["Stacks"][0]
    assert food["StackStatus"] == "UPDATE_COMPLETE"
    s3 = aws(airflow, "s3")
    wait_for(
        "the new table's full load in its own folder",
        lambda: s3.list_objects_v2(Bucket="acme-data-lake", Prefix=folder).get("KeyCount"),
    )
    assert_promises_kept(airflow, before)


def test_3_a_killed_worker_s_task_is_retried_on_the_other(
    airflow: CeleryAirflow, rest: Rest, before: dict
) -> None:
    add_table(airflow, "logistics", "fleet", "depots")
    with deploy_stack_running(airflow, rest, "celery-killed-worker") as (future, run_id, killed):
        airflow.kill(killed)
    result = finished(future, airflow)
    assert f"run {run_id} succeeded" in result.stdout

    # The heartbeat timeout failed the first try; the retry ran on the other worker.
    tries = rest.tries(run_id, DEPLOY_STACK)
    assert (tries[0]["hostname"], tries[0]["state"]) == (killed, "failed"), tries
    (other,) = set(airflow.workers) - {killed}
    assert (tries[-1]["hostname"], tries[-1]["state"]) == (other, "success"), tries
    timeouts = rest.get("/eventLogs", event="heartbeat timeout", run_id=run_id)["event_logs"]
    assert [e["task_id"] for e in timeouts] == [DEPLOY_STACK], timeouts
    assert_promises_kept(airflow, before)
    airflow.respawn(killed)


def test_4_the_triggerer_restarts_while_the_wait_is_deferred(
    airflow: CeleryAirflow, rest: Rest, before: dict
) -> None:
    add_table(airflow, "payments", "ledger", "journals")
    sandbox = SandboxClient(airflow.sandbox_url)
    sandbox.hold_stack("dms-payments")
    try:
        future, run_id = in_background(airflow, rest, "--git-sha", "celery-triggerer")
        task = "step_1.wait_for_stack"

        def deferred_on() -> int | None:
            ti = rest.task_instance(run_id, task)
            job = ti.get("state") == "deferred" and ti.get("triggerer_job")
            return job["id"] if job else None

        first = wait_during(future, airflow, f"{task} to be deferred", deferred_on)
        airflow.restart("triggerer")
        # The trigger moves to the new triggerer before the stack settles.
        moved = "the trigger to move to the new triggerer"
        wait_during(future, airflow, moved, lambda: deferred_on() not in (None, first))
    finally:
        sandbox.clear_faults()
    result = finished(future, airflow)
    assert f"run {run_id} succeeded" in result.stdout
    assert rest.task_instance(run_id, task)["state"] == "success"
    assert_promises_kept(airflow, before)


def test_5_the_scheduler_restarts_while_a_task_runs(
    airflow: CeleryAirflow, rest: Rest, before: dict
) -> None:
    add_table(airflow, "food", "recipes", "cuisines")
    log = airflow.log_path("scheduler")
    with deploy_stack_running(airflow, rest, "celery-scheduler") as (future, run_id, _):
        logged = len(log.read_text(encoding="utf-8", errors="replace"))
        airflow.restart("scheduler")
        # The new scheduler adopts the running Celery task through the result backend.
        wait_during(
            future,
            airflow,
            "the new scheduler to adopt the running task",
            lambda: "Adopted the following" in log.read_text(encoding="utf-8")[logged:],
        )
    result = finished(future, airflow)
    assert f"run {run_id} succeeded" in result.stdout
    assert rest.task_instance(run_id, DEPLOY_STACK)["state"] == "success"
    assert_promises_kept(airflow, before)

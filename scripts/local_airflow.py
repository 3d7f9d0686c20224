"""Run the real `dms_deploy` DAG in-process, as `dag.test()` does, and read the outcome.

Used by the end-to-end tests and by `make demo`; it needs AIRFLOW_HOME and the DAG folder
set before Airflow is imported.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DAG_ID = "dms_deploy"
STARTED = ("start-replication", "resume-processing", "reload-target")


def migrate_db() -> None:
    """Create the metadata database in AIRFLOW_HOME (set before Airflow is imported)."""
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        check=True,
        capture_output=True,
        env=os.environ.copy(),
    )


def load_dag(dag_id: str = DAG_ID):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(str(REPO / "dags"))
    assert not bag.import_errors, bag.import_errors
    return bag.get_dag(dag_id)


@dataclass
class RunResult:
    run_id: str
    state: str
    tasks: dict[str, str]  # "group.task_id[map_index]" -> state

    def state_of(self, task_id: str) -> list[str]:
        """States of every map index of a task, e.g. `step_1.wait_for_stack`."""
        return [s for key, s in sorted(self.tasks.items()) if key.split("[")[0] == task_id]

    def ran(self, task_id: str) -> bool:
        return any(
            s not in ("skipped", "upstream_failed", "removed") for s in self.state_of(task_id)
        )


def _result(dag_run) -> RunResult:
    from airflow.utils.session import create_session

    with create_session() as session:
        tis = dag_run.get_task_instances(session=session)
        tasks = {f"{ti.task_id}[{ti.map_index}]": str(ti.state) for ti in tis}
    return RunResult(dag_run.run_id, str(dag_run.state), tasks)


# Task id (without map index) -> what to do there; see `interventions`.
Actions = Mapping[str, Callable[[], None] | None]


@contextmanager
def interventions(
    before: Actions | None = None, kill: Actions | None = None, kill_after: Collection[str] = ()
) -> Iterator[None]:
    """Act between the tasks of a run, as the outside world can.

    `before[task_id]()` runs just before that task runs (someone plants an object, a full
    load starts). `kill[task_id]` models a worker that dies inside the task when it has no
    retries left: the action (if any) does the part of the task's work that happened before
    the kill, and the task instance is marked failed without running. `kill_after` models a
    worker that dies after the task did all its work but before it reported success: the
    task runs, then is marked failed. Each fires once, at the first map index.
    """
    import airflow.sdk.definitions.dag as dag_module
    from airflow.utils.state import TaskInstanceState

    real = dag_module._run_task
    pending_before = dict(before or {})
    pending_kill = dict(kill or {})
    pending_after = set(kill_after)

    def run(*, ti, task, run_triggerer: bool = False):
        if ti.task_id in pending_before:
            action = pending_before.pop(ti.task_id)
            if action:
                action()
        if ti.task_id in pending_kill:
            action = pending_kill.pop(ti.task_id)
            if action:
                action()
            ti.set_state(TaskInstanceState.FAILED)
            return None
        outcome = real(ti=ti, task=task, run_triggerer=run_triggerer)
        if ti.task_id in pending_after:
            pending_after.discard(ti.task_id)
            ti.set_state(TaskInstanceState.FAILED)
        return outcome

    dag_module._run_task = run
    try:
        yield
    finally:
        dag_module._run_task = real


@dataclass(frozen=True)
class Answer:
    """How a person answers a task waiting for input (approve_plan): an option, as a user."""

    option: str  # "Approve" or "Reject"
    user: str  # the Airflow user id


# A run that waits for input nobody was asked to give is rejected, so that it ends.
NO_ANSWER = Answer("Reject", "no-answer-given")


def respond(run_id: str, task_id: str, answer: Answer) -> None:
    """Answer a waiting task as the api-server does for the Required Actions page or the
    HITL REST API (PATCH .../hitlDetails), including its check of the assigned users. An
    answer it refuses raises fastapi's HTTPException (403 for a user not assigned)."""
    from airflow.api_fastapi.app import create_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from airflow.api_fastapi.core_api.datamodels.hitl import UpdateHITLDetailPayload
    from airflow.api_fastapi.core_api.routes.public.hitl import update_hitl_detail
    from airflow.utils.session import create_session

    create_auth_manager()  # the api-server's, which decides who may answer
    with create_session() as session:
        update_hitl_detail(
            dag_id=DAG_ID,
            dag_run_id=run_id,
            task_id=task_id,
            update_hitl_detail_payload=UpdateHITLDetailPayload(chosen_options=[answer.option]),
            user=SimpleAuthManagerUser(username=answer.user, role="admin"),
            session=session,
        )


def waiting_for_input() -> list[tuple[str, str]]:
    """(run id, task id) of every task that waits for a person's answer."""
    from airflow.models.hitl import HITLDetail
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from airflow.utils.state import TaskInstanceState

    with create_session() as session:
        rows = (
            session.query(TaskInstance.run_id, TaskInstance.task_id)
            .join(HITLDetail, HITLDetail.ti_id == TaskInstance.id)
            .filter(
                TaskInstance.dag_id == DAG_ID,
                TaskInstance.state == TaskInstanceState.AWAITING_INPUT,
                HITLDetail.responded_at.is_(None),
            )
        )
        return [(run_id, task_id) for run_id, task_id in rows]


@contextmanager
def answering(answers: Sequence[Answer]) -> Iterator[None]:
    """While the block runs, answer each task that waits for input, from another thread,
    as people would in the UI: the answers are tried in order, and one the api-server
    refuses is printed (with its reason) and the next one tried. A task that none may
    answer is failed, so that the run ends."""
    import threading

    from fastapi import HTTPException
    from sqlalchemy.exc import OperationalError

    done = threading.Event()

    def answer(run_id: str, task_id: str) -> None:
        for given in answers or [NO_ANSWER]:
            try:
                respond(run_id, task_id, given)
                print(f"{task_id}: {given.option} by {given.user}", flush=True)
                return
            except HTTPException as refused:
                print(
                    f"{task_id}: {given.option} by {given.user} refused: "
                    f"{refused.status_code} {refused.detail}",
                    flush=True,
                )
        _fail_waiting(run_id, task_id)

    def answer_all() -> None:
        while not done.wait(0.2):
            try:
                for run_id, task_id in waiting_for_input():
                    answer(run_id, task_id)
            except OperationalError:  # SQLite is busy with the run's own writes: try again
                continue

    thread = threading.Thread(target=answer_all, name="answer-required-actions", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def _fail_waiting(run_id: str, task_id: str) -> None:
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from airflow.utils.state import TaskInstanceState

    with create_session() as session:
        ti = (
            session.query(TaskInstance)
            .filter_by(dag_id=DAG_ID, run_id=run_id, task_id=task_id)
            .one()
        )
        ti.set_state(TaskInstanceState.FAILED, session=session)


def trigger(
    conf: dict | None = None,
    before: Actions | None = None,
    kill: Actions | None = None,
    kill_after: Collection[str] = (),
    answers: Sequence[Answer] = (),
) -> RunResult:
    """One whole run of the DAG with these params; returns when it has finished. A task
    that waits for input (approve_plan) gets the first of `answers` the api-server
    accepts; with none given, it is rejected."""
    dag = load_dag()
    with interventions(before, kill, kill_after), answering(answers):
        return _result(dag.test(run_conf=conf or {}))


def xcom(run_id: str, task_id: str, map_index: int = -1):
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        row = (
            session.query(XComModel)
            .filter_by(dag_id=DAG_ID, run_id=run_id, task_id=task_id, map_index=map_index)
            .filter_by(key="return_value")
            .one_or_none()
        )
        if row is None:
            return None
        # Stored as Airflow's serde encoding (tuples and the like keep their type).
        from airflow.sdk.serde import deserialize

        return deserialize(XComModel.deserialize_value(row))


def returns(result: RunResult, task_id: str) -> list:
    """The return values of every map index of a task in a run (skipped ones have none)."""
    indexes = sorted(
        int(key.split("[")[1].rstrip("]"))
        for key, state in result.tasks.items()
        if key.split("[")[0] == task_id and state == "success"
    )
    return [xcom(result.run_id, task_id, index) for index in indexes]


def task_windows(result: RunResult) -> list[str]:
    """For each stack whose tasks a step stopped: how long from the start of `pause_tasks`
    to the end of `resume_tasks` (an upper bound of the tasks' stopped-to-running time)."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    lines = []
    with create_session() as session:
        tis = session.query(TaskInstance).filter_by(dag_id=DAG_ID, run_id=result.run_id).all()
        by_key = {(ti.task_id, ti.map_index): ti for ti in tis}
        for (task_id, index), pause in sorted(by_key.items()):
            if not task_id.endswith(".pause_tasks") or pause.state != "success":
                continue
            stopped = xcom(result.run_id, task_id, index)["stopped"]
            resume_id = task_id.replace("pause_tasks", "resume_tasks")
            resume = by_key.get((resume_id, index))
            if not stopped or resume is None or resume.state != "success":
                continue
            # Only tasks that this step started again: a task configured paused stays stopped.
            started = xcom(result.run_id, resume_id, index) or {}
            again = [t for t in stopped if started.get(t) in STARTED]
            if again and resume.end_date and pause.start_date:
                seconds = (resume.end_date - pause.start_date).total_seconds()
                lines.append(f"{task_id}[{index}] {', '.join(again)}: {seconds:.1f} s")
    return lines


def clear_failed_and_rerun(
    run_id: str, before: Actions | None = None, kill: Actions | None = None
) -> RunResult:
    """What a person does in the UI: clear the failed tasks with their downstream (Airflow
    adds their setups and teardowns), then let the run go on until it finishes."""
    with interventions(before, kill):
        return _clear_failed_and_rerun(run_id)


def _clear_failed_and_rerun(run_id: str) -> RunResult:
    from airflow.models.dagbag import DBDagBag
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import clear_task_instances, find_relevant_relatives
    from airflow.sdk.definitions import dag as dag_module
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState, TaskInstanceState

    dag = load_dag()
    with create_session() as session:
        dag_run = session.query(DagRun).filter_by(dag_id=DAG_ID, run_id=run_id).one()
        serialized = DBDagBag().get_dag_for_run(dag_run, session=session)
        failed = {
            ti.task_id
            for ti in dag_run.get_task_instances(session=session)
            if ti.state == TaskInstanceState.FAILED
        }
        relatives = find_relevant_relatives(
            failed, [], direction="downstream", dag=serialized, run_id=run_id, session=session
        )
        ids = failed | {r for r in relatives if isinstance(r, str)}
        tis = serialized.clear(task_ids=sorted(ids), run_id=run_id, session=session, dry_run=True)
        clear_task_instances(tis, session, DagRunState.QUEUED)
        session.commit()

    with create_session() as session:
        dag_run = session.query(DagRun).filter_by(dag_id=DAG_ID, run_id=run_id).one()
        dag_run.dag = serialized
        dag_run.state = DagRunState.RUNNING
        session.commit()
        # The same minimal scheduling loop as dag.test(), without clearing the run first.
        while dag_run.state == DagRunState.RUNNING:
            session.expire_all()
            schedulable, _ = dag_run.update_state(session=session)
            for ti in schedulable:
                if ti.state != TaskInstanceState.UP_FOR_RESCHEDULE:
                    ti.try_number += 1
                ti.state = TaskInstanceState.SCHEDULED
            session.commit()
            ready = [
                ti
                for ti in dag_run.get_task_instances(session=session)
                if ti.state == TaskInstanceState.SCHEDULED
            ]
            if not ready:
                time.sleep(0.2)
            for ti in ready:
                dag_module._run_task(ti=ti, task=dag.task_dict[ti.task_id], run_triggerer=True)
        return _result(dag_run)


def deploy_directly(
    configs_dir: Path, poll_seconds: float = 0.05, environment: str | None = None
) -> None:
    """Deploy every stack and start every task through the apply library, without Airflow,
    then wait until no table is loading. A quick way to reach a deployed account.

    `environment` names the environment of environments.json to build the configs for."""
    from dms_deploy.apply.dms_tasks import Waiting, describe_tasks, loading_tables, resume_tasks
    from dms_deploy.apply.polling import wait_until
    from dms_deploy.apply.stacks import deploy_stack, stack_progress
    from dms_deploy.apply.template_store import TemplateStore
    from dms_deploy.config.load import load_configs
    from dms_deploy.paths import default_templates_dir
    from dms_deploy.render.stacks import render_all
    from dms_deploy.state.clients import AwsClients

    aws = AwsClients.from_hooks(aws_conn_id=None)
    configs = load_configs(configs_dir, environment=environment).configs
    assert configs is not None, "the configs do not load"
    store = TemplateStore(aws.s3, configs.base.bucket, configs.base.bucket_folder)
    for stack in render_all(configs, default_templates_dir()):
        deploy_stack(
            aws.cloudformation, stack.name, stack.body, store=store, poll_seconds=poll_seconds
        )

        def settled(name: str = stack.name) -> bool | None:
            progress = stack_progress(aws.cloudformation, name)
            if progress.done and not progress.ok:
                raise RuntimeError(progress.describe())
            return True if progress.done else None

        wait_until(settled, what=stack.name, timeout_seconds=120, poll_seconds=poll_seconds)
    tasks = [t.identifier for t in configs.all_tasks()]
    paused = [t.identifier for t in configs.all_tasks() if t.paused]
    resume_tasks(aws.dms, tasks, keep_stopped=paused, waiting=Waiting(120, poll_seconds))
    running = describe_tasks(aws.dms, [t for t in tasks if t not in paused])

    def loaded() -> bool | None:
        busy = [t for t in running.values() if loading_tables(aws.dms, t["ReplicationTaskArn"])]
        return None if busy else True

    wait_until(loaded, what="full loads", timeout_seconds=120, poll_seconds=poll_seconds)

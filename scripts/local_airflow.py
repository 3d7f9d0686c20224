"""Run the real `dms_deploy` DAG in-process, as `dag.test()` does, and read the outcome.

Used by the end-to-end tests and by `make demo`; it needs AIRFLOW_HOME and the DAG folder
set before Airflow is imported.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DAG_ID = "dms_deploy"


def migrate_db() -> None:
    """Create the metadata database of the session's isolated AIRFLOW_HOME."""
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        check=True,
        capture_output=True,
        env=os.environ.copy(),
    )


def load_dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(str(REPO / "dags"))
    assert not bag.import_errors, bag.import_errors
    return bag.get_dag(DAG_ID)


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


def trigger(conf: dict | None = None) -> RunResult:
    """One whole run of the DAG with these params; returns when it has finished."""
    dag = load_dag()
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
        return None if row is None else XComModel.deserialize_value(row)


def task_log(run_id: str, task_id: str, map_index: int = -1) -> str:
    """The text of every attempt's log of one task instance."""
    home = Path(os.environ["AIRFLOW_HOME"]) / "logs" / f"dag_id={DAG_ID}" / f"run_id={run_id}"
    folder = home / f"task_id={task_id}"
    if map_index >= 0:
        folder = folder / f"map_index={map_index}"
    return "\n".join(p.read_text() for p in sorted(folder.glob("attempt=*.log")))


def clear_failed_and_rerun(run_id: str) -> RunResult:
    """What a person does in the UI: clear the failed tasks with their downstream (Airflow
    adds their setups and teardowns), then let the run go on until it finishes."""
    from airflow.models.dagbag import DBDagBag
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import clear_task_instances, find_relevant_relatives
    from airflow.sdk.definitions.dag import _run_task
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
                _run_task(ti=ti, task=dag.task_dict[ti.task_id], run_triggerer=True)
        return _result(dag_run)

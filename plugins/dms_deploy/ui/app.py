"""The plan page's FastAPI app, mounted by Airflow's API server under `routes.PREFIX`.

It authenticates as Airflow's own API does (`requires_access_dag`: the UI's JWT cookie or a
bearer token, then the auth manager's permission to read the DAG's XComs), and reads the
run, check_state's state and its XComs through Airflow's models in the API server's process.
"""

from __future__ import annotations

from typing import Any

from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
from airflow.api_fastapi.common.db.common import SessionDep
from airflow.api_fastapi.core_api.security import requires_access_dag
from airflow.models.dagrun import DagRun
from airflow.models.taskinstance import TaskInstance
from airflow.models.xcom import XComModel
from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from dms_deploy.operators.plan_step import REFUSED_KEY
from dms_deploy.ui.plan_page import RunPlan, not_found_page, plan_page

CHECK_STATE = "check_state"
RETURN_VALUE = "return_value"
# No script, no external resource; framed only by Airflow's own pages (the run's Plan tab).
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

app = FastAPI(title="dms-deploy plan", docs_url=None, redoc_url=None, openapi_url=None)


# The run id is the last segment, whatever it holds (see routes.page_path).
@app.get(
    "/plan/{dag_id}/{run_id:path}",
    response_class=HTMLResponse,
    dependencies=[Depends(requires_access_dag(method="GET", access_entity=DagAccessEntity.XCOM))],
)
def plan(dag_id: str, run_id: str, session: SessionDep) -> HTMLResponse:
    run = session.scalar(select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id))
    if run is None:
        return HTMLResponse(not_found_page(dag_id, run_id), status_code=404, headers=HEADERS)
    states = dict(
        session.execute(
            select(TaskInstance.task_id, TaskInstance.state).where(
                TaskInstance.dag_id == dag_id,
                TaskInstance.run_id == run_id,
                TaskInstance.map_index == -1,
            )
        ).all()
    )
    if CHECK_STATE in states:
        check_state = str(states[CHECK_STATE] or "none")
    else:
        # A run whose task instances do not exist yet is still to plan.
        check_state = None if states else "none"
    page = plan_page(
        RunPlan(
            dag_id=dag_id,
            run_id=run_id,
            check_state=check_state,
            checked=_xcom(session, dag_id, run_id, RETURN_VALUE),
            refused=_xcom(session, dag_id, run_id, REFUSED_KEY),
            git_sha=(run.conf or {}).get("git_sha"),
        )
    )
    return HTMLResponse(page, headers=HEADERS)


def _xcom(session: Session, dag_id: str, run_id: str, key: str) -> dict[str, Any] | None:
    query = XComModel.get_many(
        run_id=run_id, key=key, task_ids=CHECK_STATE, dag_ids=dag_id, map_indexes=-1, limit=1
    )
    row = session.scalars(query).first()
    value = XComModel.deserialize_value(row) if row is not None else None
    return value if isinstance(value, dict) else None

"""Where the plan page lives: the API server's mount point, the page, and the run's UI tab.

Kept free of imports, so that a task process (the check_state link) and the plugin
registration can name the page without loading the app.
"""

from __future__ import annotations

from urllib.parse import quote

# The FastAPI app's mount point below the API server's base URL.
PREFIX = "/dms-deploy"
# The tab's route in the UI (/dags/<dag>/runs/<run>/plugin/<TAB_ROUTE>).
TAB_ROUTE = "dms-deploy-plan"
# The page the tab shows, relative to the UI's base URL; the UI fills in the run.
TAB_HREF = PREFIX.lstrip("/") + "/plan/{DAG_ID}/{RUN_ID}"


def page_path(dag_id: str, run_id: str) -> str:
    """The plan page of one run, below `PREFIX`."""
    return f"/plan/{quote(dag_id, safe='')}/{quote(run_id, safe='')}"


def tab_path(dag_id: str, run_id: str) -> str:
    """The run's Plan tab in the UI, below the UI's base URL."""
    return f"/dags/{quote(dag_id, safe='')}/runs/{quote(run_id, safe='')}/plugin/{TAB_ROUTE}"

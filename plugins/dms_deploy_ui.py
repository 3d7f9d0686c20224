"""Registers the plan page with Airflow: a "Plan" tab on every DAG run, served by a FastAPI app
in the API server (see dms_deploy/ui/). Airflow loads this file from the plugins folder."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from airflow.plugins_manager import AirflowPlugin

from dms_deploy.ui.routes import PREFIX, TAB_HREF, TAB_ROUTE


class DmsDeployUiPlugin(AirflowPlugin):
    name = "dms_deploy_ui"
    external_views = [
        {"name": "Plan", "href": TAB_HREF, "destination": "dag_run", "url_route": TAB_ROUTE}
    ]

    @cached_property
    def fastapi_apps(self) -> list[dict[str, Any]]:  # type: ignore[override]
        # Imported on first use, which only the API server makes: every task process loads
        # plugins too, and needs neither the app nor Airflow's API security module.
        from dms_deploy.ui.app import app

        return [{"app": app, "url_prefix": PREFIX, "name": "dms-deploy plan"}]

"""Test-session settings that must exist before anything imports Airflow.

Airflow reads its configuration once, at import, so the isolated home, the DAG folder and
the fast polling of the deploy steps are set here, in the first conftest pytest loads.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent
_AIRFLOW_HOME = tempfile.mkdtemp(prefix="dms-deploy-airflow-")

os.environ["AIRFLOW_HOME"] = _AIRFLOW_HOME
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO / "dags")
os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(REPO / "plugins")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_AIRFLOW_HOME}/airflow.db"
os.environ.setdefault("DMS_DEPLOY_POLL_SECONDS", "0.2")
# cfn-lint results are cached for the session only, never in the user's cache directory.
os.environ["DMS_DEPLOY_CACHE_DIR"] = str(Path(_AIRFLOW_HOME) / "cache")


def pytest_unconfigure(config: object) -> None:
    shutil.rmtree(_AIRFLOW_HOME, ignore_errors=True)

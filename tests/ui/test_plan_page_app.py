"""The plan page as Airflow's API server serves it: mounted by the plugin, behind Airflow's
auth, reading check_state's XComs of real runs from the metadata database."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from urllib.parse import quote

import jwt
import pytest
from airflow.api_fastapi.app import init_auth_manager, init_plugins
from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
from fastapi import FastAPI
from fastapi.testclient import TestClient

from dms_deploy.operators.plan_step import REFUSED_KEY
from dms_deploy.plan.model import Plan
from dms_deploy.ui.routes import PREFIX, TAB_HREF, page_path
from scripts.local_airflow import DAG_ID, load_dag, migrate_db, trigger

SCRIPT = "<script>alert(1)</script>"


def _run(xcoms: dict[str, dict]) -> str:
    """A run of dms_deploy whose check_state recorded `xcoms` (key -> value). The run stops
    at its first task, so no AWS is needed; the XComs are set as check_state sets them."""
    from airflow.models.xcom import XComModel

    run = trigger({"git_sha": "abc123"}, kill={"validate_configs": None, "record_run": None})
    for key, value in xcoms.items():
        XComModel.set(key, value, dag_id=DAG_ID, task_id="check_state", run_id=run.run_id)
    return run.run_id


@pytest.fixture(scope="module")
def runs() -> dict[str, str]:
    plan = Plan(go=True, checks=(), teams=(f"food{SCRIPT}",))
    checked = {"plan": json.loads(json.dumps(plan.to_dict())), "dry_run": True, "s3": {}}
    return {
        "go": _run({"return_value": checked}),
        "refused": _run({REFUSED_KEY: checked | {"dry_run": False}}),
        "none": _run({}),
    }


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    """The app mounted by Airflow's own plugin integration, as in the API server."""
    root = FastAPI()
    init_auth_manager(root)
    init_plugins(root)
    with TestClient(root) as client:
        yield client


def token(role: str = "viewer") -> str:
    return init_auth_manager().generate_jwt(SimpleAuthManagerUser(username="someone", role=role))


def url(dag_id: str, run_id: str) -> str:
    return PREFIX + page_path(dag_id, run_id)


@pytest.fixture(scope="module", autouse=True)
def airflow_db() -> None:
    """The metadata database of the session's isolated AIRFLOW_HOME (see conftest.py)."""
    migrate_db()


def test_the_plugin_mounts_the_page_and_adds_a_plan_tab_to_every_run() -> None:
    from airflow import plugins_manager

    (plugin,) = [p for p in plugins_manager.get_plugin_info() if p["name"] == "dms_deploy_ui"]
    assert [app["url_prefix"] for app in plugin["fastapi_apps"]] == [PREFIX]
    (view,) = plugin["external_views"]
    assert (view["name"], view["destination"], view["href"]) == ("Plan", "dag_run", TAB_HREF)
    # The library is imported as the package dms_deploy, never file by file as top-level
    # plugin modules (a "markdown" or "settings" module would shadow real ones): see
    # plugins/.airflowignore.
    loose = [
        name
        for name, module in list(sys.modules.items())
        if "/plugins/dms_deploy/" in (getattr(module, "__file__", None) or "")
        and name.split(".")[0] != "dms_deploy"
    ]
    assert not loose, loose


def test_check_state_links_to_its_runs_plan_tab() -> None:
    links = load_dag().get_task("check_state").operator_extra_links
    assert [link.name for link in links] == ["Plan"]


def test_a_signed_in_user_reads_the_rendered_plan(client: TestClient, runs: dict) -> None:
    page = client.get(url(DAG_ID, runs["go"]), cookies={"_token": token()})
    assert page.status_code == 200, page.text
    assert "<h1>Dry run: the plan (nothing is deployed)</h1>" in page.text
    assert "<h2>GO in" not in page.text and "GO (teams: food&lt;script&gt;" in page.text
    assert "Commit: abc123" in page.text
    assert "script-src" not in page.headers["content-security-policy"]
    assert "default-src 'none'" in page.headers["content-security-policy"]


def test_a_bearer_token_works_as_for_airflows_api(client: TestClient, runs: dict) -> None:
    headers = {"Authorization": f"Bearer {token()}"}
    assert client.get(url(DAG_ID, runs["go"]), headers=headers).status_code == 200


def test_nobody_reads_a_plan_without_signing_in(client: TestClient, runs: dict) -> None:
    for cookies in ({}, {"_token": ""}):
        page = client.get(url(DAG_ID, runs["go"]), cookies=cookies)
        assert page.status_code == 401
        assert "GO" not in page.text


def test_a_forged_token_is_refused(client: TestClient, runs: dict) -> None:
    forged = jwt.encode({"sub": "someone", "role": "admin"}, "not-the-key", algorithm="HS512")
    page = client.get(url(DAG_ID, runs["go"]), cookies={"_token": forged})
    assert page.status_code == 403
    assert "GO" not in page.text


def test_a_refused_plan_is_shown_with_what_to_do(client: TestClient, runs: dict) -> None:
    page = client.get(url(DAG_ID, runs["refused"]), cookies={"_token": token()})
    assert page.status_code == 200
    assert "<h1>Refused plan: nothing was deployed</h1>" in page.text


def test_a_run_that_never_planned_says_so(client: TestClient, runs: dict) -> None:
    page = client.get(url(DAG_ID, runs["none"]), cookies={"_token": token()})
    assert page.status_code == 200
    assert "check_state ended upstream_failed before it made a plan" in page.text


def test_an_unknown_run_is_not_found(client: TestClient, runs: dict) -> None:
    page = client.get(url(DAG_ID, "manual__nope"), cookies={"_token": token()})
    assert page.status_code == 404
    assert "No such run" in page.text


def test_a_run_id_with_reserved_characters_reaches_its_run(client: TestClient) -> None:
    path = PREFIX + "/plan/plan_page_go/" + quote("manual__2026-01-01T00:00:00+00:00", safe="")
    page = client.get(path, cookies={"_token": token()})
    assert page.status_code == 404
    assert "manual__2026-01-01T00:00:00+00:00" in page.text

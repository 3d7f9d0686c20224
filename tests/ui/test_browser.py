"""The Airflow UI as an operator uses it, in a real headless Chromium (Debian's /usr/bin/chromium,
driven by Playwright; nothing is downloaded), against the real multi-process Airflow and the
sandbox of deploy/airflow/run_local.py, one for the whole module.

Each scenario stands alone: what it needs from an earlier one (a dry run, a deployed
account) comes from a module fixture that makes it if it is not there yet.

With DMS_DEPLOY_UI_SCREENSHOTS=<folder> (e.g. docs/ui) the scenarios save screenshots there.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import unquote

import boto3
import pytest

from deploy.airflow.run_local import DAG_ID, REPO, LocalAirflow
from dms_deploy.airflow_api import AirflowApi
from dms_deploy.ui.routes import PREFIX, page_path
from sandbox.client import SandboxClient
from tests.production import real_airflow

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        f"the browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium); "
        "only tests/ui/test_browser.py is skipped",
        allow_module_level=True,
    )

from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

FAILED_STACK = "dms-food"
INJECTED_REASON = "Injected by the browser test: the DMS API is unavailable"
NEW_TABLE = {"source": "fooddb/foodsearch/allergens", "version": "v202611260000"}
# Waits on a run's state: generous, since the machine may be busy; the polls are short.
RUN_SECONDS = 240
UI_MS = 30_000
SCREENSHOTS = os.environ.get("DMS_DEPLOY_UI_SCREENSHOTS")


def screenshot(page: Page, name: str) -> None:
    """Saves the page for the docs when DMS_DEPLOY_UI_SCREENSHOTS names a folder."""
    if SCREENSHOTS:
        folder = Path(SCREENSHOTS)
        folder.mkdir(parents=True, exist_ok=True)
        page.mouse.move(0, 0)  # no tooltip of the last click over the picture
        page.screenshot(path=str(folder / f"{name}.png"))


def wait_for(what: str, check: Callable[[], object], timeout: float = RUN_SECONDS) -> object:
    return real_airflow.wait_for(what, check, timeout)


@pytest.fixture(scope="module")
def airflow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalAirflow]:
    """The sandbox and Airflow, reading a private copy of the configs the tests edit."""
    root = tmp_path_factory.mktemp("ui")
    configs = root / "dms_configs"
    shutil.copytree(REPO / "dms_configs", configs)
    local = LocalAirflow(home=root / "airflow", configs_dir=configs, poll_seconds=1)
    try:
        local.start()
        yield local
    except BaseException:
        print(local.log_tails(), file=sys.stderr)
        raise
    finally:
        local.stop()


@pytest.fixture(scope="module")
def api(airflow: LocalAirflow) -> Iterator[AirflowApi]:
    with AirflowApi(airflow.api_url, username=airflow.username, password=airflow.password) as api:
        yield api


def run_state(api: AirflowApi, run_id: str) -> str:
    state = api.get_run(DAG_ID, run_id).state
    return str(getattr(state, "value", state))


def finished(api: AirflowApi, run_id: str) -> str:
    state = wait_for(
        f"run {run_id} to finish",
        lambda: (s := run_state(api, run_id)) in ("success", "failed") and s,
    )
    return str(state)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield browser
        browser.close()


def sign_in(page: Page, airflow: LocalAirflow, path: str) -> None:
    """Opens `path`; the simple auth manager's form asks who we are first."""
    page.goto(airflow.api_url + path)
    page.get_by_label("Username").fill(airflow.username)
    page.get_by_label("Password").fill(airflow.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(path.split("?")[0]) + "$"), timeout=UI_MS)


@pytest.fixture(scope="module")
def signed_in(browser: Browser, airflow: LocalAirflow) -> Iterator[BrowserContext]:
    """A browser session signed in through the login form, shared by the scenarios."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(UI_MS)
    sign_in(context.new_page(), airflow, f"/dags/{DAG_ID}")
    yield context
    context.close()


@pytest.fixture
def page(signed_in: BrowserContext) -> Iterator[Page]:
    page = signed_in.new_page()
    yield page
    page.close()


@pytest.fixture(scope="module")
def dry_runs() -> list[str]:
    """Dry runs triggered so far (scenario 1 adds its own)."""
    return []


@pytest.fixture
def dry_run(dry_runs: list[str], api: AirflowApi, airflow: LocalAirflow) -> str:
    """A finished dry run: scenario 1's, or one triggered through the API."""
    if not dry_runs:
        dry_runs.append(api.trigger(DAG_ID, {"dry_run": True}).dag_run_id)
    assert finished(api, dry_runs[0]) == "success", airflow.log_tails()
    return dry_runs[0]


def test_1_sign_in_and_trigger_a_dry_run_from_the_form_with_its_defaults(
    page: Page, api: AirflowApi, airflow: LocalAirflow, dry_runs: list[str]
) -> None:
    page.goto(f"{airflow.api_url}/dags/{DAG_ID}")
    page.get_by_role("button", name="Trigger Dag").click()
    form = page.get_by_role("dialog")
    expect(form.get_by_role("heading", name=f"Trigger Dag - {DAG_ID}")).to_be_visible()
    # Every param keeps its default; only dry_run is switched on (the switch's visible part
    # is its label: the checkbox itself is hidden).
    dry_run = form.get_by_role("checkbox", name="dry_run")
    dry_run.locator("xpath=..").click()
    expect(dry_run).to_be_checked()
    expect(form.get_by_role("textbox").first).to_have_value("all")
    screenshot(page, "trigger-form")
    form.get_by_role("button", name="Trigger", exact=True).click()

    # The UI opens the new run.
    page.wait_for_url(re.compile(f"/dags/{DAG_ID}/runs/[^/]+$"))
    run_id = unquote(page.url.rsplit("/", 1)[1])
    dry_runs.append(run_id)
    assert api.get_run(DAG_ID, run_id).conf["dry_run"] is True
    assert finished(api, run_id) == "success", airflow.log_tails()


def test_2_the_runs_plan_tab_shows_the_rendered_plan(
    page: Page, dry_run: str, airflow: LocalAirflow, browser: Browser
) -> None:
    # From the run (one click on its bar in the grid), the Plan tab.
    page.goto(f"{airflow.api_url}/dags/{DAG_ID}/runs/{dry_run}")
    page.get_by_role("link", name="Plan", exact=True).click()
    plan = page.frame_locator("iframe[title=Plan]")
    expect(plan.get_by_role("heading", level=1)).to_have_text(
        "Dry run: the plan (nothing is deployed)"
    )
    expect(plan.get_by_role("heading", level=2)).to_contain_text("GO")
    expect(plan.get_by_role("cell", name="DMS101", exact=True)).to_be_visible()
    screenshot(page, "plan-tab")

    # check_state's Plan link (its Details) leads to the same tab.
    page.goto(f"{airflow.api_url}/dags/{DAG_ID}/runs/{dry_run}/tasks/check_state/details")
    page.get_by_role("link", name="Plan", exact=True).click()
    expect(plan.get_by_role("heading", level=1)).to_contain_text("Dry run")

    # Without signing in, the page shows no plan.
    stranger = browser.new_context()
    try:
        response = stranger.request.get(airflow.api_url + PREFIX + page_path(DAG_ID, dry_run))
        assert response.status == 401
        assert "GO" not in response.text()
    finally:
        stranger.close()


@pytest.fixture(scope="module")
def deployed(airflow: LocalAirflow) -> LocalAirflow:
    """The account with the example configs deployed and replicating, as after a first run
    (deployed through the apply library, which is quicker than a run)."""
    from scripts.local_airflow import deploy_directly

    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ENDPOINT_URL", airflow.sandbox_url)
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        env.delenv("AWS_PROFILE", raising=False)
        deploy_directly(airflow.configs_dir)
    return airflow


def edit_team(airflow: LocalAirflow, team: str, edit: Callable[[dict], object]) -> None:
    path = airflow.configs_dir / "teams" / f"{team}.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    edit(doc)
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")


@pytest.fixture(scope="module")
def failed_deploy(deployed: LocalAirflow, api: AirflowApi) -> str:
    """A deploy that adds a table to a food task, whose CloudFormation update of dms-food
    failed (injected in the sandbox)."""
    reload_task = "foodsearch-reload"
    edit_team(deployed, "food", lambda doc: doc["tasks"][reload_task]["tables"].append(NEW_TABLE))
    SandboxClient(deployed.sandbox_url).fail_next_stack_update(FAILED_STACK, INJECTED_REASON)
    run_id = api.trigger(DAG_ID, {"git_sha": "browser-test"}).dag_run_id
    assert finished(api, run_id) == "failed", deployed.log_tails()
    return run_id


def dms_tasks(airflow: LocalAirflow) -> set[str]:
    dms = boto3.client(
        "dms",
        endpoint_url=airflow.sandbox_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    tasks = dms.describe_replication_tasks()["ReplicationTasks"]
    return {t["ReplicationTaskIdentifier"] for t in tasks}


def awaiting_approval(api: AirflowApi, run_id: str) -> bool:
    tis = {ti.task_id: ti for ti in api.task_instances(DAG_ID, run_id)}
    gate = tis.get("approve_plan")
    state = str(getattr(gate.state, "value", gate.state)) if gate else "none"
    if state in ("success", "failed", "skipped", "upstream_failed"):
        # Say why: check_state's error (a no-go), or approve_plan's own.
        why = [
            line
            for task_id in ("check_state", "approve_plan")
            for line in api.failure_lines(
                DAG_ID, run_id, task_id, -1, max(tis[task_id].try_number or 1, 1)
            )
        ]
        pytest.fail(f"approve_plan ended {state} without waiting for an answer: {why}")
    return state == "awaiting_input"


def answer_under_required_actions(
    page: Page, airflow: LocalAirflow, run_id: str, answer: str, name: str | None = None
) -> None:
    """Finds the run's approval under Required Actions, reads the plan, and answers."""
    from dms_deploy.plan.approval import APPROVAL_SUBJECT

    page.goto(f"{airflow.api_url}/required_actions")
    row = page.get_by_role("row", name=re.compile(re.escape(run_id)))
    row.get_by_role("link", name=APPROVAL_SUBJECT).click()
    expect(page.get_by_role("heading", name=re.compile("^GO after approval"))).to_be_visible()
    if name:
        screenshot(page, name)
    page.get_by_role("button", name=answer, exact=True).click()


def test_3_approve_a_disruptive_change_under_required_actions_and_reject_another(
    page: Page, deployed: LocalAirflow, api: AirflowApi
) -> None:
    # Approved: deleting the task food-recipes waits for approval, then deploys.
    edit_team(deployed, "food", lambda doc: doc["tasks"].pop("recipes"))
    approved = api.trigger(DAG_ID, {"git_sha": "approve"}).dag_run_id
    wait_for("approve_plan to wait for an answer", lambda: awaiting_approval(api, approved))
    assert "food-recipes" in dms_tasks(deployed)
    answer_under_required_actions(page, deployed, approved, "Approve", name="approval")
    assert finished(api, approved) == "success", deployed.log_tails()
    assert "food-recipes" not in dms_tasks(deployed)

    # Rejected: deleting logistics-fleet-archive deploys nothing, and the run fails.
    logistics = deployed.configs_dir / "teams" / "logistics.json"
    original = logistics.read_text(encoding="utf-8")
    edit_team(deployed, "logistics", lambda doc: doc["tasks"].pop("fleet-archive"))
    try:
        rejected = api.trigger(DAG_ID, {"git_sha": "reject"}).dag_run_id
        wait_for("approve_plan to wait for an answer", lambda: awaiting_approval(api, rejected))
        answer_under_required_actions(page, deployed, rejected, "Reject")
        assert finished(api, rejected) == "failed", deployed.log_tails()
    finally:
        logistics.write_text(original, encoding="utf-8")
    states = {
        ti.task_id: str(getattr(ti.state, "value", ti.state))
        for ti in api.task_instances(DAG_ID, rejected)
    }
    assert states["approve_plan"] == "failed"
    assert not [t for t, s in states.items() if t.startswith("step_") and s == "success"]
    assert "logistics-fleet-archive" in dms_tasks(deployed)


def mapped_instances(page: Page, airflow: LocalAirflow, run_id: str, task_id: str) -> None:
    """Opens a mapped task's instances from its cell in the run's grid."""
    page.goto(f"{airflow.api_url}/dags/{DAG_ID}/runs/{run_id}")
    expect(page.get_by_test_id(f"grid-{run_id}-check_state")).to_be_visible()
    # The UI remembers expanded groups; expanding again is then disabled.
    expand = page.get_by_role("button", name="Expand all task groups")
    if expand.is_enabled():
        expand.click()
    page.get_by_test_id(f"grid-{run_id}-{task_id}").click()
    expect(page.get_by_role("heading", name=f"{task_id} [")).to_be_visible()


def test_4_clear_the_failed_step_in_the_ui_and_the_rerun_succeeds(
    page: Page, failed_deploy: str, api: AirflowApi, airflow: LocalAirflow
) -> None:
    failed = {
        (ti.task_id, ti.rendered_map_index)
        for ti in api.task_instances(DAG_ID, failed_deploy)
        if str(getattr(ti.state, "value", ti.state)) == "failed"
    }
    assert ("step_1.wait_for_stack", f"{FAILED_STACK} (executed)") in failed, failed

    mapped_instances(page, airflow, failed_deploy, "step_1.wait_for_stack")
    instance = page.get_by_role("row", name=f"{FAILED_STACK} (executed)")
    expect(instance).to_contain_text("Failed")
    instance.get_by_role("button", name="Clear Task Instance").click()
    dialog = page.get_by_role("dialog")
    # Downstream is selected already: the whole step and the tasks after it rerun.
    expect(
        dialog.get_by_role("row", name=re.compile(r"^step_1\.verify_no_s3_overwrite"))
    ).to_be_visible()
    screenshot(page, "clear-dialog")
    dialog.get_by_role("button", name="Confirm").click()
    expect(dialog).to_be_hidden()
    wait_for("the cleared run to start again", lambda: run_state(api, failed_deploy) != "failed")

    assert finished(api, failed_deploy) == "success", airflow.log_tails()
    page.reload()
    expect(page.get_by_role("row", name=f"{FAILED_STACK} (executed)")).to_contain_text("Success")
    screenshot(page, "cleared-rerun")


def test_5_mapped_instances_are_named_by_stack_and_action(
    page: Page, failed_deploy: str, airflow: LocalAirflow
) -> None:
    mapped_instances(page, airflow, failed_deploy, "step_1.pause_tasks")
    expect(page.get_by_role("link", name=f"{FAILED_STACK} (update)")).to_be_visible()
    screenshot(page, "mapped-names")

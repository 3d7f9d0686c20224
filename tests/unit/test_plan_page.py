"""The plan page: check_state's plan rendered as HTML, and what a run without one shows."""

from __future__ import annotations

import json

from dms_deploy.checks.base import CheckResult, Finding
from dms_deploy.plan.model import Plan, TaskChange
from dms_deploy.ui.plan_page import RunPlan, plan_page

SCRIPT = "<script>alert(1)</script>"
IMAGE = '<img src=x onerror="alert(2)">'


def checked(plan: Plan, *, dry_run: bool = False) -> dict:
    # As check_state returns it: plain JSON.
    return {"plan": json.loads(json.dumps(plan.to_dict())), "dry_run": dry_run, "s3": {}}


def run(**kwargs: object) -> RunPlan:
    fields = {"dag_id": "dms_deploy", "run_id": "manual__1", "check_state": "success"}
    return RunPlan(**(fields | kwargs))  # type: ignore[arg-type]


HOSTILE = Plan(
    go=True,
    checks=(
        CheckResult(
            "DMS104",
            f"title {IMAGE}",
            "warn",
            (Finding(f"message {SCRIPT}", table=IMAGE, severity="warning"),),
        ),
    ),
    changes=(
        TaskChange(
            team=f"team{SCRIPT}",
            task=f"team-task{IMAGE}",
            stack="dms-team",
            classification="in-place",
            added=(f"src/schema/{SCRIPT}@v1",),
        ),
    ),
)


def test_the_plan_renders_as_markdown_with_its_tables_and_headings() -> None:
    plan = Plan(go=True, checks=(CheckResult("DMS001", "every config parses", "pass"),))
    page = plan_page(run(checked=checked(plan), git_sha="abc123"))
    assert "<h1>The plan this run deploys</h1>" in page
    assert "<h2>GO: no changes</h2>" in page
    assert "<td>DMS001</td>" in page
    assert "Commit: abc123" in page


def test_a_dry_run_says_so_in_the_heading() -> None:
    page = plan_page(run(checked=checked(Plan(go=True, checks=()), dry_run=True)))
    assert "<h1>Dry run: the plan (nothing is deployed)</h1>" in page
    assert "DRY RUN: nothing will be deployed" in page


def test_names_from_the_configs_never_become_markup() -> None:
    page = plan_page(
        run(run_id=f"manual__{SCRIPT}", checked=checked(HOSTILE), git_sha=IMAGE)
    ).lower()
    assert "<script" not in page
    assert "<img" not in page
    # Shown as text, escaped, wherever they appear: table cells, code spans, findings.
    assert "team&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in page


def test_a_refused_plan_is_shown_with_what_to_do() -> None:
    failed = CheckResult("DMS106", "no disruptive change", "fail", (Finding("replaced"),))
    page = plan_page(run(check_state="failed", refused=checked(Plan(go=False, checks=(failed,)))))
    assert "<h1>Refused plan: nothing was deployed</h1>" in page
    assert "NO-GO: DMS106 failed" in page
    assert "trigger a new run" in page


def test_a_run_without_a_plan_yet_says_when_it_will_have_one() -> None:
    for state in ("none", "queued", "running", "up_for_retry"):
        page = plan_page(run(check_state=state))
        assert "<h1>No plan yet</h1>" in page
        assert f"(state: {state})" in page


def test_a_check_state_that_failed_without_a_plan_says_what_to_do() -> None:
    page = plan_page(run(check_state="failed"))
    assert "check_state ended failed before it made a plan" in page
    assert "clear check_state" in page


def test_a_run_of_another_dag_has_no_plan() -> None:
    page = plan_page(run(dag_id="dms_drift", check_state=None))
    assert "dms_drift has no check_state task" in page


def test_a_plan_this_version_cannot_read_is_shown_as_escaped_json() -> None:
    page = plan_page(run(checked={"plan": {"go": SCRIPT}, "dry_run": False}))
    assert "cannot be read as a plan" in page
    assert "&lt;script&gt;" in page
    assert "<script" not in page.lower()

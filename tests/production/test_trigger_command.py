"""`dmsctl trigger` against a fake Airflow API: trigger, follow, report, clear and rerun."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from dms_deploy.airflow_api import error_lines
from dms_deploy.airflow_follow import plan_summary
from dms_deploy.cli import parse
from dms_deploy.commands import trigger
from dms_deploy.plan.model import Bump, TaskChange
from tests.production.fake_airflow import DAG, PLAN, FakeAirflow

CHECK = ("check_state", -1)
DEPLOY = ("step_1.deploy_stack", 0)
WAIT = ("step_1.wait_for_stack", 0)
RESUME = ("step_1.resume_tasks", 0)

SUCCESS = [
    ("queued", {}),
    ("running", {CHECK: "running"}),
    ("running", {CHECK: "success", DEPLOY: "running", WAIT: None}),
    ("running", {CHECK: "success", DEPLOY: "success", WAIT: "deferred"}),
    ("success", {CHECK: "success", DEPLOY: "success", WAIT: "success", RESUME: "success"}),
]
FAILED = [
    ("running", {CHECK: "success", DEPLOY: "success", WAIT: "deferred"}),
    ("failed", {CHECK: "success", DEPLOY: "success", WAIT: "failed", RESUME: "success"}),
]
REASON_LOG = [
    {"event": "poking dms-food", "level": "info"},
    {
        "event": "Task failed with exception",
        "level": "error",
        "error_detail": [
            {"exc_type": "StackFailed", "exc_value": "dms-food UPDATE_ROLLBACK_COMPLETE: boom"}
        ],
    },
]


def run_trigger(
    fake: FakeAirflow, *argv: str, monkeypatch: pytest.MonkeyPatch, user: bool = True
) -> int:
    for name in ("AIRFLOW_API_URL", "AIRFLOW_API_TOKEN", "GITHUB_SHA"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AIRFLOW_USERNAME", fake.username if user else "")
    monkeypatch.setenv("AIRFLOW_PASSWORD", fake.password if user else "")
    with fake.serve() as url:
        args = parse(["trigger", "--api-url", url, "--poll-interval", "0", *argv])
        return trigger.run(args)


def test_a_successful_run_prints_each_state_change_the_plan_and_exits_0(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeAirflow(next_run=list(SUCCESS))
    code = run_trigger(fake, "--git-sha", "abc123", "--teams", "food", monkeypatch=monkeypatch)
    out = capsys.readouterr().out
    assert code == 0
    assert fake.body("POST", f"{DAG}/dagRuns") == {
        "logical_date": None,
        "conf": {"dry_run": False, "allow_disruptive": False, "git_sha": "abc123", "teams": "food"},
    }
    lines = out.splitlines()
    assert "step_1.deploy_stack[0] running" in lines
    assert "step_1.wait_for_stack[0] deferred" in lines
    assert "step_1.wait_for_stack[0] success" in lines
    # A state is printed once, when it changes, however many polls see it.
    assert lines.count("check_state success") == 1
    assert lines.count("plan: GO") == 1
    assert "  step 1: dms-food (update)" in lines
    # Quiet: a task not scheduled yet prints nothing, and checks that passed are not listed.
    assert not [line for line in lines if line.endswith(" none")]
    assert "  DMS103 pass" not in lines
    assert "manual__1 succeeded" in out


def test_a_run_waiting_for_approval_says_where_to_answer(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    approve = ("approve_plan", -1)
    fake = FakeAirflow(
        next_run=[
            ("running", {CHECK: "success", approve: "awaiting_input"}),
            ("running", {CHECK: "success", approve: "awaiting_input"}),
            ("success", {CHECK: "success", approve: "success", DEPLOY: "success"}),
        ]
    )
    code = run_trigger(fake, monkeypatch=monkeypatch)
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    waiting = [line for line in lines if "waits for an approver" in line]
    assert len(waiting) == 1
    assert waiting[0].endswith("/runs/manual__1/tasks/approve_plan/required_actions")


def test_a_failed_run_prints_the_reason_from_the_log_and_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeAirflow(next_run=list(FAILED), logs={WAIT: REASON_LOG})
    code = run_trigger(fake, monkeypatch=monkeypatch)
    out = capsys.readouterr().out
    assert code == 1
    assert "FAILED step_1.wait_for_stack[0] (try 1)" in out
    assert "StackFailed: dms-food UPDATE_ROLLBACK_COMPLETE: boom" in out
    assert "poking" not in out
    assert "dmsctl trigger --clear-failed manual__1" in out


def test_clear_failed_clears_the_failed_steps_with_downstream_and_follows_the_rerun(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeAirflow(
        runs={"manual__1": [FAILED[-1]]},
        after_clear=[
            ("running", {CHECK: "success", DEPLOY: "running", WAIT: None, RESUME: None}),
            ("success", {CHECK: "success", DEPLOY: "success", WAIT: "success", RESUME: "success"}),
        ],
    )
    code = run_trigger(fake, "--clear-failed", "manual__1", monkeypatch=monkeypatch)
    out = capsys.readouterr().out
    assert code == 0
    assert fake.body("POST", f"{DAG}/clearTaskInstances") == {
        "dag_run_id": "manual__1",
        "task_ids": [["step_1.wait_for_stack", 0]],
        "only_failed": False,
        "only_running": False,
        "include_downstream": True,
        "include_upstream": False,
        "include_future": False,
        "include_past": False,
        "prevent_running_task": False,
        "reset_dag_runs": True,
        "dry_run": False,
    }
    assert not [r for r in fake.requests if r[:2] == ("POST", f"{DAG}/dagRuns")]
    assert "step_1.wait_for_stack[0] failed" in out
    assert "step_1.wait_for_stack[0] success" in out
    assert "manual__1 succeeded" in out


def test_clear_failed_clears_a_run_whose_failed_work_is_only_upstream_failed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The failed task was marked success since: what is left to rerun is upstream_failed."""
    verify = ("step_1.verify_no_s3_overwrite", 0)
    step_2 = ("step_2_stacks", -1)
    fake = FakeAirflow(
        runs={
            "manual__1": [
                (
                    "failed",
                    {
                        CHECK: "success",
                        DEPLOY: "success",
                        WAIT: "success",
                        RESUME: "success",
                        verify: "upstream_failed",
                        step_2: "upstream_failed",
                    },
                )
            ]
        },
        after_clear=[
            ("running", {CHECK: "success", verify: "running", step_2: None}),
            ("success", {CHECK: "success", verify: "success", step_2: "success"}),
        ],
    )
    code = run_trigger(fake, "--clear-failed", "manual__1", monkeypatch=monkeypatch)
    out = capsys.readouterr().out
    assert code == 0
    body = fake.body("POST", f"{DAG}/clearTaskInstances")
    assert body["task_ids"] == [["step_1.verify_no_s3_overwrite", 0], "step_2_stacks"]
    assert body["include_downstream"] is True and body["only_failed"] is False
    assert "upstream_failed and after" in out
    assert "manual__1 succeeded" in out


def test_clear_failed_on_a_run_without_failures_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeAirflow(runs={"manual__1": [SUCCESS[-1]]})
    assert run_trigger(fake, "--clear-failed", "manual__1", monkeypatch=monkeypatch) == 2
    assert "has no failed task" in capsys.readouterr().err


def test_new_run_params_with_clear_failed_are_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeAirflow(runs={"manual__1": [FAILED[-1]]})
    assert (
        run_trigger(fake, "--clear-failed", "manual__1", "--dry-run", monkeypatch=monkeypatch) == 2
    )
    assert "apply to a new run only" in capsys.readouterr().err
    assert not [r for r in fake.requests if r[0] == "POST"]


def test_an_unknown_run_is_a_one_line_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_trigger(FakeAirflow(), "--clear-failed", "nope", monkeypatch=monkeypatch) == 2
    err = capsys.readouterr().err
    assert "not found" in err
    assert len(err.splitlines()) == 1


def test_refused_credentials_exit_2_with_one_line_and_no_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeAirflow(password="another")
    monkeypatch.setenv("AIRFLOW_PASSWORD", "wrong")
    with fake.serve() as url:
        args = parse(["trigger", "--api-url", url, "--username", "ci"])
        args.password = "wrong"
        assert trigger.run(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("dmsctl trigger: login as 'ci' refused: Invalid credentials")
    assert "Traceback" not in err
    assert not fake.runs


def test_missing_credentials_are_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_trigger(FakeAirflow(), monkeypatch=monkeypatch, user=False) == 2
    assert "AIRFLOW_API_TOKEN" in capsys.readouterr().err


def test_an_unreachable_api_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    args = parse(["trigger", "--api-url", url, "--token", "t"])
    assert trigger.run(args) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"dmsctl trigger: cannot reach the Airflow API at {url}: ")
    assert "Connection refused" in err
    assert len(err.splitlines()) == 1


def test_a_given_token_is_used_without_logging_in(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeAirflow(next_run=[SUCCESS[-1]], tokens_issued=7)
    monkeypatch.setenv("AIRFLOW_API_TOKEN", "token-7")
    with fake.serve() as url:
        args = parse(["trigger", "--api-url", url, "--poll-interval", "0"])
        assert trigger.run(args) == 0
    assert not [r for r in fake.requests if r[1] == "/auth/token"]


def test_an_expired_token_is_renewed_once_with_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeAirflow(next_run=list(SUCCESS), expire_token_once=True)
    assert run_trigger(fake, monkeypatch=monkeypatch) == 0
    assert fake.tokens_issued == 2


def test_a_paused_dag_is_refused_unless_unpause_is_given(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeAirflow(paused=True, next_run=[SUCCESS[-1]])
    assert run_trigger(fake, monkeypatch=monkeypatch) == 2
    assert "paused" in capsys.readouterr().err
    assert run_trigger(fake, "--unpause", monkeypatch=monkeypatch) == 0
    assert fake.paused is False


def test_no_wait_returns_once_the_run_is_queued(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeAirflow(next_run=list(FAILED))
    assert run_trigger(fake, "--no-wait", "--dry-run", monkeypatch=monkeypatch) == 0
    assert fake.body("POST", f"{DAG}/dagRuns")["conf"]["dry_run"] is True
    assert "triggered dms_deploy run manual__1" in capsys.readouterr().out


def test_a_run_still_going_at_the_timeout_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeAirflow(next_run=[("running", {CHECK: "running"})])
    assert run_trigger(fake, "--timeout", "0", monkeypatch=monkeypatch) == 1
    assert "still running" in capsys.readouterr().out


def test_the_plan_summary_names_the_verdict_the_findings_and_the_steps() -> None:
    no_go = {"plan": {**PLAN["plan"], "go": False}, "dry_run": True}
    assert plan_summary(no_go) == [
        "plan: NO-GO (dry run: nothing is deployed)",
        "  DMS108 warn",
        "    food/orders: drift on task",
        "  step 1: dms-food (update)",
        "    pause: food-orders",
        "    resume: food-orders",
    ]


def test_the_plan_summary_names_the_tables_that_change() -> None:
    change = TaskChange(
        team="food",
        task="food-orders",
        stack="dms-food",
        classification="in-place",
        added=("src/sales/orders@v2",),
        bumped=(Bump(source="src/sales/items", old="v1", new="v2"),),
    )
    checked = {"plan": {**PLAN["plan"], "changes": [change.to_dict()]}, "dry_run": False}
    lines = plan_summary(checked)
    assert lines[3:5] == [
        "  changes:",
        "    food-orders (in-place): bump src/sales/items v1 → v2; add src/sales/orders@v2",
    ]


def test_verbose_shows_tasks_not_scheduled_yet_and_the_checks_that_passed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeAirflow(next_run=list(SUCCESS))
    assert run_trigger(fake, "--verbose", monkeypatch=monkeypatch) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "step_1.wait_for_stack[0] none" in lines
    assert "  DMS103 pass" in lines


def test_error_lines_keep_errors_and_their_exceptions_only() -> None:
    assert error_lines([*REASON_LOG, "a plain line"]) == [
        "Task failed with exception",
        "StackFailed: dms-food UPDATE_ROLLBACK_COMPLETE: boom",
    ]


def test_a_plan_digest_goes_into_the_conf(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeAirflow(next_run=list(SUCCESS))
    code = run_trigger(fake, "--plan-digest", "0123abcd", monkeypatch=monkeypatch)
    assert code == 0
    assert fake.body("POST", f"{DAG}/dagRuns")["conf"]["plan_digest"] == "0123abcd"


def test_env_and_rehearse_go_into_the_conf(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeAirflow(next_run=list(SUCCESS))
    code = run_trigger(fake, "--env", "staging", "--rehearse", monkeypatch=monkeypatch)
    assert code == 0
    conf = fake.body("POST", f"{DAG}/dagRuns")["conf"]
    assert (conf["environment"], conf["rehearse"]) == ("staging", True)


def test_without_env_and_rehearse_the_dag_defaults_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeAirflow(next_run=list(SUCCESS))
    assert run_trigger(fake, monkeypatch=monkeypatch) == 0
    conf = fake.body("POST", f"{DAG}/dagRuns")["conf"]
    assert "environment" not in conf and "rehearse" not in conf


def test_a_note_goes_with_the_new_run(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeAirflow(next_run=list(SUCCESS))
    note = "https://git.example.com/data/dms/pull/42"
    assert run_trigger(fake, "--note", note, monkeypatch=monkeypatch) == 0
    assert fake.body("POST", f"{DAG}/dagRuns")["note"] == note


def test_an_answer_that_does_not_match_the_api_schema_is_a_one_line_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeAirflow(schema_drift=True, next_run=list(SUCCESS))
    assert run_trigger(fake, monkeypatch=monkeypatch) == 2
    err = capsys.readouterr().err
    assert err.startswith("dmsctl trigger: get dag: unexpected answer from http://127.0.0.1:")
    assert "has_import_errors: Input should be a valid boolean" in err  # a missing field
    assert len(err.splitlines()) == 1
    assert not fake.runs


def test_a_server_slower_than_the_request_timeout_is_a_one_line_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeAirflow(stall_seconds=1.0, next_run=list(SUCCESS))
    assert run_trigger(fake, "--request-timeout", "0.2", monkeypatch=monkeypatch) == 2
    err = capsys.readouterr().err
    assert err.startswith("dmsctl trigger: Airflow API at http://127.0.0.1:")
    assert err.rstrip().endswith("timed out after 0.2 s")
    assert len(err.splitlines()) == 1
    # A read that timed out is not retried: the request may have been applied.
    assert [r[:2] for r in fake.requests].count(("GET", DAG)) == 1


def test_other_commands_do_not_pay_for_importing_the_api_client() -> None:
    code = (
        "import sys, dms_deploy.cli; "
        "sys.exit('airflow_client' in sys.modules or 'dms_deploy.airflow_api' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0

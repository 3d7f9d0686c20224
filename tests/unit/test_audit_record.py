"""The audit record's pure parts: which tasks decide a run, the plan's placement, rendering."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

from dms_deploy.audit.markdown import record_markdown, records_table
from dms_deploy.audit.record import (
    PLAN_INLINE_BYTES,
    ApprovalFacts,
    RunFacts,
    StackFacts,
    TaskState,
    build_record,
    deciding_task_ids,
    final_state,
    plan_key,
    split_plan,
)


def task(task_id: str, downstream: set[str], teardown: bool = False, fail: bool = False):
    return SimpleNamespace(
        task_id=task_id,
        downstream_task_ids=downstream,
        is_teardown=teardown,
        on_failure_fail_dagrun=fail,
    )


def test_the_run_is_decided_by_the_leaves_left_without_the_ledger_task() -> None:
    tasks = [
        task("deploy", {"verify", "cleanup", "record"}),
        task("verify", {"record"}),
        task("cleanup", {"record"}, teardown=True),
        task("record", set()),
    ]
    assert deciding_task_ids(tasks, leave_out="record") == {"verify"}


def test_a_teardown_that_may_fail_the_run_decides_it_too() -> None:
    tasks = [task("deploy", {"resume"}), task("resume", set(), teardown=True, fail=True)]
    assert deciding_task_ids(tasks, leave_out="record") == {"resume"}
    tasks = [task("deploy", {"resume"}), task("resume", set(), teardown=True)]
    assert deciding_task_ids(tasks, leave_out="record") == {"deploy"}


def test_a_failed_or_upstream_failed_deciding_task_fails_the_deploy() -> None:
    deciding = frozenset({"verify"})
    assert final_state([TaskState("verify", 0, "upstream_failed")], deciding) == "failed"
    assert final_state([TaskState("verify", 0, "skipped")], deciding) == "success"
    assert final_state([TaskState("other", -1, "failed")], deciding) == "success"


def facts(plan: dict | None) -> RunFacts:
    return RunFacts(
        run_id="manual__1",
        attempt=2,
        dag_id="dms_deploy",
        run_type="manual",
        triggering_user="ci",
        params={"git_sha": "abc", "dry_run": False, "teams": "food"},
        recorded_at="2026-01-01T00:00:00+00:00",
        tasks=[
            TaskState("check_state", -1, "success"),
            TaskState("step_1.deploy_stack", 0, "failed"),
        ],
        deciding=frozenset({"step_1.deploy_stack"}),
        checked={"plan": plan} if plan is not None else None,
    )


def test_a_large_plan_goes_beside_the_record_and_a_small_one_stays_inline() -> None:
    small = {"digest": "d1", "go": True, "steps": []}
    record = build_record(facts(small))
    assert split_plan(record, "dms") == (record, None)

    large = {**small, "steps": [{"teams": ["food"], "body": "x" * PLAN_INLINE_BYTES}]}
    written, text = split_plan(build_record(facts(large)), "dms")
    assert written["plan"] is None
    assert written["plan_object"] == plan_key("dms", "manual__1", 2)
    assert written["plan_digest"] == "d1"
    assert text is not None and '"digest": "d1"' in text


def test_a_record_without_a_plan_names_the_teams_asked_for_and_renders() -> None:
    record = build_record(facts(None))
    assert record["plan"] is None and record["plan_digest"] is None
    assert record["teams"] == ["food"]
    assert record["final_state"] == "failed"
    assert record["failed_tasks"] == ["step_1.deploy_stack[0]"]
    assert record["approved_by"] is None
    assert "manual__1" in records_table([record])
    text = record_markdown(record)
    assert "## manual__1 (attempt 2): failed" in text
    assert "| step_1[0] | - | - | failed |" in text


def test_the_record_says_who_answered_approve_plan_and_when() -> None:
    base = facts({"digest": "d1", "go": True, "steps": []})
    rejected = replace(
        base,
        approval=ApprovalFacts(
            state="failed",
            gate={"wait": True, "reason": "the plan replaces or deletes replication"},
            response={
                "answer": "Reject",
                "outcome": "rejected",
                "by": "bob",
                "by_name": "Bob",
                "at": "2026-01-01T01:00:00+00:00",
            },
        ),
    )
    record = build_record(rejected)
    assert record["approved_by"] is None
    assert record["approval"]["outcome"] == "rejected" and record["approval"]["by"] == "bob"
    assert "- approval: rejected by bob at 2026-01-01T01:00:00+00:00" in record_markdown(record)

    approved = replace(
        rejected,
        approval=replace(
            rejected.approval,
            state="success",
            response={**rejected.approval.response, "answer": "Approve", "outcome": "approved"},
        ),
    )
    assert build_record(approved)["approved_by"] == "bob"

    skipped = replace(
        base, approval=ApprovalFacts("skipped", {"wait": False, "reason": "a dry run"}, None)
    )
    record = build_record(skipped)
    assert record["approval"]["outcome"] == "not needed" and record["approved_by"] is None
    assert "- approval: not needed (a dry run)" in record_markdown(record)
    # A run that stopped before the gate decided.
    assert build_record(base)["approval"]["outcome"] is None


def test_a_pause_window_has_the_times_its_tasks_stopped_and_started_again() -> None:
    stopped = StackFacts(
        stack="dms-food",
        action="update",
        stopped=["food-recipes", "food-bulk"],
        started={"food-recipes": "resume-processing", "food-bulk": "configured paused"},
        stopped_at="2026-01-01T01:00:00+00:00",
        started_at="2026-01-01T01:05:00+00:00",
    )
    record = build_record(replace(facts(None), stacks={("step_1", 0): stopped}))
    [window] = record["pause_windows"]
    assert window["stopped_at"] == "2026-01-01T01:00:00+00:00"
    assert window["resumed_at"] == "2026-01-01T01:05:00+00:00"
    text = record_markdown(record)
    assert (
        "| dms-food | food-recipes | 2026-01-01T01:00:00+00:00 | resume-processing "
        "| 2026-01-01T01:05:00+00:00 |" in text
    )

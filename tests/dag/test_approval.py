"""approve_plan end to end: a disruptive plan waits for an approver before any step, in the
real DAG against the sandbox, and the audit ledger records who answered.

The answers come from another thread through the api-server's own HITL handler (what the
Required Actions page and the REST API call), while `dag.test()` keeps the run waiting."""

from __future__ import annotations

import boto3
import pytest

from scripts.local_airflow import Answer, trigger
from tests.dag.test_audit_ledger import LEDGER, ledger, only_record
from tests.faults.scenario import edit_team, plan_of

pytestmark = [pytest.mark.sandbox, pytest.mark.e2e]

RECIPES = "food-recipes"


def drop_recipes(configs) -> None:
    """Delete the task food-recipes: disruptive (its replication stops)."""
    edit_team(configs, "food", lambda doc: doc["tasks"].pop("recipes"))


def live_state() -> dict:
    """What a deploy would change: the DMS tasks and the team stack's template."""
    dms = boto3.client("dms")
    tasks = {
        t["ReplicationTaskIdentifier"]: t["Status"]
        for t in dms.describe_replication_tasks()["ReplicationTasks"]
    }
    body = boto3.client("cloudformation").get_template(StackName="dms-food")["TemplateBody"]
    return {"tasks": tasks, "dms-food": body}


def test_an_approved_disruptive_plan_deploys_and_records_the_approver(
    deployed, configs, monkeypatch, capfd
):
    monkeypatch.setenv("DMS_DEPLOY_APPROVERS", "alice")
    drop_recipes(configs)
    # Only the configured approver may answer: the api-server refuses anyone else.
    result = trigger(answers=[Answer("Approve", "mallory"), Answer("Approve", "alice")])
    out = capfd.readouterr().out
    assert "approve_plan: Approve by mallory refused: 403" in out
    assert "approve_plan: Approve by alice" in out
    assert result.state == "success", result.tasks
    assert result.state_of("approve_plan") == ["success"]
    assert result.state_of("step_1.deploy_stack") == ["success"]
    assert RECIPES not in live_state()["tasks"]

    record = only_record(result.run_id)
    assert record["final_state"] == "success"
    assert record["approved_by"] == "alice"
    approval = record["approval"]
    assert approval["outcome"] == "approved" and approval["needed"] is True
    assert approval["at"] and approval["task_state"] == "success"
    [window] = record["pause_windows"]
    assert window["stopped"] == [RECIPES] and window["stopped_at"]


def test_a_rejected_plan_deploys_nothing_and_the_run_fails_saying_so(deployed, configs, capfd):
    drop_recipes(configs)
    before = live_state()
    deployed.clear_calls()
    result = trigger(answers=[Answer("Reject", "bob")])
    assert result.state == "failed"
    assert result.state_of("approve_plan") == ["failed"]
    assert result.state_of("step_1_stacks") == ["upstream_failed"]
    assert not result.ran("step_1.pause_tasks") and not result.ran("step_1.deploy_stack")
    assert result.state_of("record_run") == ["failed"]
    # Nothing changed: no task stopped, no change set, the same tasks and template.
    changing = {"StopReplicationTask", "CreateChangeSet", "ExecuteChangeSet", "DeleteStack"}
    assert not [c for c in deployed.calls() if c["operation"] in changing]
    assert live_state() == before
    out = capfd.readouterr().out
    assert "rejected by bob" in out and "nothing was deployed" in out

    record = only_record(result.run_id)
    assert record["final_state"] == "failed"
    assert record["failed_tasks"] == ["approve_plan"]
    assert record["approved_by"] is None
    assert record["approval"]["outcome"] == "rejected"
    assert record["approval"]["by"] == "bob" and record["approval"]["at"]
    assert record["plan"]["disruptive"] is True
    assert record["pause_windows"] == []


def test_allow_disruptive_with_the_reviewed_digest_does_not_wait(deployed, configs):
    """The disruptions were reviewed on the pull request: `dmsctl plan --allow-disruptive`
    (here, its dry run) printed the digest the run is given."""
    drop_recipes(configs)
    review = trigger({"dry_run": True, "allow_disruptive": True})
    assert review.state_of("approve_plan") == ["skipped"]
    digest = plan_of(review)["digest"]

    result = trigger({"allow_disruptive": True, "plan_digest": digest})
    assert result.state == "success", result.tasks
    assert result.state_of("approve_plan") == ["skipped"]
    assert RECIPES not in live_state()["tasks"]
    record = ledger()[f"{LEDGER}{result.run_id}/attempt-1.json"]
    assert record["approval"]["outcome"] == "not needed"
    assert "acknowledged" in record["approval"]["reason"]

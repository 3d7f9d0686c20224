"""Inputs at their limits through the real DAG: odd names, symlinked team files and a task
of 2,000 tables."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import boto3
import pytest

from dms_deploy.plan.templates import MAX_INLINE_TEMPLATE_BYTES
from scripts.local_airflow import RunResult, clear_failed_and_rerun, trigger
from tests.faults.promises import BUCKET, assert_promises, record
from tests.faults.scenario import add_table, folder, objects_in, plan_of, status
from tests.unit.test_odd_names import TEAM, team_doc

pytestmark = [pytest.mark.sandbox, pytest.mark.e2e, pytest.mark.faults]

LOGISTICS = {"logistics-shipments", "logistics-fleet"}
TEMPLATE_URL_LIMIT = 1_048_576


def test_odd_names_deploy_into_their_folders_and_a_second_run_changes_nothing(deployed, configs):
    """Names at their limits (a 40-character team, a 255-character task identifier, a
    400-character source), digits, underscores and `$` in schema and table names."""
    doc = team_doc()
    (configs / "teams" / f"{TEAM}.json").write_text(json.dumps(doc))
    before = record(deployed)
    result = trigger()
    assert result.state == "success", result.tasks
    sources = {t["source"]: t["version"] for task in doc["tasks"].values() for t in task["tables"]}
    for source, version in sources.items():
        assert any("/LOAD" in key for key in objects_in(folder(source, version))), source
    assert {f"{TEAM}-{name}" for name in doc["tasks"]} <= {
        ident for ident in _task_ids() if status(ident) == "running"
    }

    again = trigger()
    assert again.state == "success", again.tasks
    assert plan_of(again)["steps"] == []
    assert_promises(before, deployed, configs)


def _task_ids() -> list[str]:
    found = boto3.client("dms").describe_replication_tasks()["ReplicationTasks"]
    return [t["ReplicationTaskIdentifier"] for t in found]


def refused_offline(capfd, check: str) -> tuple[RunResult, str]:
    """A run that `validate_configs` refuses with `check`, before any AWS call: nothing is
    planned, stopped or deployed. Returns the run and its output."""
    refused = trigger()
    assert refused.state == "failed"
    assert refused.state_of("validate_configs") == ["failed"]
    assert not refused.ran("check_state")
    out = capfd.readouterr().out
    assert f"config checks failed: {check}" in out
    return refused, out


def test_a_team_file_symlinked_elsewhere_deploys(deployed, configs, tmp_path):
    real = tmp_path / "elsewhere" / "logistics.json"
    real.parent.mkdir()
    link = configs / "teams" / "logistics.json"
    real.write_text(link.read_text())
    link.unlink()
    link.symlink_to(real)
    new = add_table(configs, "logistics", "fleet", "fleetdb/public/depots")
    assert link.is_symlink()  # the edit went through the link to the real file
    before = record(deployed)
    result = trigger()
    assert result.state == "success", result.tasks
    assert any("/LOAD" in key for key in objects_in(new))
    assert_promises(before, deployed, configs, may_stop={"logistics-fleet"})


def test_a_broken_symlink_fails_validation_and_deletes_nothing(deployed, configs, tmp_path, capfd):
    """A broken team file must never read as "the team was deleted": the run fails at
    validate_configs naming the path; fixing the link and clearing converges."""
    real = tmp_path / "elsewhere" / "logistics.json"
    real.parent.mkdir()
    link = configs / "teams" / "logistics.json"
    real.write_text(link.read_text())
    link.unlink()
    link.symlink_to(tmp_path / "moved" / "logistics.json")  # the target is gone
    before = record(deployed)
    failed, out = refused_offline(capfd, "DMS001")
    assert f"teams/logistics.json: is a broken symlink (to {os.readlink(link)})" in out
    stack = boto3.client("cloudformation").describe_stacks(StackName="dms-logistics")
    assert stack["Stacks"][0]["StackStatus"].endswith("_COMPLETE")
    assert all(status(ident) == "running" for ident in LOGISTICS)
    assert_promises(before, deployed, configs, converged=False)

    link.unlink()
    link.symlink_to(real)
    rerun = clear_failed_and_rerun(failed.run_id)
    assert rerun.state == "success", rerun.tasks
    assert plan_of(rerun)["steps"] == []
    assert_promises(before, deployed, configs)


def _add_tables(configs: Path, count: int, name: str) -> None:
    team_file = configs / "teams" / "food.json"
    team = json.loads(team_file.read_text())
    team["tasks"]["foodsearch"]["tables"] += [
        {"source": f"fooddb/{name.format(i)}", "version": "v202401010000"} for i in range(count)
    ]
    team_file.write_text(json.dumps(team))


def test_two_thousand_tables_over_the_template_limit_are_a_no_go(deployed, configs, capfd):
    _add_tables(configs, 2000, "foodsearch/order_line_item_{:04d}")
    before = record(deployed)
    _, out = refused_offline(capfd, "DMS006")
    assert "stack dms-food:" in out
    assert "over CloudFormation's limit of 1,048,576 bytes" in out
    assert status("food-foodsearch") == "running"
    assert_promises(before, deployed, configs, converged=False)


def test_a_task_over_the_inline_limit_deploys_through_s3(deployed, configs):
    """The GO half of the 2,000-table scenario, at 300 tables.

    2,000 tables named `s/t0000` render to about 1.03 MB, under the 1,048,576-byte
    TemplateURL limit, and plan GO (tests/unit/test_template_limit.py); deployed through
    the DAG they also pass here, but the sandbox's run then takes about two minutes on a
    busy 2-core machine (roughly 35 ms per table on top of a fixed cost). 300 tables keep
    the scenario near half a minute and still give a template far over CloudFormation's
    inline limit of 51,200 bytes, so the deploy must go through S3 as a TemplateURL:
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
    """
    _add_tables(configs, 300, "s/t{:04d}")
    before = record(deployed)
    result = trigger()
    assert result.state == "success", result.tasks
    body = boto3.client("cloudformation").get_template(
        StackName="dms-food", TemplateStage="Original"
    )["TemplateBody"]
    body = body if isinstance(body, str) else json.dumps(body)
    size = len(body.encode())
    assert MAX_INLINE_TEMPLATE_BYTES < size <= TEMPLATE_URL_LIMIT
    digest = hashlib.sha256(body.encode()).hexdigest()
    key = f"dms/cloudformation/dms-food/{digest}.yaml"
    assert boto3.client("s3").head_object(Bucket=BUCKET, Key=key)["ContentLength"] == size
    assert any("/LOAD" in k for k in objects_in(folder("fooddb/s/t0299", "v202401010000")))
    assert_promises(before, deployed, configs, may_stop={"food-foodsearch"})

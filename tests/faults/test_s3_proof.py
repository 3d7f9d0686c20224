"""The S3 proof reads only the folders a step loads into or leaves, and still catches an
overwrite there, however many objects the folder holds."""

from __future__ import annotations

import boto3
import pytest

from dms_deploy.apply.s3_guard import SMALL_FOLDER
from scripts.local_airflow import returns, trigger
from tests.faults.promises import BUCKET, assert_promises, record
from tests.faults.scenario import edit_team, folder, objects_in

pytestmark = [pytest.mark.sandbox, pytest.mark.e2e, pytest.mark.faults]

RECIPES = "food-recipes"
REMOVED = folder("recipesdb/public/recipes", "v202101010000")


def remove_first_recipes_table(doc: dict) -> None:
    doc["tasks"]["recipes"]["tables"] = doc["tasks"]["recipes"]["tables"][1:]


def cdc_file(n: int) -> str:
    return f"{REMOVED}2026/01/01/cdc-{n:05d}.csv"


def test_a_removed_table_is_the_only_folder_the_proof_reads(deployed, configs):
    edit_team(configs, "food", remove_first_recipes_table)
    before = record(deployed)
    result = trigger()
    assert result.state == "success", result.tasks
    (paused,) = returns(result, "step_1.pause_tasks")
    # Every other folder of the stack (the food team has 17) is left alone, so not read.
    assert list(paused["records"]) == [REMOVED]
    (verified,) = returns(result, "step_1.verify_no_s3_overwrite")
    assert verified["folders"] == 1
    assert_promises(before, deployed, configs, may_stop={RECIPES})


def test_an_overwrite_in_a_large_folder_the_step_leaves_is_caught(deployed, configs, capfd):
    """More than SMALL_FOLDER objects: the folder is recorded as a digest, not key by key."""
    s3 = boto3.client("s3")
    for n in range(SMALL_FOLDER + 5):
        s3.put_object(Bucket=BUCKET, Key=cdc_file(n), Body=f"change {n}".encode())
    held = len(objects_in(REMOVED))
    edit_team(configs, "food", remove_first_recipes_table)

    def overwrite() -> None:
        s3.put_object(Bucket=BUCKET, Key=cdc_file(7), Body=b"rewritten")

    failed = trigger(before={"step_1.verify_no_s3_overwrite": overwrite})
    assert failed.state == "failed"
    assert failed.state_of("step_1.verify_no_s3_overwrite") == ["failed"]
    (paused,) = returns(failed, "step_1.pause_tasks")
    assert "objects" not in paused["records"][REMOVED]
    assert paused["records"][REMOVED]["count"] == held
    out = capfd.readouterr().out
    assert f"{REMOVED} changed: it held {held} objects" in out
    assert "overwritten or removed (objects modified since: 2026/01/01/cdc-00007.csv)" in out

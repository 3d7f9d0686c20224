"""End to end: the real DAG deploys the example configs into an empty account."""

from __future__ import annotations

import boto3
import pytest

from scripts.local_airflow import trigger

pytestmark = [pytest.mark.sandbox, pytest.mark.e2e]


def test_first_deploy_creates_stacks_runs_tasks_and_loads_into_documented_folders(account):
    result = trigger({"git_sha": "abc123"})
    assert result.state == "success", result.tasks

    cfn = boto3.client("cloudformation")
    names = {s["StackName"]: s["StackStatus"] for s in cfn.describe_stacks()["Stacks"]}
    for stack in ("dms-base", "dms-food", "dms-payments", "dms-logistics"):
        assert names[stack] == "CREATE_COMPLETE"

    dms = boto3.client("dms")
    tasks = {
        t["ReplicationTaskIdentifier"]: t["Status"]
        for t in dms.describe_replication_tasks()["ReplicationTasks"]
    }
    assert tasks["payments-refunds-archive"] in ("ready", "stopped")  # configured paused
    # A full-load task stops by itself once its load is done.
    assert tasks["logistics-fleet-archive"] in ("running", "stopped")
    running = {k for k, v in tasks.items() if v == "running"}
    assert running - {"logistics-fleet-archive"} == set(tasks) - {
        "payments-refunds-archive",
        "logistics-fleet-archive",
    }

    s3 = boto3.client("s3")
    keys = [
        o["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket="acme-data-lake")
        for o in page.get("Contents", [])
    ]
    assert any(
        k.startswith("dms/data/fooddb__foodsearch__barcodes__v202008040000/LOAD") for k in keys
    )

    # The grid names mapped instances by stack and action, and each step links to consoles.
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        names = {
            ti.rendered_map_index
            for ti in session.query(TaskInstance).filter_by(
                run_id=result.run_id, task_id="step_2.deploy_stack"
            )
        }
        link = (
            session.query(XComModel)
            .filter_by(
                run_id=result.run_id,
                task_id="step_2.deploy_stack",
                key="_link_CloudFormationStackLink",
            )
            .first()
        )
    assert "dms-food (create)" in names, names
    assert link is not None and "filteringText=dms-" in str(link.value)

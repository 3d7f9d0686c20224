"""End to end: the DAG with a `full-load` task, a `cdc` task, and an endpoint whose
connection test fails after a change."""

from __future__ import annotations

import time

import boto3
import pytest

from scripts.local_airflow import clear_failed_and_rerun, returns
from tests.dag.test_scenarios import edit_team, folder, objects, plan_of, statuses, trigger

pytestmark = [pytest.mark.sandbox, pytest.mark.e2e]

ARCHIVE = "logistics-fleet-archive"


def live(task_id: str) -> dict:
    filters = [{"Name": "replication-task-id", "Values": [task_id]}]
    return boto3.client("dms").describe_replication_tasks(Filters=filters)["ReplicationTasks"][0]


def wait_for(condition, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def finished(task_id: str) -> bool:
    task = live(task_id)
    return task["Status"] == "stopped" and "FULL_LOAD_ONLY_FINISHED" in task.get("StopReason", "")


def test_full_load_task_loads_stops_by_itself_and_later_loads_an_added_table(deployed, configs):
    # Deployed and started like every task (test_first_deploy does it through the DAG).
    wait_for(lambda: finished(ARCHIVE), "the full load to finish")
    trips = folder("fleetdb", "archive", "trips_2023", "v202611010000")
    assert any(k.startswith(trips + "LOAD") for k in objects(trips))

    # Stopped by DMS, as configured: no drift, nothing to do.
    again = trigger()
    assert again.state == "success", again.tasks
    plan = plan_of(again)
    assert plan["go"] and plan["steps"] == [], plan

    # A table added to the finished task: deployed, then loaded by a resume, which stops.
    edit_team(
        configs,
        "logistics",
        lambda d: d["tasks"]["fleet-archive"]["tables"].append(
            {"source": "fleetdb/archive/fuel_2023", "version": "v202612010000"}
        ),
    )
    before = objects()
    added = trigger()
    assert added.state == "success", added.tasks
    (step,) = plan_of(added)["steps"]
    assert step["pause"] == [] and step["start"] == {ARCHIVE: "resume-processing"}
    assert returns(added, "step_1.resume_tasks") == [{ARCHIVE: "resume-processing"}]
    wait_for(lambda: finished(ARCHIVE), "the added table's load")
    fuel = folder("fleetdb", "archive", "fuel_2023", "v202612010000")
    assert any(k.startswith(fuel + "LOAD") for k in objects(fuel))
    after = objects()
    assert all(after.get(key) == seen for key, seen in before.items())  # nothing rewritten

    settled = trigger()
    assert settled.state == "success", settled.tasks
    assert plan_of(settled)["steps"] == []


def test_cdc_task_bump_needs_cdc_only(deployed, configs, capfd):
    # A cdc task under a new name (the migration type of a task cannot change).
    def new_cdc_task(doc: dict) -> None:
        fleet = doc["tasks"]["fleet"]
        doc["tasks"]["fleet-changes"] = {
            **fleet,
            "migration_type": "cdc",
            "tables": [
                {"source": "fleetdb/public/routes", "version": "v202612010000", "cdc_only": True}
            ],
        }

    edit_team(configs, "logistics", new_cdc_task)
    created = trigger()
    assert created.state == "success", created.tasks
    assert statuses()["logistics-fleet-changes"] == "running"
    routes = folder("fleetdb", "public", "routes", "v202612010000")
    assert not any("LOAD" in k for k in objects(routes))  # changes only, as opted in

    def bump(doc: dict, cdc_only: bool) -> None:
        (table,) = doc["tasks"]["fleet-changes"]["tables"]
        table["version"] = "v202612020000"
        table["cdc_only"] = cdc_only

    edit_team(configs, "logistics", lambda d: bump(d, cdc_only=False))
    refused = trigger()
    assert refused.state == "failed"
    assert "no-go: DMS109 failed" in capfd.readouterr().out

    edit_team(configs, "logistics", lambda d: bump(d, cdc_only=True))
    bumped = trigger()
    assert bumped.state == "success", bumped.tasks
    assert len(plan_of(bumped)["steps"]) == 1  # a rename in place, no removal step
    assert statuses()["logistics-fleet-changes"] == "running"


def test_resume_waits_for_a_changed_endpoints_connection_test_and_fails_with_it(
    deployed, configs, capfd
):
    dms = boto3.client("dms")
    task = live("food-recipes")
    endpoint, instance = task["SourceEndpointArn"], task["ReplicationInstanceArn"]

    def connection_status() -> str | None:
        found = dms.describe_connections(Filters=[{"Name": "endpoint-arn", "Values": [endpoint]}])[
            "Connections"
        ]
        return found[0]["Status"] if found else None

    # The connection was tested once, as when the endpoint was set up.
    wait_for(
        lambda: (
            dms.describe_replication_instances()["ReplicationInstances"][0][
                "ReplicationInstanceStatus"
            ]
            == "available"
        ),
        "the instance",
    )
    dms.test_connection(ReplicationInstanceArn=instance, EndpointArn=endpoint)
    wait_for(lambda: connection_status() == "successful", "the first connection test")

    deployed.fail_connection("food-recipesdb", "Cannot connect to recipesdb.internal:5433")
    edit_team(configs, "food", lambda d: d["endpoints"]["recipesdb"].update(port=5433))
    result = trigger()
    assert result.state == "failed"
    assert result.state_of("step_1.resume_tasks") == ["failed"]
    out = capfd.readouterr().out + capfd.readouterr().err
    assert "Cannot connect to recipesdb.internal:5433" in out
    assert statuses()["food-recipes"] == "stopped"  # not started against a failed endpoint

    # Fixed (here: the fault cleared) and tested again: clearing the step converges.
    deployed.clear_faults()
    dms.test_connection(ReplicationInstanceArn=instance, EndpointArn=endpoint)
    wait_for(lambda: connection_status() == "successful", "the second connection test")
    rerun = clear_failed_and_rerun(result.run_id)
    assert rerun.state == "success", rerun.tasks
    assert statuses()["food-recipes"] == "running"

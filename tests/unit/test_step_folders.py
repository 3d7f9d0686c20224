"""Which table folders a step's S3 proof reads: the ones it loads into or leaves, only."""

from __future__ import annotations

import json

from dms_deploy.apply.step_folders import folders_to_prove

V1, V2 = "v202401010000", "v202501010000"


def folder(table: str, version: str = V1) -> str:
    return f"db__public__{table}__{version}"


def template(tasks: dict[str, list[str]], logical_ids: dict[str, str] | None = None) -> dict:
    """A stack whose tasks write to the given folders (their rename-table values)."""
    resources = {}
    for task, folders in tasks.items():
        rules = [
            {"rule-type": "transformation", "rule-target": "table", "value": f} for f in folders
        ]
        lid = (logical_ids or {}).get(task, task.title().replace("-", ""))
        resources[lid] = {
            "Type": "AWS::DMS::ReplicationTask",
            "Properties": {
                "ReplicationTaskIdentifier": task,
                "TableMappings": json.dumps({"rules": rules}),
            },
        }
    return {"Resources": resources}


# A team of two tasks; the step changes only the first one.
UNTOUCHED = [folder(f"quiet{n}") for n in range(50)]
DEPLOYED = template({"t-a": [folder("orders"), folder("items")], "t-b": UNTOUCHED})


def test_a_bump_reads_only_the_folder_it_leaves_and_the_one_it_loads_not_the_others():
    new = template({"t-a": [folder("orders", V2), folder("items")], "t-b": UNTOUCHED})
    read = folders_to_prove(new, DEPLOYED, start={"t-a": "resume-processing"})
    assert read == sorted([folder("orders"), folder("orders", V2)])
    assert not set(read) & set(UNTOUCHED)
    assert folder("items") not in read  # same folder, same task, resumed: CDC only


def test_a_removed_table_and_an_added_table_are_read():
    new = template({"t-a": [folder("items"), folder("new")], "t-b": UNTOUCHED})
    read = folders_to_prove(new, DEPLOYED, start={"t-a": "resume-processing"})
    assert read == sorted([folder("orders"), folder("new")])


def test_a_table_moved_to_another_task_is_read_it_would_load_again():
    new = template({"t-a": [folder("items")], "t-b": [*UNTOUCHED, folder("orders")]})
    read = folders_to_prove(new, DEPLOYED, start={})
    assert read == [folder("orders")]


def test_every_folder_of_a_task_that_reloads_or_runs_for_the_first_time_is_read():
    new = template({"t-a": [folder("orders", V2), folder("items", V2)], "t-b": UNTOUCHED})
    reload = folders_to_prove(new, DEPLOYED, start={"t-a": "reload-target"})
    assert set(reload) == {folder(t, v) for t in ("orders", "items") for v in (V1, V2)}
    same = template({"t-a": [folder("orders"), folder("items")], "t-b": UNTOUCHED})
    first_run = folders_to_prove(same, DEPLOYED, start={}, first_runs=["t-a"])
    assert first_run == sorted([folder("orders"), folder("items")])
    planned = folders_to_prove(same, DEPLOYED, start={"t-a": "start-replication"})
    assert planned == first_run


def test_a_replaced_task_is_read_whole():
    same = template({"t-a": [folder("orders"), folder("items")], "t-b": UNTOUCHED})
    announced = folders_to_prove(same, DEPLOYED, start={}, announced=["TA"])
    assert announced == sorted([folder("orders"), folder("items")])
    renamed = template({"t-a": [folder("orders"), folder("items")]}, {"t-a": "Other"})
    assert set(folders_to_prove(renamed, DEPLOYED, start={})) >= {folder("orders")}


def test_a_deleted_stack_leaves_every_folder_and_a_rerun_after_the_deploy_reads_the_loads():
    every = {folder("orders"), folder("items"), *UNTOUCHED}
    assert set(folders_to_prove(None, DEPLOYED, start={})) == every
    new = template({"t-a": [folder("orders", V2), folder("items")], "t-b": UNTOUCHED})
    rerun = folders_to_prove(new, new, start={}, fresh=[folder("orders", V2)])
    assert rerun == [folder("orders", V2)]


def test_a_new_stack_reads_only_its_new_folders():
    new = template({"t-a": [folder("orders")]})
    assert folders_to_prove(new, None, start={"t-a": "start-replication"}) == [folder("orders")]

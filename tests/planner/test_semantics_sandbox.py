"""Plans against the sandbox where live AWS state decides: a full-load task that finished,
settings edited in DMS, exports in use, and a team-scoped plan with a changed base stack."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from tests.planner import sandbox_world as sw
from tests.planner import world
from tests.planner.sandbox_world import READ_ONLY_PREFIXES
from tests.planner.test_exports_in_use import OLD, renamed_target

pytestmark = pytest.mark.sandbox

ARCHIVE = "logistics-fleet-archive"


def live_task(aws, task_id: str) -> dict:
    filters = [{"Name": "replication-task-id", "Values": [task_id]}]
    return aws.dms.describe_replication_tasks(Filters=filters)["ReplicationTasks"][0]


def test_full_load_task_finishes_by_itself_and_plans_no_changes(deployed):
    _, aws = deployed
    sw.wait(lambda: sw.task_status(aws, ARCHIVE) == "stopped", "the full load to finish")
    assert "FULL_LOAD_ONLY_FINISHED" in live_task(aws, ARCHIVE)["StopReason"]
    plan = sw.plan(world.example(), aws)
    assert plan.go and plan.no_changes, [(c.id, c.findings) for c in plan.checks]


def test_settings_edited_in_dms_are_drift(deployed):
    _, aws = deployed
    sw.wait(lambda: sw.task_status(aws, ARCHIVE) == "stopped", "the full load to finish")
    task = live_task(aws, ARCHIVE)
    settings = json.loads(task["ReplicationTaskSettings"])
    settings["FullLoadSettings"]["MaxFullLoadSubTasks"] = 49
    aws.dms.modify_replication_task(
        ReplicationTaskArn=task["ReplicationTaskArn"],
        ReplicationTaskSettings=json.dumps(settings),
    )
    plan = sw.plan(world.example(), aws)
    assert [c.id for c in plan.checks if c.status == "fail"] == ["DMS108"]
    (finding,) = plan.check("DMS108").findings
    assert "FullLoadSettings.MaxFullLoadSubTasks" in finding.message
    assert finding.task == "fleet-archive"


def test_export_in_use_is_a_no_go_read_with_one_list_imports_call(deployed):
    sandbox, aws = deployed
    _, after = renamed_target()
    plan = sw.plan(after, aws)
    assert not plan.go
    errors = [f.message for f in plan.check("DMS101").findings if f.severity == "error"]
    assert len(errors) == 1 and OLD in errors[0]
    assert "dms-logistics, dms-payments import it" in errors[0]
    operations = [c["operation"] for c in sandbox.calls()]
    # read_state once: one ListImports, for the one export that goes away.
    assert operations.count("ListImports") == 1
    writes = [op for op in operations if not op.startswith(READ_ONLY_PREFIXES)]
    assert set(writes) <= {"ValidateTemplate"}, writes


def test_teams_filter_plans_a_changed_base_stack_and_the_tasks_it_restarts(deployed):
    _, aws = deployed
    before = world.example()
    target = replace(before.base.targets["s3-1min"], cdc_max_batch_interval_seconds=120)
    after = replace(
        before, base=replace(before.base, targets={**before.base.targets, "s3-1min": target})
    )
    plan = sw.plan(after, aws, teams={"food"})
    (step,) = plan.steps
    assert [s.name for s in step.stacks] == ["dms-base"]
    on_1min = sorted(t.identifier for t in before.all_tasks() if t.target == "s3-1min")
    assert on_1min and sorted(step.pause) == on_1min  # teams outside the filter too
    assert plan.go, [(c.id, c.findings) for c in plan.checks if c.status == "fail"]

"""The apply layer against the sandbox: each safety rule holds, and each refusal happens."""

from __future__ import annotations

import json

import boto3
import pytest
import yaml

from dms_deploy.apply.dms_tasks import (
    MissingTasks,
    Waiting,
    describe_tasks,
    loading_tables,
    pause_tasks,
    resume_tasks,
)
from dms_deploy.apply.errors import ApplyError, PreconditionFailed
from dms_deploy.apply.polling import wait_until
from dms_deploy.apply.s3_guard import find_overwrites, snapshot
from dms_deploy.apply.stacks import (
    change_set_name,
    delete_stack,
    deploy_stack,
    ensure_deployable,
    is_deployed,
    stack_progress,
)
from dms_deploy.config.load import load_configs
from dms_deploy.paths import REPO_ROOT, default_templates_dir
from dms_deploy.render.stacks import render_base_stack, render_team_stack

pytestmark = pytest.mark.sandbox

FAST = Waiting(timeout_seconds=60, poll_seconds=0.05)
TASK = "food-recipes"
BUCKET = "acme-data-lake"


def settle(cfn, name: str, deleted: bool = False) -> None:
    def done() -> bool | None:
        progress = stack_progress(cfn, name, expect_deleted=deleted)
        if progress.done and not progress.ok:
            raise AssertionError(progress.describe())
        return True if progress.done else None

    wait_until(done, what=name, timeout_seconds=60, poll_seconds=0.05)


@pytest.fixture
def food(bootstrapped_sandbox):
    """The base stack and the food team deployed, food's tasks running, loads finished."""
    configs = load_configs(REPO_ROOT / "dms_configs").configs
    cfn, dms = boto3.client("cloudformation"), boto3.client("dms")
    templates = default_templates_dir()
    for stack in (
        render_base_stack(configs, templates),
        render_team_stack(configs, "food", templates),
    ):
        deploy_stack(cfn, stack.name, stack.body, poll_seconds=0.05)
        settle(cfn, stack.name)
    tasks = [t.identifier for t in configs.teams["food"].tasks.values()]
    resume_tasks(dms, tasks, waiting=FAST)
    arns = [t["ReplicationTaskArn"] for t in describe_tasks(dms, tasks).values()]
    wait_until(
        lambda: None if any(loading_tables(dms, a) for a in arns) else True,
        what="loads",
        timeout_seconds=60,
        poll_seconds=0.05,
    )
    body = render_team_stack(configs, "food", templates).body
    return bootstrapped_sandbox, cfn, dms, body


def edited(body: str, change) -> str:
    template = yaml.safe_load(body)
    (task,) = [
        r
        for r in template["Resources"].values()
        if r["Type"] == "AWS::DMS::ReplicationTask"
        and r["Properties"]["ReplicationTaskIdentifier"] == TASK
    ]
    change(task["Properties"])
    return json.dumps(template)


def test_deploying_the_same_template_again_changes_nothing(food):
    _, cfn, _, body = food
    assert is_deployed(cfn, "dms-food", body)
    assert deploy_stack(cfn, "dms-food", body).action == "unchanged"


def test_an_unannounced_replacement_is_refused_and_the_change_set_deleted(food):
    _, cfn, dms, body = food
    replaced = edited(body, lambda p: p.update(MigrationType="cdc"))
    with pytest.raises(ApplyError, match="would be replaced"):
        deploy_stack(cfn, "dms-food", replaced, announced=(), poll_seconds=0.05)
    listed = cfn.list_change_sets(StackName="dms-food")["Summaries"]
    assert change_set_name(replaced) not in {c["ChangeSetName"] for c in listed}
    assert stack_progress(cfn, "dms-food").status == "CREATE_COMPLETE"
    assert describe_tasks(dms, [TASK])[TASK]["MigrationType"] == "full-load-and-cdc"


def test_pause_refuses_during_a_full_load_and_stops_nothing(food):
    sandbox, _, dms, _ = food
    arn = describe_tasks(dms, [TASK])[TASK]["ReplicationTaskArn"]
    sandbox.hold_full_load(TASK)
    pause_tasks(dms, [TASK], FAST)
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="reload-target")
    wait_until(
        lambda: True if loading_tables(dms, arn) else None,
        what="the reload",
        timeout_seconds=30,
        poll_seconds=0.05,
    )
    with pytest.raises(PreconditionFailed, match="full load is in progress"):
        pause_tasks(dms, ["food-foodsearch", TASK], FAST)
    statuses = {i: t["Status"] for i, t in describe_tasks(dms, ["food-foodsearch", TASK]).items()}
    assert statuses == {"food-foodsearch": "running", TASK: "running"}


def test_resume_never_starts_a_task_configured_paused_and_picks_the_start_type(food):
    _, _, dms, _ = food
    assert pause_tasks(dms, [TASK, "food-foodsearch"], FAST) == ["food-foodsearch", TASK]
    with pytest.raises(MissingTasks) as missing:  # a planned start of a missing task fails
        resume_tasks(
            dms,
            [TASK, "food-foodsearch", "food-missing"],
            keep_stopped=["food-foodsearch"],
            waiting=FAST,
            planned={TASK: "start-replication"},
        )
    assert missing.value.missing == ["food-missing"]
    assert missing.value.outcome == {
        TASK: "resume-processing",  # it ran before: start-replication would be refused
        "food-foodsearch": "configured paused",
        "food-missing": "does not exist",
    }
    statuses = {i: t["Status"] for i, t in describe_tasks(dms, [TASK, "food-foodsearch"]).items()}
    assert statuses == {TASK: "running", "food-foodsearch": "stopped"}


def test_the_s3_guard_sees_a_reload_overwrite_its_files(food):
    _, _, dms, _ = food
    s3 = boto3.client("s3")
    prefix = "dms/data/recipesdb__public__recipes__v202101010000/"
    before = snapshot(s3, BUCKET, [prefix])
    assert before and find_overwrites(before, snapshot(s3, BUCKET, [prefix]), []) == []
    pause_tasks(dms, [TASK], FAST)
    resume_tasks(dms, [TASK], waiting=FAST, planned={TASK: "reload-target"})
    arn = describe_tasks(dms, [TASK])[TASK]["ReplicationTaskArn"]
    wait_until(
        lambda: None if loading_tables(dms, arn) else True,
        what="the reload",
        timeout_seconds=30,
        poll_seconds=0.05,
    )
    problems = find_overwrites(before, snapshot(s3, BUCKET, [prefix]), [])
    assert any("was overwritten" in p for p in problems)


def test_a_removed_team_stack_is_deleted_and_its_data_stays(food):
    _, cfn, dms, _ = food
    s3 = boto3.client("s3")
    before = snapshot(s3, BUCKET, ["dms/data/"])
    pause_tasks(
        dms,
        [t for t in describe_tasks(dms, [TASK, "food-foodsearch", "food-foodsearch-reload"])],
        FAST,
    )
    assert delete_stack(cfn, "dms-food").expect_deleted
    settle(cfn, "dms-food", deleted=True)
    assert delete_stack(cfn, "dms-food").action == "deleted"
    assert describe_tasks(dms, [TASK]) == {}
    after = snapshot(s3, BUCKET, ["dms/data/"])
    assert all(after.get(key) == seen for key, seen in before.items())


def test_a_busy_stack_is_refused_before_anything_is_stopped(food):
    """Another operation on the stack (here a held update) is a precondition failure:
    `ensure_deployable`, which the pause step calls before it stops a task, refuses it, and
    so does the deploy step."""
    sandbox, cfn, dms, body = food
    sandbox.hold_stack("dms-food")
    template = yaml.safe_load(body)
    template["Outputs"]["Owner"] = {"Value": "someone"}  # touches no running task
    other = json.dumps(template)
    cfn.update_stack(
        StackName="dms-food", TemplateBody=other, Capabilities=["CAPABILITY_NAMED_IAM"]
    )
    ours = edited(body, lambda p: p["Tags"].append({"Key": "owner", "Value": "us"}))
    with pytest.raises(PreconditionFailed, match="is busy"):
        ensure_deployable(cfn, "dms-food", ours)
    with pytest.raises(PreconditionFailed, match="is busy"):
        deploy_stack(cfn, "dms-food", ours, poll_seconds=0.05)
    assert describe_tasks(dms, [TASK])[TASK]["Status"] == "running"
    sandbox.clear_faults()
    settle(cfn, "dms-food")

"""The six safety promises, checked against the sandbox after a scenario.

1. no full load was interrupted (the sandbox records every stop that cancelled a load);
2. no S3 object under data/ changed or vanished, and no LOAD file appeared in a folder
   that already held data;
3. no task outside the scenario's change was stopped (its StopDate and status are as before);
4. no task is stopped against its config (or running against a paused config);
5. no silent CDC gap: every running task replicates exactly its configured active tables;
6. nothing is left to deploy: a fresh plan of the configs is a go with no steps (the
   scenario itself asserts the clear error of the failed run and the clear-and-rerun).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from dms_deploy.apply.s3_guard import Snapshot, find_overwrites, snapshot
from dms_deploy.apply.stacks import parse_template
from dms_deploy.paths import default_templates_dir
from dms_deploy.plan.views import TaskView, deployed_views, mapped_tables
from dms_deploy.planning import plan_against_aws
from dms_deploy.state.clients import AwsClients
from sandbox.client import SandboxClient

BUCKET = "acme-data-lake"
DATA = "dms/data/"


def objects(prefix: str = DATA) -> Snapshot:
    """Every object under the prefix, with its ETag and LastModified (as the proof reads)."""
    return snapshot(boto3.client("s3"), BUCKET, [prefix])


def tasks() -> dict[str, dict[str, Any]]:
    found = boto3.client("dms").describe_replication_tasks()["ReplicationTasks"]
    return {t["ReplicationTaskIdentifier"]: t for t in found}


def deployed_tasks() -> dict[str, TaskView]:
    """Every task of every deployed stack, as its template says (tables, paused)."""
    cfn = boto3.client("cloudformation")
    views: dict[str, TaskView] = {}
    for stack in cfn.describe_stacks()["Stacks"]:
        if stack["StackStatus"].startswith("DELETE"):
            continue
        body = cfn.get_template(StackName=stack["StackName"], TemplateStage="Original")
        views |= deployed_views(parse_template(body["TemplateBody"]), stack["StackName"])
    return views


def _stopped_at(task: dict[str, Any]) -> Any:
    return task.get("ReplicationTaskStats", {}).get("StopDate")


@dataclass(frozen=True)
class Before:
    """What the account looked like before the scenario acted."""

    objects: Snapshot
    tasks: dict[str, tuple[str, Any]]  # id -> (status, StopDate)
    interrupted: int


def record(sandbox: SandboxClient) -> Before:
    return Before(
        objects=objects(),
        tasks={i: (t["Status"], _stopped_at(t)) for i, t in tasks().items()},
        interrupted=len(sandbox.interrupted_loads()),
    )


def assert_promises(
    before: Before,
    sandbox: SandboxClient,
    configs: Path,
    *,
    may_stop: set[str] = frozenset(),
    converged: bool = True,
    missing_ok: set[str] = frozenset(),
    environment: str | None = None,
) -> None:
    """All six promises, now. `may_stop`: the tasks the scenario's change may stop;
    `missing_ok`: tasks the scenario deleted behind CloudFormation's back; `environment`:
    the environment of environments.json the configs are planned for."""
    problems: list[str] = []
    # 1. No full load interrupted.
    for stop in sandbox.interrupted_loads()[before.interrupted :]:
        problems.append(f"promise 1: a stop of {stop['task_id']} cut loads: {stop['tables']}")
    # 2. No S3 object overwritten or deleted; no LOAD file in a folder that held data.
    problems += [f"promise 2: {p}" for p in find_overwrites(before.objects, objects(), [])]
    # 3. No task outside the change was stopped.
    live = tasks()
    for ident, (status, stopped_at) in sorted(before.tasks.items()):
        if ident in may_stop or ident not in live:
            continue
        now = (live[ident]["Status"], _stopped_at(live[ident]))
        if now != (status, stopped_at):
            problems.append(f"promise 3: {ident} was {status}, is {now[0]} (StopDate changed)")
    # 4 and 5. Every task as its stack says (the config, once converged): running unless
    # paused, and replicating exactly the stack's active tables.
    for ident, view in sorted(deployed_tasks().items()):
        found = live.get(ident)
        if found is None and ident in missing_ok:
            continue
        if found is None:
            problems.append(f"promise 4: {ident} is in its stack but not in DMS")
            continue
        running = found["Status"] in ("running", "starting")
        finished = found.get("StopReason", "").endswith("FULL_LOAD_ONLY_FINISHED")
        if view.paused and running:
            problems.append(f"promise 4: {ident} runs, but is configured paused")
        if not view.paused and not running and not finished:
            problems.append(f"promise 4: {ident} is {found['Status']} against its config")
        if running and mapped_tables(found.get("TableMappings")) != view.active:
            problems.append(f"promise 5: {ident} does not replicate what its stack says")
    # 6. Nothing left to do: the same configs plan no steps, and the plan is a go.
    if converged:
        plan = plan_against_aws(
            configs,
            default_templates_dir(),
            lambda: AwsClients.from_hooks(aws_conn_id=None),
            environment=environment,
        ).plan
        assert plan is not None
        if not plan.go or plan.steps:
            failed = [c.id for c in plan.checks if c.status == "fail"]
            problems.append(
                f"promise 6: not converged (go={plan.go}, failed={failed}, "
                f"{len(plan.steps)} steps left)"
            )
    assert not problems, "\n".join(problems)

"""Plan at scale: 10,000 tables in 200 tasks, deployed into the sandbox, a few tables changed.

    .venv/bin/python bench/plan_scale.py [--teams 20] [--tasks-per-team 10] [--tables 50]

Starts its own sandbox subprocess, deploys the generated configs (stacks created directly,
every task started and fully loaded), changes a few tables, then times `read_state` +
`make_plan` (what `dmsctl plan` does after the offline checks) and prints the seconds, the
API calls by operation and the calls per task. Target: no call per unchanged table, < 10 s.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from dms_deploy.apply.stacks import deploy_stack  # noqa: E402
from dms_deploy.apply.template_store import TemplateStore  # noqa: E402
from dms_deploy.config.load import load_configs  # noqa: E402
from dms_deploy.config.models import Configs, Endpoint, Instance, Table, Task, TeamConfig  # noqa: E402
from dms_deploy.paths import default_configs_dir, default_templates_dir  # noqa: E402
from dms_deploy.plan.analysis import Desired  # noqa: E402
from dms_deploy.plan.make import make_plan  # noqa: E402
from dms_deploy.render.stacks import render_all, render_team_stack  # noqa: E402
from sandbox.launch import point_aws_at, running_sandbox  # noqa: E402

TIME_SCALE = "0.002"
VERSION = "v202001010000"
NEW = "v202611250000"
POLL = 0.05


def generate(teams: int, tasks_per_team: int, tables: int) -> Configs:
    example = load_configs(default_configs_dir()).configs
    assert example is not None
    secret = example.teams["food"].endpoints["fooddb"].secret  # bootstrap creates it
    team_configs = {}
    for t in range(teams):
        team = f"team{t:02d}"
        endpoint = Endpoint("srcdb", "mysql", "srcdb.internal", 3306, secret)
        tasks = {
            f"task{k:02d}": Task(
                team=team,
                name=f"task{k:02d}",
                instance="main",
                endpoint="srcdb",
                target="s3-10min",
                tables=tuple(
                    Table("srcdb", f"schema{k:02d}", f"table{n:03d}", VERSION)
                    for n in range(tables)
                ),
            )
            for k in range(tasks_per_team)
        }
        team_configs[team] = TeamConfig(
            file=f"teams/{team}.json",
            team=team,
            endpoints={"srcdb": endpoint},
            instances={"main": Instance("main", "dms.r5.large", 100)},
            tasks=tasks,
        )
    return Configs(base=example.base, teams=team_configs)


def change_a_few(configs: Configs) -> Configs:
    """A version bump (two steps), a new table, and a parallel reload in a new task."""
    team = configs.teams["team00"]
    first = team.tasks["task00"]
    bumped = replace(first, tables=(replace(first.tables[0], version=NEW), *first.tables[1:]))
    second = team.tasks["task01"]
    added = replace(second, tables=(*second.tables, Table("srcdb", "schema01", "fresh", NEW)))
    reload = replace(
        team.tasks["task02"],
        name="task02r",
        tables=(replace(team.tasks["task02"].tables[5], version=NEW),),
    )
    tasks = {**team.tasks, "task00": bumped, "task01": added, "task02r": reload}
    return replace(configs, teams={**configs.teams, "team00": replace(team, tasks=tasks)})


def wait(condition, what: str, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(POLL)


def deploy(configs: Configs, clients) -> None:
    cfn, dms = clients.cloudformation, clients.dms
    # Team templates at this scale exceed the inline limit: they go through S3, as in apply.
    store = TemplateStore(clients.s3, configs.base.bucket, configs.base.bucket_folder)
    for stack in render_all(configs, default_templates_dir()):
        deploy_stack(cfn, stack.name, stack.body, store=store, poll_seconds=POLL)

        def done(name: str = stack.name) -> bool:
            status = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
            assert not status.endswith(("FAILED", "ROLLBACK_COMPLETE")), (name, status)
            return not status.endswith("IN_PROGRESS")

        wait(done, stack.name)
    tasks = [t for page in dms.get_paginator("describe_replication_tasks").paginate()
             for t in page["ReplicationTasks"]]  # fmt: skip
    wait(lambda: all(_status(dms, t) == "ready" for t in tasks), "tasks ready")
    for task in tasks:
        dms.start_replication_task(
            ReplicationTaskArn=task["ReplicationTaskArn"],
            StartReplicationTaskType="start-replication",
        )
    wait(lambda: all(_status(dms, t) == "running" for t in tasks), "tasks running")


def _status(dms, task: dict) -> str:
    filters = [{"Name": "replication-task-arn", "Values": [task["ReplicationTaskArn"]]}]
    return dms.describe_replication_tasks(Filters=filters, WithoutSettings=True)[
        "ReplicationTasks"
    ][0]["Status"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=20)
    parser.add_argument("--tasks-per-team", type=int, default=10)
    parser.add_argument("--tables", type=int, default=50)
    args = parser.parse_args()

    with running_sandbox(float(TIME_SCALE)) as sandbox:
        point_aws_at(sandbox.url)
        from dms_deploy.state.clients import AwsClients
        from dms_deploy.state.read import read_state

        sandbox.bootstrap(str(default_configs_dir()))
        configs = generate(args.teams, args.tasks_per_team, args.tables)
        clients = AwsClients.from_hooks(aws_conn_id=None, region_name="us-east-1")
        started = time.perf_counter()
        deploy(configs, clients)
        print(f"deployed {len(configs.all_tasks())} tasks, "
              f"{sum(len(t.tables) for t in configs.all_tasks())} tables "
              f"in {time.perf_counter() - started:.1f} s")  # fmt: skip

        changed = change_a_few(configs)
        templates = default_templates_dir()
        desired = Desired(
            configs=changed,
            stacks={s.name: s for s in render_all(changed, templates)},
            render_team=lambda c, team: render_team_stack(c, team, templates),
        )
        sandbox.clear_calls()
        started = time.perf_counter()
        observed = read_state(desired, clients)
        plan = make_plan(desired, observed)
        seconds = time.perf_counter() - started

        calls = collections.Counter(c["operation"] for c in sandbox.calls())
        tasks = len(configs.all_tasks())
        print(f"plan: {seconds:.2f} s, {len(plan.steps)} steps, go={plan.go}")
        for step in plan.steps:
            print(f"  {step.name}: {[s.name for s in step.stacks]} pause={list(step.pause)}")
        print("API calls by operation:")
        for op, n in sorted(calls.items()):
            print(f"  {op:32} {n}")
        total = sum(calls.values())
        print(f"total {total} calls, {total / tasks:.3f} per task, for {tasks} tasks")
        failed = [
            (c.id, [f.message for f in c.findings][:2]) for c in plan.checks if c.status == "fail"
        ]
        if failed:
            print("failed checks:", failed)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Hand-built worlds for planner unit tests: the example configs, edited, and an
ObservedState as if some configs had been deployed and every task were running."""

from __future__ import annotations

import functools
from dataclasses import replace

from dms_deploy.config.load import load_configs
from dms_deploy.config.models import FULL_LOAD, Configs, Table, Task
from dms_deploy.paths import default_configs_dir, default_templates_dir
from dms_deploy.plan.analysis import Desired
from dms_deploy.plan.make import make_plan
from dms_deploy.plan.model import Plan
from dms_deploy.plan.templates import exported, parse_template
from dms_deploy.render.mappings import mapping_json, table_folder
from dms_deploy.render.stacks import RenderedStack, render_all, render_team_stack
from dms_deploy.state.model import (
    FolderListing,
    ObservedStack,
    ObservedState,
    ObservedTask,
    TableStat,
)

TEMPLATES = default_templates_dir()
FULL_LOAD_FINISHED_REASON = "Stop Reason FULL_LOAD_ONLY_FINISHED"
NETWORK_EXPORTS = {"network-VpcId": "vpc-1", "network-PrivateSubnetIds": "subnet-1,subnet-2"}


@functools.cache
def example() -> Configs:
    loaded = load_configs(default_configs_dir())
    assert loaded.configs is not None, loaded.findings
    return loaded.configs


def render(configs: Configs) -> list[RenderedStack]:
    return render_all(configs, TEMPLATES)


def desired(configs: Configs) -> Desired:
    def render_team(c: Configs, team: str) -> RenderedStack:
        return render_team_stack(c, team, TEMPLATES)

    stacks = {s.name: s for s in render(configs)}
    return Desired(configs=configs, stacks=stacks, render_team=render_team)


def deployed(configs: Configs, status: str = "UPDATE_COMPLETE") -> ObservedState:
    """AWS after `configs` was deployed: stacks, exports, running tasks, full folders."""
    stacks = {s.name: ObservedStack(s.name, status, s.body) for s in render(configs)}
    exports = dict(NETWORK_EXPORTS)
    for stack in stacks.values():
        for name in exported(parse_template(stack.template_body), stack.name):
            exports[name] = f"arn:aws:export:{name}"
    tasks = {t.identifier: _running(t) for t in configs.all_tasks()}
    stats = {
        t.identifier: tuple(TableStat(x.schema, x.name, "Table completed") for x in t.active_tables)
        for t in configs.all_tasks()
    }
    folders = frozenset(table_folder(x) for t in configs.all_tasks() for x in t.tables)
    return ObservedState(stacks, exports, tasks, stats, FolderListing("", folders))


def _running(task: Task) -> ObservedTask:
    """Running, or stopped if configured paused; a full-load task has finished its load."""
    finished = task.migration_type == FULL_LOAD and not task.paused
    return ObservedTask(
        identifier=task.identifier,
        arn=f"arn:aws:dms:us-east-1:123456789012:task:{task.identifier}",
        status="stopped" if task.paused or finished else "running",
        table_mappings=mapping_json(task),
        migration_type=task.migration_type,
        stop_reason=FULL_LOAD_FINISHED_REASON if finished else None,
        started=True,
    )


def plan(
    configs: Configs, observed: ObservedState, allow_disruptive: bool = False, teams=None
) -> Plan:
    return make_plan(desired(configs), observed, allow_disruptive=allow_disruptive, teams=teams)


# --- config edits ---------------------------------------------------------------------------


def edit_task(configs: Configs, task_id: str, **changes) -> Configs:
    team, _, name = task_id.partition("-")
    config = configs.teams[team]
    task = replace(config.tasks[name], **changes)
    return replace(
        configs,
        teams={**configs.teams, team: replace(config, tasks={**config.tasks, name: task})},
    )


def task_of(configs: Configs, task_id: str) -> Task:
    return next(t for t in configs.all_tasks() if t.identifier == task_id)


def edit_table(configs: Configs, task_id: str, source: str, **changes) -> Configs:
    task = task_of(configs, task_id)
    tables = tuple(replace(t, **changes) if t.source == source else t for t in task.tables)
    assert tables != task.tables, f"{source} not in {task_id}"
    return edit_task(configs, task_id, tables=tables)


def add_table(configs: Configs, task_id: str, source: str, version: str, **extra) -> Configs:
    endpoint, schema, name = source.split("/")
    table = Table(endpoint=endpoint, schema=schema, name=name, version=version, **extra)
    return edit_task(configs, task_id, tables=(*task_of(configs, task_id).tables, table))


def drop_table(configs: Configs, task_id: str, source: str) -> Configs:
    task = task_of(configs, task_id)
    return edit_task(configs, task_id, tables=tuple(t for t in task.tables if t.source != source))


def edit_endpoint(configs: Configs, team: str, name: str, **changes) -> Configs:
    config = configs.teams[team]
    endpoint = replace(config.endpoints[name], **changes)
    endpoints = {**config.endpoints, name: endpoint}
    return replace(configs, teams={**configs.teams, team: replace(config, endpoints=endpoints)})


def drop_task(configs: Configs, task_id: str) -> Configs:
    team, _, name = task_id.partition("-")
    config = configs.teams[team]
    tasks = {k: v for k, v in config.tasks.items() if k != name}
    return replace(configs, teams={**configs.teams, team: replace(config, tasks=tasks)})


# --- observed edits -------------------------------------------------------------------------


def with_task(observed: ObservedState, task_id: str, **changes) -> ObservedState:
    tasks = {**observed.tasks, task_id: replace(observed.tasks[task_id], **changes)}
    return replace(observed, tasks=tasks)


def with_stack(observed: ObservedState, name: str, **changes) -> ObservedState:
    return replace(
        observed, stacks={**observed.stacks, name: replace(observed.stacks[name], **changes)}
    )


def without_stack(observed: ObservedState, name: str) -> ObservedState:
    stacks = {k: v for k, v in observed.stacks.items() if k != name}
    exports = {
        k: v
        for k, v in observed.exports.items()
        if k not in exported(parse_template(observed.stacks[name].template_body), name)
    }
    return replace(observed, stacks=stacks, exports=exports)

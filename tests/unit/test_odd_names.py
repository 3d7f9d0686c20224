"""Odd but legal names render, lint and plan: every name at its limit, digits, underscores, `$`.

Limits: a team name of 40 characters, a replication instance identifier of 63, task and
endpoint identifiers of 255, a `source` of 400, and config names of NAME_MAX characters
(they are part of CloudFormation logical ids, which allow 255).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from dms_deploy.checks.offline import run_offline
from dms_deploy.config.identifiers import INSTANCE_MAX, NAME_MAX, TASK_MAX
from dms_deploy.config.models import Table
from dms_deploy.planning import plan_against_aws
from dms_deploy.render.mappings import parse_table_folder, table_folder
from dms_deploy.render.stacks import team_stack_name
from dms_deploy.state.clients import AwsClients

SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:dms/fooddb"
VERSION = "v999912312359"

# A 40-character team (the schema's maximum), digits inside, a hyphen before a digit.
TEAM = "t9" + "0" * 35 + "-1z"
# The instance identifier `<team>-<instance>` is exactly 63 characters.
INSTANCE = "i-" + "9" * (INSTANCE_MAX - len(TEAM) - 3)
# The task identifier `<team>-<task>` is exactly 255 characters.
LONG_TASK = "k" + "-a1" * ((TASK_MAX - len(TEAM) - 2) // 3) + "b" * ((TASK_MAX - len(TEAM) - 2) % 3)
ENDPOINT = "e2-" + "x" * 30
# Schema and table names at their oddest: leading digits, `$`, single underscores.
SCHEMA = "9$_a_1"
TABLES = ["1", "$", "a_b_c_d", "A$B_9", "T" + "_x9" * 60]


def team_doc() -> dict[str, Any]:
    tables = [{"source": f"{ENDPOINT}/{SCHEMA}/{t}", "version": VERSION} for t in TABLES]
    longest = f"{ENDPOINT}/{SCHEMA}/"
    tables.append({"source": longest + "L" * (400 - len(longest)), "version": VERSION})

    def task(tables: list[dict[str, str]]) -> dict[str, Any]:
        return {"instance": INSTANCE, "endpoint": ENDPOINT, "target": "s3-1min", "tables": tables}

    return {
        "team": TEAM,
        "endpoints": {
            ENDPOINT: {"engine": "mysql", "server": "h" * 253, "port": 65535, "secret": SECRET}
        },
        "instances": {INSTANCE: {"class": "dms.r5.large", "storage_gb": 5}},
        "tasks": {
            LONG_TASK: task(tables),
            # Digits and hyphens that sanitise alike get distinct logical ids.
            "a1b": task([{"source": f"{ENDPOINT}/{SCHEMA}/x1", "version": VERSION}]),
            "a-1b": task([{"source": f"{ENDPOINT}/{SCHEMA}/x2", "version": VERSION}]),
            "a1-b": task([{"source": f"{ENDPOINT}/{SCHEMA}/x3", "version": VERSION}]),
        },
    }


def write(root: Path, examples: Path, docs: dict[str, dict[str, Any]]) -> Path:
    configs = root / "configs"
    (configs / "teams").mkdir(parents=True)
    shutil.copy(examples / "base.json", configs / "base.json")
    for team, doc in docs.items():
        (configs / "teams" / f"{team}.json").write_text(json.dumps(doc))
    return configs


def failures(report) -> dict[str, list[str]]:
    return {r.id: [f.message for f in r.findings] for r in report.results if r.status == "fail"}


def test_the_names_are_at_their_limits() -> None:
    assert len(TEAM) == 40
    assert len(f"{TEAM}-{INSTANCE}") == INSTANCE_MAX
    assert len(f"{TEAM}-{LONG_TASK}") == TASK_MAX
    assert max(len(t["source"]) for t in team_doc()["tasks"][LONG_TASK]["tables"]) == 400


@pytest.fixture(scope="module")
def odd(tmp_path_factory: pytest.TempPathFactory, examples_dir: Path, templates_dir: Path):
    configs = write(tmp_path_factory.mktemp("odd"), examples_dir, {TEAM: team_doc()})
    return configs, run_offline(configs, templates_dir, lint=True)


def test_odd_names_pass_every_offline_check_including_cfn_lint(odd) -> None:
    _, report = odd
    assert failures(report) == {}
    assert all(r.status == "pass" for r in report.results)


def test_odd_names_render_exact_rules_and_reversible_folders(odd) -> None:
    _, report = odd
    stack = next(s for s in report.stacks if s.team == TEAM)
    assert stack.name == team_stack_name(TEAM)
    tasks = {
        res["Properties"]["ReplicationTaskIdentifier"]: res["Properties"]
        for res in stack.template["Resources"].values()
        if res["Type"] == "AWS::DMS::ReplicationTask"
    }
    assert set(tasks) == {f"{TEAM}-{n}" for n in (LONG_TASK, "a1b", "a-1b", "a1-b")}
    rules = json.loads(tasks[f"{TEAM}-{LONG_TASK}"]["TableMappings"])["rules"]
    selected = {r["object-locator"]["table-name"] for r in rules if r["rule-type"] == "selection"}
    assert selected == {*TABLES, "L" * (400 - len(f"{ENDPOINT}/{SCHEMA}/"))}
    assert all(
        r["object-locator"]["schema-name"] == SCHEMA for r in rules if "selection" in r["rule-type"]
    )
    folders = [r["value"] for r in rules if r.get("rule-target") == "table"]
    assert len(folders) == len(selected)
    for folder in folders:
        endpoint, schema, table, version = parse_table_folder(folder)
        assert (endpoint, schema, version) == (ENDPOINT, SCHEMA, VERSION)
        assert table in selected
    ids = [r["rule-id"] for r in rules]
    assert len(set(ids)) == len(ids)


@pytest.mark.sandbox
def test_odd_names_plan_go(odd, templates_dir: Path, bootstrapped_sandbox) -> None:
    configs, _ = odd
    plan = plan_against_aws(
        configs, templates_dir, lambda: AwsClients.from_hooks(None), teams={TEAM, "base"}
    ).plan
    assert [c.id for c in plan.checks if c.status == "fail"] == []
    assert plan.go
    stacks = {(s.name, s.action) for step in plan.steps for s in step.stacks}
    assert (team_stack_name(TEAM), "create") in stacks


def _single_task_team(name: str, endpoint: str) -> dict[str, Any]:
    doc = team_doc()
    doc["team"] = "a"
    doc["endpoints"] = {endpoint: doc["endpoints"][ENDPOINT]}
    source = f"{endpoint}/s/t"
    doc["tasks"] = {
        name: {
            "instance": INSTANCE,
            "endpoint": endpoint,
            "target": "s3-1min",
            "tables": [{"source": source, "version": VERSION}],
        }
    }
    return doc


def name_of_length(length: int) -> str:
    # A digit after a hyphen makes the long hash form of the logical id.
    return "n-1" + "x" * (length - 3)


def report_for_names_of(length: int, root: Path, examples: Path, templates: Path, lint: bool):
    name = name_of_length(length)
    configs = write(root, examples, {"a": _single_task_team(name, name)})
    return run_offline(configs, templates, lint=lint)


def test_names_at_the_logical_id_limit_lint_clean(
    tmp_path: Path, examples_dir: Path, templates_dir: Path
) -> None:
    report = report_for_names_of(NAME_MAX, tmp_path, examples_dir, templates_dir, lint=True)
    assert failures(report) == {}
    assert report.result("DMS003").status == "pass"


def test_names_over_the_logical_id_limit_are_a_schema_error(
    tmp_path: Path, examples_dir: Path, templates_dir: Path
) -> None:
    report = report_for_names_of(NAME_MAX + 1, tmp_path, examples_dir, templates_dir, lint=False)
    messages = failures(report)["DMS002"]
    assert len(messages) == 2  # the endpoint and the task
    assert all(f"name is {NAME_MAX + 1} characters long; at most {NAME_MAX}" in m for m in messages)


def test_table_folder_is_injective_for_odd_names() -> None:
    """Names that differ only around `_` and `$` land in different folders."""
    names = ["a_b", "ab", "a$b", "a_$", "$_a", "a_b_c", "ab_c", "a_bc"]
    folders = {
        table_folder(
            Table(endpoint="e", schema=s, name=t, version=VERSION, paused=False, pointer="")
        )
        for s in names
        for t in names
    }
    assert len(folders) == len(names) ** 2

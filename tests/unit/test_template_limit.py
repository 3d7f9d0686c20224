"""DMS006 refuses a rendered template over CloudFormation's 1 MB limit, and only then.

The limit applies to a template deployed from S3 through TemplateURL:
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from dms_deploy.checks import dms006_limits
from dms_deploy.checks.context import OfflineContext
from dms_deploy.checks.offline import run_offline
from dms_deploy.config.load import load_configs
from dms_deploy.planning import plan_against_aws
from dms_deploy.render.stacks import RenderedStack
from dms_deploy.state.clients import AwsClients

LIMIT = 1_048_576
Names = Callable[[int], tuple[str, str]]


def with_tables(root: Path, examples: Path, count: int, names: Names) -> Path:
    """The example configs with `count` more tables in food's foodsearch task."""
    configs = root / "configs"
    shutil.copytree(examples, configs, ignore=shutil.ignore_patterns("schema"))
    team_file = configs / "teams" / "food.json"
    team = json.loads(team_file.read_text())
    team["tasks"]["foodsearch"]["tables"] += [
        {"source": "fooddb/{}/{}".format(*names(i)), "version": "v202401010000"}
        for i in range(count)
    ]
    team_file.write_text(json.dumps(team))
    return configs


def typical(i: int) -> tuple[str, str]:
    return "foodsearch", f"order_line_item_{i:04d}"


def short(i: int) -> tuple[str, str]:
    return "s", f"t{i:04d}"


def plan_of(configs: Path, templates: Path):
    """The plan against the sandbox account, bootstrapped as for the example configs."""
    report = run_offline(configs, templates, lint=False)
    outcome = plan_against_aws(configs, templates, lambda: AwsClients.from_hooks(None))
    return report, outcome.plan


def food_template_bytes(report) -> int:
    return len(next(s for s in report.stacks if s.team == "food").body.encode())


def failed(plan) -> list[str]:
    return [c.id for c in plan.checks if c.status == "fail"]


@pytest.mark.sandbox
def test_two_thousand_tables_over_one_megabyte_are_a_no_go(
    tmp_path: Path, examples_dir: Path, templates_dir: Path, bootstrapped_sandbox
) -> None:
    report, plan = plan_of(with_tables(tmp_path, examples_dir, 2000, typical), templates_dir)
    assert food_template_bytes(report) > LIMIT
    assert plan.go is False
    assert failed(plan) == ["DMS006"]
    (finding,) = next(c for c in plan.checks if c.id == "DMS006").findings
    assert (finding.team, finding.task, finding.file) == ("food", "foodsearch", "teams/food.json")
    assert finding.pointer == "/tasks/foodsearch/tables"
    for fragment in (
        "stack dms-food:",
        "over CloudFormation's limit of 1,048,576 bytes",
        "largest task foodsearch (2,010 tables)",
        "teams/food-2.json",
    ):
        assert fragment in finding.message


@pytest.mark.sandbox
def test_two_thousand_tables_that_fit_stay_go(
    tmp_path: Path, examples_dir: Path, templates_dir: Path, bootstrapped_sandbox
) -> None:
    report, plan = plan_of(with_tables(tmp_path, examples_dir, 2000, short), templates_dir)
    assert 1_000_000 < food_template_bytes(report) <= LIMIT
    assert failed(plan) == []
    assert plan.go is True


@pytest.fixture
def context(examples_dir: Path, templates_dir: Path) -> OfflineContext:
    return OfflineContext(examples_dir, templates_dir, load_configs(examples_dir))


def _with_body(ctx: OfflineContext, team: str, body: str) -> list[str]:
    ctx.stacks = [RenderedStack(name=f"dms-{team}", team=team, body=body, template={})]
    return [f.message for f in dms006_limits.run(ctx)]


@pytest.mark.parametrize("team", ["food", "base"])
def test_the_limit_counts_utf8_bytes_and_is_inclusive(context: OfflineContext, team) -> None:
    # "é" is two bytes: a body of LIMIT bytes has fewer characters than bytes.
    at_limit = "é" * 1000 + "x" * (LIMIT - 2000)
    assert len(at_limit.encode()) == LIMIT
    assert _with_body(context, team, at_limit) == []
    (message,) = _with_body(context, team, at_limit + "x")
    assert f"stack dms-{team}: the rendered template is 1,048,577 bytes" in message

"""Plans made against the sandbox: real reads, the same code path as `dmsctl plan`."""

from __future__ import annotations

import pytest

from tests.planner import sandbox_world as sw
from tests.planner import world
from tests.planner.sandbox_world import READ_ONLY_PREFIXES

pytestmark = pytest.mark.sandbox


def test_example_configs_already_deployed_plan_no_changes(deployed):
    _, aws = deployed
    plan = sw.plan(world.example(), aws)
    assert plan.steps == ()
    assert plan.go, [(c.id, c.findings) for c in plan.checks if c.status != "pass"]


def test_plan_is_read_only(deployed):
    sandbox, aws = deployed
    after = world.edit_table(
        world.example(), "food-foodsearch", "fooddb/foodsearch/brands", version="v202611250000"
    )
    plan = sw.plan(after, aws)
    assert len(plan.steps) == 2
    operations = [c["operation"] for c in sandbox.calls()]
    assert "ValidateTemplate" in operations
    assert "DescribeTableStatistics" in operations  # food-foodsearch would stop
    assert "ListObjectsV2" in operations  # the bumped table's new folder
    writes = [op for op in operations if not op.startswith(READ_ONLY_PREFIXES)]
    assert set(writes) <= {"ValidateTemplate"}, writes

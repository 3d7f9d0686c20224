"""DMS identifier rules and CloudFormation logical ids."""

from __future__ import annotations

import re

import pytest

from dms_deploy.config.identifiers import INSTANCE_MAX, TASK_MAX, identifier_problem
from dms_deploy.render.logical_ids import logical_id


@pytest.mark.parametrize("ident", ["food-foodsearch", "a", "a1-b2", "x" * 255])
def test_valid_identifiers(ident: str) -> None:
    assert identifier_problem(ident, TASK_MAX) is None


@pytest.mark.parametrize(
    ("ident", "limit", "reason"),
    [
        ("", TASK_MAX, "empty"),
        ("x" * 64, INSTANCE_MAX, "at most 63"),
        ("food_search", TASK_MAX, "only contain"),
        ("Food", TASK_MAX, "only contain lowercase"),
        ("1food", TASK_MAX, "start with a letter"),
        ("food-", TASK_MAX, "end with a hyphen"),
        ("food--x", TASK_MAX, "consecutive hyphens"),
    ],
)
def test_invalid_identifiers(ident: str, limit: int, reason: str) -> None:
    assert reason in identifier_problem(ident, limit)


def test_logical_ids_are_readable_when_reversible() -> None:
    assert logical_id("Task", "food-search") == "TaskFoodSearch"
    assert logical_id("Task", "foodsearch") == "TaskFoodsearch"


def test_logical_ids_are_alphanumeric_and_injective() -> None:
    names = ["food-1", "food1", "food-search", "foodsearch", "food-s-earch", "a-b", "ab", "2fa"]
    ids = [logical_id("Instance", n) for n in names]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z0-9]+", i) for i in ids)
    assert logical_id("Instance", "food-1") == logical_id("Instance", "food-1")

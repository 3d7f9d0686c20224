"""The `food` fixture (base and food stacks deployed, tasks running) for every apply test."""

from tests.apply.test_apply_sandbox import food  # noqa: F401

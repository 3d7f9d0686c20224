"""Fixtures of the planner tests."""

from __future__ import annotations

import pytest

from tests.planner import sandbox_world as sw
from tests.planner import world


@pytest.fixture
def deployed(bootstrapped_sandbox):
    """The example configs, deployed and running in a fresh sandbox."""
    aws = sw.clients()
    sw.deploy(world.example(), aws)
    bootstrapped_sandbox.clear_calls()
    return bootstrapped_sandbox, aws

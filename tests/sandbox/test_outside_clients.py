"""Outside clients against the sandbox: the AWS CLI v1 and botocore's own waiters.

The checks live in ``outside_clients.py`` (``bench/fidelity.py`` counts them too).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from outside_clients import CHECKS

pytestmark = pytest.mark.sandbox


@pytest.fixture(scope="module")
def instant_sandbox(sandbox_server) -> Iterator[None]:
    """Time scale 0 for this module: the CLI's waiters see each state at their first poll."""
    previous = sandbox_server.set_time_scale(0)
    yield
    sandbox_server.set_time_scale(previous)


@pytest.mark.parametrize("name", list(CHECKS))
def test_outside_client_behaves_as_against_aws(instant_sandbox, sandbox, name: str) -> None:
    CHECKS[name]()

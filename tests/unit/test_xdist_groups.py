"""`make test` keeps each file on one xdist worker (tests/conftest.py): the real-Airflow files
build one Airflow per module, and a later test of a file relies on what an earlier one did."""

from __future__ import annotations

import pytest


def test_a_file_s_tests_share_one_xdist_group(request: pytest.FixtureRequest) -> None:
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("only `--dist loadgroup` (make test) groups tests")
    # xdist turns the group mark into a suffix of the node id, which is its scheduling unit.
    assert request.node.nodeid.endswith("@tests/unit/test_xdist_groups.py"), request.node.nodeid

"""Fixtures of the fault matrix: the real DAG against the sandbox, tuned to run fast.

The example configs are deployed and replicating (`deployed`, from tests/dag). Waits are
short, so a fault that makes a step wait (a hung stop, a held stack) fails in seconds, and
sleeps are capped, so botocore's and Airflow's back-off cost no wall time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.dag.conftest import account, airflow_db, configs, deployed  # noqa: F401

_real_sleep = time.sleep


@pytest.fixture(autouse=True)
def fast(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Seconds a step waits for a task to stop or start, or for a stack to settle.
    monkeypatch.setenv("DMS_DEPLOY_WAIT_SECONDS", "4")
    monkeypatch.setenv("DMS_DEPLOY_RETRY_DELAY_SECONDS", "0")
    # botocore retries each call 3 times (4 attempts); Airflow tries a task 4 times, so a
    # fault "past the retries" takes 16 injected errors.
    monkeypatch.setenv("DMS_DEPLOY_AWS_MAX_ATTEMPTS", "3")
    monkeypatch.setattr(time, "sleep", lambda seconds: _real_sleep(min(seconds, 0.05)))
    yield

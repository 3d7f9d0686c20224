"""Shared pytest fixtures: the local AWS sandbox (see sandbox/README.md)."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # `pytest` (unlike `python -m pytest`) does not add the cwd
    sys.path.insert(0, str(REPO))

from sandbox.client import SandboxClient  # noqa: E402
from sandbox.launch import running_sandbox  # noqa: E402

TEST_TIME_SCALE = 0.02


class _CurrentStdout:
    """Writes to whatever `sys.stdout` is now (a test's capsys or capfd, or pytest's own)."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@pytest.fixture(autouse=True)
def _airflow_logs_follow_capture() -> None:
    """Airflow configures its root log handler once per process, on the stream of that
    moment: in a test using capsys, a stream closed when that test ends, so every later
    log line in the process would fail with a logging traceback."""
    for handler in logging.getLogger().handlers:
        if type(handler) is logging.StreamHandler and not isinstance(
            handler.stream, _CurrentStdout
        ):
            handler.stream = _CurrentStdout()  # not setStream: it flushes the closed one


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxClient]:
    """One sandbox subprocess for the session, on a free port, stopped at the end."""
    with running_sandbox(TEST_TIME_SCALE, ready_seconds=15) as client:
        yield client


def _use_sandbox(client: SandboxClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", client.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.setenv(
        "AIRFLOW_CONN_AWS_DEFAULT",
        json.dumps(
            {
                "conn_type": "aws",
                "login": "testing",
                "password": "testing",
                "extra": {"endpoint_url": client.url, "region_name": "us-east-1"},
            }
        ),
    )


@pytest.fixture
def sandbox(sandbox_server: SandboxClient, monkeypatch: pytest.MonkeyPatch) -> SandboxClient:
    """A freshly reset sandbox, with the AWS environment variables pointing at it."""
    sandbox_server.reset()
    _use_sandbox(sandbox_server, monkeypatch)
    return sandbox_server


@pytest.fixture
def bootstrapped_sandbox(sandbox: SandboxClient) -> SandboxClient:
    """A reset sandbox bootstrapped from the repository's dms_configs/."""
    sandbox.bootstrap(str(REPO / "dms_configs"))
    return sandbox


# How `make test` spreads tests over pytest-xdist workers (`--dist loadgroup`). A file stays
# on one worker, so its module fixtures run once, except the DAG scenarios and the drift
# watch tests, which each build their own world and are spread test by test. The
# real-Airflow files (the browser tests run one too) share one worker: together they would
# starve each other's heartbeats on a 2-core machine.
_SPREAD = ("tests/dag/", "tests/faults/", "tests/watch/")
_REAL_AIRFLOW = (
    "tests/production/test_celery_airflow.py",
    "tests/ui/test_browser.py",
)


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook turns the marks into scopes
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        if path in _REAL_AIRFLOW:
            item.add_marker(pytest.mark.xdist_group("real-airflow"))
        elif not path.startswith(_SPREAD):
            item.add_marker(pytest.mark.xdist_group(path))

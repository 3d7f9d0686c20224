"""Start `python -m sandbox` as a subprocess and wait until it answers: for tests and benches."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from sandbox.client import SandboxClient

REPO = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def running_sandbox(
    time_scale: float, ready_seconds: float = 30.0, account_id: str | None = None
) -> Iterator[SandboxClient]:
    """A sandbox on a free loopback port, stopped (terminate, then kill) on exit.

    `account_id` makes it stand for another AWS account than the default one."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    account = ["--account-id", account_id] if account_id else []
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", "0", "--time-scale", str(time_scale), *account],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http"):
            raise RuntimeError(f"sandbox did not start (exit code {process.poll()})")
        client = SandboxClient(url, time_scale=time_scale)
        deadline = time.monotonic() + ready_seconds
        while True:
            try:
                client.health()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield client
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def point_aws_at(url: str) -> None:
    """Make boto3 (and the AWS CLI) in this process talk to the sandbox at `url`."""
    os.environ.update(
        AWS_ENDPOINT_URL=url,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
    )

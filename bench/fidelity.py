"""Outside-client fidelity: how many operations of clients nobody here wrote (the AWS CLI v1,
botocore's own waiters) behave against the sandbox as they do against AWS.

Starts its own sandbox (time scale 0, so the CLI's 5-30 s waiter polls succeed at once), runs
every check of tests/sandbox/outside_clients.py on a freshly reset sandbox, and prints
"N of M outside-client operations behave as AWS" with the list. Differences the sandbox keeps
on purpose are listed, with their reason and AWS link, in sandbox/README.md ("Fidelity").

    .venv/bin/python bench/fidelity.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests" / "sandbox")]

from outside_clients import CHECKS  # noqa: E402

from sandbox.client import SandboxClient  # noqa: E402


def main() -> int:
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", "0"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        sandbox = SandboxClient(url)
        deadline = time.monotonic() + 30
        while True:
            try:
                sandbox.health()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        sandbox.set_time_scale(0)
        os.environ.update(
            AWS_ENDPOINT_URL=url,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION="us-east-1",
        )
        results = []
        for name, check in CHECKS.items():
            sandbox.reset()
            started = time.monotonic()
            try:
                check()
                problem = None
            except AssertionError as exc:
                problem = str(exc) or type(exc).__name__
            results.append((name, problem, time.monotonic() - started))
    finally:
        process.terminate()
        process.wait(timeout=10)
    good = sum(problem is None for _, problem, _ in results)
    print(f"{good} of {len(results)} outside-client operations behave as AWS")
    for name, problem, seconds in results:
        mark = "ok  " if problem is None else "DIFF"
        print(f"  {mark} {name} ({seconds:.1f} s)" + (f": {problem}" if problem else ""))
    return 0 if good == len(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())

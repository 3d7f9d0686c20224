"""Outside-client fidelity: how many operations of clients nobody here wrote (the AWS CLI v1,
botocore's own waiters) behave against the sandbox as they do against AWS.

Starts its own sandbox (time scale 0, so the CLI's 5-30 s waiter polls succeed at once), runs
every check of tests/sandbox/outside_clients.py on a freshly reset sandbox, and prints
"N of M outside-client operations behave as AWS" with the list. Differences the sandbox keeps
on purpose are listed, with their reason and AWS link, in sandbox/README.md ("Fidelity").

    .venv/bin/python bench/fidelity.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests" / "sandbox")]

from outside_clients import CHECKS  # noqa: E402

from sandbox.launch import point_aws_at, running_sandbox  # noqa: E402


def main() -> int:
    with running_sandbox(1.0) as sandbox:
        # The CLI's waiters poll every 5-30 s: with no simulated delays they see each final
        # state on their first poll (the control API allows 0; the command line does not).
        sandbox.set_time_scale(0)
        point_aws_at(sandbox.url)
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
    good = sum(problem is None for _, problem, _ in results)
    print(f"{good} of {len(results)} outside-client operations behave as AWS")
    for name, problem, seconds in results:
        mark = "ok  " if problem is None else "DIFF"
        print(f"  {mark} {name} ({seconds:.1f} s)" + (f": {problem}" if problem else ""))
    return 0 if good == len(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""A small wait loop with an injectable clock, so tests need not sleep for real."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from dms_deploy.apply.errors import ApplyError

T = TypeVar("T")


def wait_until(
    probe: Callable[[], T | None],
    *,
    what: str,
    timeout_seconds: float,
    poll_seconds: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Call `probe` until it returns something other than None, or fail after the timeout."""
    deadline = clock() + timeout_seconds
    while True:
        result = probe()
        if result is not None:
            return result
        if clock() >= deadline:
            raise ApplyError(f"timed out after {timeout_seconds:.0f}s waiting for {what}")
        sleep(poll_seconds)

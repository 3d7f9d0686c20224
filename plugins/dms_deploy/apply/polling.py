"""A small wait loop with an injectable clock, so tests need not sleep for real."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
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
    """Call `probe` until it returns something other than None, or fail after the timeout.

    The pauses between calls grow from half a second up to `poll_seconds`: a short wait ends
    quickly, and a long one does not spend the throttled control-plane API.
    """
    deadline = clock() + timeout_seconds
    for pause in backoff(poll_seconds):
        result = probe()
        if result is not None:
            return result
        if clock() >= deadline:
            raise ApplyError(f"timed out after {timeout_seconds:.0f}s waiting for {what}")
        sleep(pause)
    raise AssertionError("backoff() never ends")


def backoff(most_seconds: float, first_seconds: float = 0.5) -> Iterator[float]:
    """0.5, 1, 2, 4, ... seconds, capped at `most_seconds`, forever."""
    pause = min(first_seconds, most_seconds)
    while True:
        yield pause
        pause = min(pause * 2, most_seconds)


@dataclass
class Waiting:
    """How long and how often a step polls AWS while it waits."""

    timeout_seconds: float = 900.0
    poll_seconds: float = 5.0
    sleep: Callable[[float], None] = field(default=time.sleep)

    def until(self, probe: Callable[[], T | None], what: str) -> T:
        """`wait_until` with this timeout, poll interval and sleep."""
        return wait_until(
            probe,
            what=what,
            timeout_seconds=self.timeout_seconds,
            poll_seconds=self.poll_seconds,
            sleep=self.sleep,
        )

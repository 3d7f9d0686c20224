"""Scaled time for the sandbox.

AWS work takes time (a task starts in about a minute, a stack update in minutes). The sandbox
keeps that shape but scales it: every duration is given in "AWS seconds" and multiplied by the
time scale. Nothing runs in the background. Due events are applied lazily, in order, before
each request is served, so what a client observes is deterministic for a given clock.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# Base durations in AWS seconds (time scale 1.0). Chosen so that a demo looks real but short.
TASK_CREATE = 10.0
TASK_START = 10.0
TASK_STOP = 10.0
TASK_MODIFY = 4.0
TASK_DELETE = 4.0
TABLE_FULL_LOAD = 15.0
STACK_OPERATION = 10.0
STACK_ROLLBACK = 6.0
CHANGE_SET_CREATE = 3.0
# Shorter than a stack's resource phase, so a stack completes only once its instances are
# available, as CloudFormation's DMS handler waits for them.
INSTANCE_CREATE = 6.0
INSTANCE_MODIFY = 4.0
CONNECTION_TEST = 3.0


@dataclass(order=True)
class _Event:
    due: float
    seq: int
    action: Callable[[float], None] = field(compare=False)


class Clock:
    """A time source plus a queue of due actions, advanced by ``run_due``."""

    def __init__(self, time_scale: float = 1.0) -> None:
        self.time_scale = time_scale
        self._queue: list[_Event] = []
        self._seq = itertools.count()

    def now(self) -> float:
        return time.time()

    def scaled(self, aws_seconds: float) -> float:
        return aws_seconds * self.time_scale

    def after(self, aws_seconds: float, action: Callable[[float], None]) -> float:
        """Schedule ``action(due_time)`` after a scaled delay; returns the due time."""
        due = self.now() + self.scaled(aws_seconds)
        heapq.heappush(self._queue, _Event(due, next(self._seq), action))
        return due

    def at(self, due: float, action: Callable[[float], None]) -> float:
        """Schedule ``action(due)`` at an absolute time (may already be due)."""
        heapq.heappush(self._queue, _Event(due, next(self._seq), action))
        return due

    def run_due(self) -> None:
        now = self.now()
        # Actions may schedule more actions; those run too if they are already due.
        while self._queue and self._queue[0].due <= now:
            event = heapq.heappop(self._queue)
            event.action(event.due)

    def clear(self) -> None:
        self._queue.clear()

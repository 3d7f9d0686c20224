"""Fault injection registry, driven by the control API (see README "Control API")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Throttle:
    remaining: int
    code: str | None = None


@dataclass
class Faults:
    # Operation name ("DescribeStacks", or "cloudformation:DescribeStacks") -> throttle.
    throttles: dict[str, Throttle] = field(default_factory=dict)
    # Stack name -> reason for its next update failing.
    failed_stack_updates: dict[str, str] = field(default_factory=dict)
    # Replication task identifiers whose next stop never completes.
    hanging_stops: set[str] = field(default_factory=set)
    # Replication task identifier -> failure message on the next resume.
    failing_resumes: dict[str, str] = field(default_factory=dict)
    # Replication task identifiers whose tables stay in "Full load" until released.
    held_loads: set[str] = field(default_factory=set)

    def clear(self) -> None:
        self.throttles.clear()
        self.failed_stack_updates.clear()
        self.hanging_stops.clear()
        self.failing_resumes.clear()
        self.held_loads.clear()

    def take_throttle(self, service: str, operation: str) -> Throttle | None:
        """Consume one throttle for the call, if any is armed."""
        for key in (f"{service}:{operation}", operation):
            throttle = self.throttles.get(key)
            if throttle and throttle.remaining > 0:
                throttle.remaining -= 1
                if throttle.remaining == 0:
                    del self.throttles[key]
                return throttle
        return None

    def take_failed_stack_update(self, stack_name: str) -> str | None:
        return self.failed_stack_updates.pop(stack_name, None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "throttles": {k: vars(v) for k, v in self.throttles.items()},
            "failed_stack_updates": dict(self.failed_stack_updates),
            "hanging_stops": sorted(self.hanging_stops),
            "failing_resumes": dict(self.failing_resumes),
            "held_loads": sorted(self.held_loads),
        }

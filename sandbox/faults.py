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
    # Stack names whose current or next operation stays *_IN_PROGRESS until released.
    held_stacks: set[str] = field(default_factory=set)
    # Stack name -> reason the rollback of its next (failing) update fails.
    failed_rollbacks: dict[str, str] = field(default_factory=dict)
    # Endpoint identifier or ARN -> failure message of its connection tests.
    failing_connections: dict[str, str] = field(default_factory=dict)
    # Operation name ("ListObjectsV2", or "s3:ListObjectsV2") -> calls left to deny.
    denials: dict[str, int] = field(default_factory=dict)
    # Replication task identifier -> the CDC latency (seconds) its metrics report.
    held_cdc_latency: dict[str, float] = field(default_factory=dict)
    # Replication task identifiers that publish no CDC latency metrics at all.
    withheld_cdc_metrics: set[str] = field(default_factory=set)

    def clear(self) -> None:
        self.throttles.clear()
        self.failed_stack_updates.clear()
        self.hanging_stops.clear()
        self.failing_resumes.clear()
        self.held_loads.clear()
        self.held_stacks.clear()
        self.failed_rollbacks.clear()
        self.failing_connections.clear()
        self.denials.clear()
        self.held_cdc_latency.clear()
        self.withheld_cdc_metrics.clear()

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

    def take_denial(self, service: str, operation: str) -> bool:
        """Consume one AccessDenied for the call, if any is armed."""
        for key in (f"{service}:{operation}", operation):
            if self.denials.get(key, 0) > 0:
                self.denials[key] -= 1
                if self.denials[key] == 0:
                    del self.denials[key]
                return True
        return False

    def take_failed_stack_update(self, stack_name: str) -> str | None:
        return self.failed_stack_updates.pop(stack_name, None)

    def take_failed_rollback(self, stack_name: str) -> str | None:
        return self.failed_rollbacks.pop(stack_name, None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "throttles": {k: vars(v) for k, v in self.throttles.items()},
            "failed_stack_updates": dict(self.failed_stack_updates),
            "hanging_stops": sorted(self.hanging_stops),
            "failing_resumes": dict(self.failing_resumes),
            "held_loads": sorted(self.held_loads),
            "held_stacks": sorted(self.held_stacks),
            "failed_rollbacks": dict(self.failed_rollbacks),
            "failing_connections": dict(self.failing_connections),
            "denials": dict(self.denials),
            "held_cdc_latency": dict(self.held_cdc_latency),
            "withheld_cdc_metrics": sorted(self.withheld_cdc_metrics),
        }

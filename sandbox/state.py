"""The one process-wide sandbox state shared by the middleware and the moto extensions.

moto's backends are module-level singletons too, so the extensions reach this state the same
way moto reaches its backends.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from sandbox.clock import Clock
from sandbox.faults import Faults


@dataclass
class SandboxState:
    clock: Clock = field(default_factory=Clock)
    faults: Faults = field(default_factory=Faults)
    calls: list[dict[str, Any]] = field(default_factory=list)
    # Every stop that cancelled a table in "Before load" or "Full load": what tests read to
    # prove no full load was interrupted (table statistics forget it at the next start).
    interrupted_loads: list[dict[str, Any]] = field(default_factory=list)
    # Every AWS request is served under this lock: moto is not thread-safe, and serial
    # processing keeps the lazy clock deterministic.
    lock: threading.RLock = field(default_factory=threading.RLock)

    def reset(self) -> None:
        from moto.moto_api._internal.models import moto_api_backend

        with self.lock:
            moto_api_backend.reset()
            self.clock.clear()
            self.faults.clear()
            self.calls.clear()
            self.interrupted_loads.clear()


STATE = SandboxState()

"""Python helpers over the sandbox control API, for tests and scripts."""

from __future__ import annotations

import json
import urllib.request
from typing import Any


class SandboxClient:
    def __init__(self, url: str, time_scale: float = 1.0) -> None:
        self.url = url.rstrip("/")
        self.time_scale = time_scale

    def _call(self, method: str, route: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}/_sandbox{route}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/health")

    def reset(self) -> None:
        """Reset moto's backends, the extensions' state, faults and the call log."""
        self._call("POST", "/reset", {})

    def bootstrap(self, configs_dir: str | None = None) -> dict[str, Any]:
        return self._call("POST", "/bootstrap", {"configs_dir": configs_dir and str(configs_dir)})

    def calls(self) -> list[dict[str, Any]]:
        """Every AWS API call received since the last reset (control routes excluded)."""
        return self._call("GET", "/calls")["calls"]

    def interrupted_loads(self) -> list[dict[str, Any]]:
        """Every stop that cancelled a table still loading: `{"task_id", "tables", "time"}`."""
        return self._call("GET", "/interrupted-loads")["interrupted_loads"]

    def clear_calls(self) -> None:
        self._call("DELETE", "/calls")

    def throttle(self, operation: str, times: int = 1, code: str | None = None) -> None:
        """Answer the next ``times`` calls of ``operation`` with a throttling error."""
        self._call(
            "POST", "/faults/throttle", {"operation": operation, "times": times, "code": code}
        )

    def fail_next_stack_update(self, stack_name: str, reason: str = "Injected failure") -> None:
        self._call(
            "POST", "/faults/fail-stack-update", {"stack_name": stack_name, "reason": reason}
        )

    def hang_stop(self, task_id: str) -> None:
        self._call("POST", "/faults/hang-stop", {"task_id": task_id})

    def fail_on_resume(self, task_id: str, message: str | None = None) -> None:
        self._call("POST", "/faults/fail-on-resume", {"task_id": task_id, "message": message})

    def hold_full_load(self, task_id: str) -> None:
        """Keep the task's loading tables in "Full load" until the faults are cleared."""
        self._call("POST", "/faults/hold-full-load", {"task_id": task_id})

    def hold_stack(self, stack_name: str) -> None:
        """Keep the stack's current or next operation *_IN_PROGRESS until faults are cleared."""
        self._call("POST", "/faults/hold-stack", {"stack_name": stack_name})

    def set_time_scale(self, time_scale: float) -> float:
        """Change the time scale of durations scheduled from now on; returns the previous one.
        0 makes every timed transition happen before the next request."""
        answer = self._call("POST", "/time-scale", {"time_scale": time_scale})
        self.time_scale = time_scale
        return float(answer["previous"])

    def fail_connection(self, endpoint: str, message: str | None = None) -> None:
        """Make connection tests of an endpoint (identifier or ARN) end ``failed``."""
        key = "endpoint_arn" if endpoint.startswith("arn:") else "endpoint_id"
        self._call("POST", "/faults/fail-connection", {key: endpoint, "message": message})

    def deny(self, operation: str, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``operation`` (e.g. ``s3:ListObjectsV2``)
        with AccessDenied."""
        self._call("POST", "/faults/deny", {"operation": operation, "times": times})

    def fail_rollback(self, stack_name: str, reason: str | None = None) -> None:
        """Fail the stack's next update and its rollback: it ends UPDATE_ROLLBACK_FAILED."""
        self._call("POST", "/faults/fail-rollback", {"stack_name": stack_name, "reason": reason})

    def hold_cdc_latency(self, task_id: str, seconds: float) -> None:
        """Make the task's CDCLatencySource/Target metrics report `seconds` until the faults
        are cleared (published at once if it runs CDC, then every minute x time scale)."""
        self._call("POST", "/faults/hold-cdc-latency", {"task_id": task_id, "seconds": seconds})

    def withhold_cdc_metrics(self, task_id: str) -> None:
        """Publish no CDCLatencySource/Target datapoints for the task until the faults are
        cleared (GetMetricData then answers it with no values)."""
        self._call("POST", "/faults/withhold-cdc-metrics", {"task_id": task_id})

    def fail_table(self, task_id: str, schema: str, table: str) -> None:
        """Put a table of the task (source schema and table names) in `Table error` now."""
        self._call(
            "POST", "/faults/fail-table", {"task_id": task_id, "schema": schema, "table": table}
        )

    def faults(self) -> dict[str, Any]:
        return self._call("GET", "/faults")

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

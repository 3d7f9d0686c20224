"""The control API under ``/_sandbox/`` (documented in sandbox/README.md)."""

from __future__ import annotations

import json
from typing import Any

from sandbox.dms import runtime
from sandbox.faults import Throttle
from sandbox.state import STATE

PREFIX = "/_sandbox"
# The shape of a resource handler failure, as a failed rollback's resource event shows one.
DEFAULT_ROLLBACK_FAILURE = (
    'Resource handler returned message: "Injected rollback failure" '
    "(HandlerErrorCode: GeneralServiceException)"
)

# The shape of a failed DMS connection test's LastFailureMessage.
DEFAULT_CONNECTION_FAILURE = (
    "Test connection failed for endpoint. Application-Status: 1020912, Application-Message: "
    "Cannot connect to the endpoint (injected), Application-Detailed-Message: timeout expired"
)


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _body(environ: dict[str, Any]) -> dict[str, Any]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    return json.loads(raw) if raw.strip() else {}


def _require(body: dict[str, Any], key: str) -> Any:
    if key not in body:
        raise ControlError(400, f"missing field {key!r}")
    return body[key]


def handle(environ: dict[str, Any]) -> tuple[int, Any]:
    method = environ.get("REQUEST_METHOD", "GET")
    route = environ.get("PATH_INFO", "")[len(PREFIX) :].rstrip("/") or "/"
    body = _body(environ) if method in ("POST", "PUT") else {}
    faults = STATE.faults
    with STATE.lock:
        if route == "/health":
            return 200, {"ok": True, "time_scale": STATE.clock.time_scale}
        if route == "/time-scale" and method == "POST":
            scale = float(_require(body, "time_scale"))
            if scale < 0:
                raise ControlError(400, "time_scale must be >= 0")
            previous = STATE.clock.time_scale
            STATE.clock.time_scale = scale
            return 200, {"time_scale": scale, "previous": previous}
        if route == "/reset" and method == "POST":
            STATE.reset()
            return 200, {"ok": True}
        if route == "/calls":
            if method == "DELETE":
                STATE.calls.clear()
                return 200, {"ok": True}
            return 200, {"calls": list(STATE.calls)}
        if route == "/interrupted-loads":
            return 200, {"interrupted_loads": list(STATE.interrupted_loads)}
        if route == "/faults":
            if method == "DELETE":
                faults.clear()
            return 200, faults.to_dict()
        if route == "/faults/throttle" and method == "POST":
            times = int(body.get("times", 1))
            faults.throttles[_require(body, "operation")] = Throttle(times, body.get("code"))
            return 200, faults.to_dict()
        if route == "/faults/fail-stack-update" and method == "POST":
            reason = body.get("reason") or "Injected failure"
            faults.failed_stack_updates[_require(body, "stack_name")] = reason
            return 200, faults.to_dict()
        if route == "/faults/hang-stop" and method == "POST":
            faults.hanging_stops.add(_require(body, "task_id"))
            return 200, faults.to_dict()
        if route == "/faults/fail-on-resume" and method == "POST":
            message = body.get("message") or "Last Error Task failed on resume (injected)."
            faults.failing_resumes[_require(body, "task_id")] = message
            return 200, faults.to_dict()
        if route == "/faults/hold-full-load" and method == "POST":
            faults.held_loads.add(_require(body, "task_id"))
            return 200, faults.to_dict()
        if route == "/faults/hold-stack" and method == "POST":
            faults.held_stacks.add(_require(body, "stack_name"))
            return 200, faults.to_dict()
        if route == "/faults/fail-rollback" and method == "POST":
            reason = body.get("reason") or DEFAULT_ROLLBACK_FAILURE
            faults.failed_rollbacks[_require(body, "stack_name")] = reason
            return 200, faults.to_dict()
        if route == "/faults/fail-connection" and method == "POST":
            endpoint = body.get("endpoint_arn") or body.get("endpoint_id")
            if not endpoint:
                raise ControlError(400, "missing field 'endpoint_id' or 'endpoint_arn'")
            faults.failing_connections[endpoint] = body.get("message") or DEFAULT_CONNECTION_FAILURE
            return 200, faults.to_dict()
        if route == "/faults/deny" and method == "POST":
            faults.denials[_require(body, "operation")] = int(body.get("times", 1))
            return 200, faults.to_dict()
        if route == "/faults/hold-cdc-latency" and method == "POST":
            task_id = _require(body, "task_id")
            seconds = float(_require(body, "seconds"))
            if seconds < 0:
                raise ControlError(400, "seconds must be >= 0")
            faults.held_cdc_latency[task_id] = seconds
            runtime.publish_now(task_id)
            return 200, faults.to_dict()
        if route == "/faults/withhold-cdc-metrics" and method == "POST":
            faults.withheld_cdc_metrics.add(_require(body, "task_id"))
            return 200, faults.to_dict()
        if route == "/faults/fail-table" and method == "POST":
            task_id = _require(body, "task_id")
            schema, table = _require(body, "schema"), _require(body, "table")
            if not runtime.fail_table(task_id, schema, table):
                raise ControlError(404, f"task {task_id!r} has no table {schema}.{table}")
            return 200, faults.to_dict()
        if route == "/bootstrap" and method == "POST":
            from sandbox.bootstrap import bootstrap

            return 200, bootstrap(body.get("configs_dir"))
    raise ControlError(404, f"no control route {method} {PREFIX}{route}")

"""The sandbox WSGI application: moto's dispatcher wrapped in our middleware.

The middleware serves the control API, records every AWS call, injects throttling, advances
the scaled clock before each call, and serialises calls (moto is not thread-safe).
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from sandbox import calls, control, errors
from sandbox.state import STATE

StartResponse = Callable[..., Any]


class SandboxApp:
    def __init__(self, moto_app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]):
        self.moto_app = moto_app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(control.PREFIX):
            return self._control(environ, start_response)
        if path.startswith("/moto-api"):
            with STATE.lock:
                if path.startswith("/moto-api/reset"):
                    STATE.reset()
                    return _json(start_response, 200, {"status": "ok"})
                return self._forward(environ, start_response)
        call = calls.identify(environ)
        with STATE.lock:
            STATE.clock.run_due()
            STATE.calls.append(
                {
                    "service": call["service"],
                    "operation": call["operation"],
                    "time": STATE.clock.now(),
                }
            )
            throttle = STATE.faults.take_throttle(call["service"], call["operation"])
            if throttle:
                status, headers, body = errors.throttle_response(call["protocol"], throttle.code)
                start_response(f"{status} Error", headers)
                return [body]
            if STATE.faults.take_denial(call["service"], call["operation"]):
                status, headers, body = errors.access_denied_response(
                    call["protocol"], call["service"], call["operation"]
                )
                start_response(f"{status} Error", headers)
                return [body]
            return self._forward(environ, start_response)

    def _forward(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        # Materialise the body while the lock is held, so no state is read after release.
        result = self.moto_app(environ, start_response)
        try:
            return [b"".join(result)]
        finally:
            close = getattr(result, "close", None)
            if close:
                close()

    def _control(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        try:
            status, payload = control.handle(environ)
        except control.ControlError as exc:
            status, payload = exc.status, {"error": str(exc)}
        except Exception as exc:  # report, do not kill the server
            status, payload = 500, {"error": repr(exc), "traceback": traceback.format_exc()}
        return _json(start_response, status, payload)


def _json(start_response: StartResponse, status: int, payload: Any) -> list[bytes]:
    body = json.dumps(payload, default=str).encode()
    start_response(
        f"{status} {'OK' if status < 400 else 'Error'}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]


def build_app(time_scale: float) -> SandboxApp:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from sandbox import extensions

    extensions.install()
    STATE.clock.time_scale = time_scale
    return SandboxApp(DomainDispatcherApplication(create_backend_app))


def make_server(host: str, port: int, time_scale: float) -> Any:
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server as werkzeug_make_server

    app = build_app(time_scale)
    return werkzeug_make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)

"""A fake Airflow REST API v2 on loopback, for the `dmsctl trigger` tests.

It serves real HTTP, so `dmsctl trigger` runs unchanged over the official
`apache-airflow-client`, and its answers carry every field the API's schema requires, since
the client rejects an answer that lacks one.

A run plays a script of frames: each `GET .../dagRuns/{run_id}` moves to the next frame,
which gives the run state and the state of each task instance.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

DAG = "/api/v2/dags/dms_deploy"
NOW = "2026-11-30T12:00:00Z"
TiKey = tuple[str, int]
Frame = tuple[str, dict[TiKey, str | None]]
Reply = tuple[int, Any]

PLAN = {
    "plan": {
        "go": True,
        "checks": [
            {"id": "DMS103", "status": "pass", "findings": []},
            {
                "id": "DMS108",
                "status": "warn",
                "findings": [{"message": "drift on task", "team": "food", "task": "orders"}],
            },
        ],
        "steps": [
            {
                "stacks": [{"name": "dms-food", "team": "food", "action": "update"}],
                "pause": ["food-orders"],
                "resume": ["food-orders"],
            }
        ],
    },
    "dry_run": False,
    "s3": {},
}


def frames(*states: tuple[str, dict[TiKey, str | None]]) -> list[Frame]:
    return list(states)


@dataclass
class FakeAirflow:
    username: str = "ci"
    password: str = "secret"
    paused: bool = False
    runs: dict[str, list[Frame]] = field(default_factory=dict)
    # What the next trigger plays, and what a clear of that run plays afterwards.
    next_run: list[Frame] = field(default_factory=list)
    after_clear: list[Frame] = field(default_factory=list)
    logs: dict[TiKey, list[dict[str, Any]]] = field(default_factory=dict)
    expire_token_once: bool = False
    # Answer the DAG with a body that lacks required fields, as another API version might.
    schema_drift: bool = False
    # Seconds to wait before answering any API call (not the login): a slow server.
    stall_seconds: float = 0.0
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    tokens_issued: int = 0

    @contextmanager
    def serve(self) -> Iterator[str]:
        """Serve on a free loopback port; yield the base URL."""
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()
            thread.join()

    def current(self, run_id: str) -> Frame:
        return self.runs[run_id][0]

    def body(self, method: str, path: str) -> Any:
        """The JSON body of the last request to this route."""
        return next(b for m, p, b in reversed(self.requests) if (m, p) == (method, path))

    def handle(self, method: str, target: str, headers: Any, content: bytes) -> Reply:
        url = urlsplit(target)
        path, params = url.path, dict(parse_qsl(url.query))
        body = json.loads(content) if content else None
        self.requests.append((method, path, body))
        if path == "/auth/token":
            return self.login(body)
        if headers.get("Authorization") != f"Bearer token-{self.tokens_issued}":
            return 401, {"detail": "Not authenticated"}
        time.sleep(self.stall_seconds)
        if self.expire_token_once and path.startswith(f"{DAG}/dagRuns/"):
            self.expire_token_once = False
            return 401, {"detail": "Token expired"}
        return self.route(method, path, body, params)

    def login(self, body: dict[str, Any]) -> Reply:
        if (body.get("username"), body.get("password")) != (self.username, self.password):
            return 401, {"detail": "Invalid credentials"}
        self.tokens_issued += 1
        return 201, {"access_token": f"token-{self.tokens_issued}"}

    def route(self, method: str, path: str, body: Any, params: dict[str, str]) -> Reply:
        parts = path.removeprefix(DAG).strip("/").split("/")
        if not path.startswith(DAG):
            return 404, {"detail": "Not Found"}
        if parts == [""] and method == "GET":
            return 200, self.dag()
        if parts == [""] and method == "PATCH":
            self.paused = body["is_paused"]
            return 200, self.dag()
        if parts == ["dagRuns"] and method == "POST":
            run_id = f"manual__{len(self.runs) + 1}"
            self.runs[run_id] = list(self.next_run)
            return 200, dag_run(run_id, "queued", body)
        if parts == ["clearTaskInstances"] and method == "POST":
            return self.clear(body)
        run_id = parts[1]
        if run_id not in self.runs:
            return 404, {"detail": f"The DagRun with run_id: `{run_id}` was not found"}
        if len(parts) == 2:
            return self.get_run(run_id)
        if parts[2:] == ["taskInstances"]:
            return self.task_instances(run_id, params)
        if parts[2] == "taskInstances" and parts[4] == "xcomEntries":
            return self.xcom(run_id, parts[3], int(params.get("map_index", -1)))
        if parts[2] == "taskInstances" and parts[4] == "logs":
            key = (parts[3], int(params.get("map_index", -1)))
            return 200, {"content": self.logs.get(key, []), "continuation_token": None}
        return 404, {"detail": "Not Found"}

    def dag(self) -> dict[str, Any]:
        if self.schema_drift:
            return {"dag_id": "dms_deploy", "paused": self.paused}
        return {
            "dag_id": "dms_deploy",
            "dag_display_name": "dms_deploy",
            "is_paused": self.paused,
            "is_stale": False,
            "has_import_errors": False,
            "has_task_concurrency_limits": False,
            "is_backfillable": False,
            "file_token": "token",
            "fileloc": "/opt/airflow/dags/dms_deploy.py",
            "max_active_runs": 1,
            "max_active_tasks": 16,
            "max_consecutive_failed_dag_runs": 0,
            "owners": ["data-platform"],
            "tags": [],
            "timetable_partitioned": False,
            "timetable_periodic": False,
        }

    def get_run(self, run_id: str) -> Reply:
        script = self.runs[run_id]
        if len(script) > 1:
            script.pop(0)
        return 200, dag_run(run_id, script[0][0])

    def task_instances(self, run_id: str, params: dict[str, str]) -> Reply:
        tis = [
            task_instance(run_id, task_id, index, state)
            for (task_id, index), state in self.current(run_id)[1].items()
        ]
        offset, limit = int(params["offset"]), int(params["limit"])
        page = tis[offset : offset + limit]
        return 200, {"task_instances": page, "total_entries": len(tis)}

    def xcom(self, run_id: str, task_id: str, map_index: int) -> Reply:
        if task_id != "check_state" or self.current(run_id)[1].get((task_id, -1)) != "success":
            return 404, {"detail": "XCom entry with key: `return_value` not found"}
        return 200, {
            "key": "return_value",
            "dag_id": "dms_deploy",
            "dag_display_name": "dms_deploy",
            "run_id": run_id,
            "task_id": task_id,
            "task_display_name": task_id,
            "map_index": map_index,
            "run_after": NOW,
            "timestamp": NOW,
            "value": json.dumps(PLAN),
        }

    def clear(self, body: dict[str, Any]) -> Reply:
        run_id = body["dag_run_id"]
        cleared = [
            task_instance(run_id, t[0], t[1], None)
            if isinstance(t, list)
            else task_instance(run_id, t, -1, None)
            for t in body["task_ids"]
        ]
        self.runs[run_id] = [("queued", self.current(run_id)[1]), *self.after_clear]
        return 200, {"task_instances": cleared, "total_entries": len(cleared)}


def dag_run(run_id: str, state: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "dag_id": "dms_deploy",
        "dag_display_name": "dms_deploy",
        "dag_run_id": run_id,
        "dag_versions": [],
        "run_after": NOW,
        "run_type": "manual",
        "state": state,
        "conf": (body or {}).get("conf") or {},
        "note": (body or {}).get("note"),
    }


def task_instance(run_id: str, task_id: str, map_index: int, state: str | None) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{run_id}/{task_id}/{map_index}")),
        "dag_id": "dms_deploy",
        "dag_display_name": "dms_deploy",
        "dag_run_id": run_id,
        "task_id": task_id,
        "task_display_name": task_id,
        "map_index": map_index,
        "state": state,
        "try_number": 1,
        "max_tries": 0,
        "executor_config": "{}",
        "pool": "default_pool",
        "pool_slots": 1,
        "run_after": NOW,
    }


def _handler(fake: FakeAirflow) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            status, reply = fake.handle(
                self.command, self.path, self.headers, self.rfile.read(length)
            )
            data = json.dumps(reply).encode()
            # The client may have given up waiting (the request-timeout test): nothing to tell.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        do_GET = do_POST = do_PATCH = _serve

        def log_message(self, *_: Any) -> None:  # quiet: pytest shows failures
            pass

    return Handler

"""A fake Airflow REST API v2 behind `httpx.MockTransport`, for the `dmsctl trigger` tests.

A run plays a script of frames: each `GET .../dagRuns/{run_id}` moves to the next frame,
which gives the run state and the state of each task instance.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

DAG = "/api/v2/dags/dms_deploy"
TiKey = tuple[str, int]
Frame = tuple[str, dict[TiKey, str | None]]

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
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    tokens_issued: int = 0

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def current(self, run_id: str) -> Frame:
        return self.runs[run_id][0]

    def body(self, method: str, path: str) -> Any:
        """The JSON body of the last request to this route."""
        return next(b for m, p, b in reversed(self.requests) if (m, p) == (method, path))

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        body = json.loads(request.content) if request.content else None
        self.requests.append((request.method, path, body))
        if path == "/auth/token":
            return self.login(body)
        if request.headers.get("Authorization") != f"Bearer token-{self.tokens_issued}":
            return httpx.Response(401, json={"detail": "Not authenticated"})
        if self.expire_token_once and path.startswith(f"{DAG}/dagRuns/"):
            self.expire_token_once = False
            return httpx.Response(401, json={"detail": "Token expired"})
        return self.route(request.method, path, body, request.url.params)

    def login(self, body: dict[str, Any]) -> httpx.Response:
        if (body.get("username"), body.get("password")) != (self.username, self.password):
            return httpx.Response(401, json={"detail": "Invalid credentials"})
        self.tokens_issued += 1
        return httpx.Response(201, json={"access_token": f"token-{self.tokens_issued}"})

    def route(self, method: str, path: str, body: Any, params: Any) -> httpx.Response:
        parts = path.removeprefix(DAG).strip("/").split("/")
        if not path.startswith(DAG):
            return httpx.Response(404, json={"detail": "Not Found"})
        if parts == [""] and method == "GET":
            return httpx.Response(200, json={"dag_id": "dms_deploy", "is_paused": self.paused})
        if parts == [""] and method == "PATCH":
            self.paused = body["is_paused"]
            return httpx.Response(200, json={"dag_id": "dms_deploy", "is_paused": self.paused})
        if parts == ["dagRuns"] and method == "POST":
            run_id = f"manual__{len(self.runs) + 1}"
            self.runs[run_id] = list(self.next_run)
            return httpx.Response(200, json={"dag_run_id": run_id, "state": "queued"})
        if parts == ["clearTaskInstances"] and method == "POST":
            return self.clear(body)
        run_id = parts[1]
        if run_id not in self.runs:
            return httpx.Response(404, json={"detail": f"run {run_id} not found"})
        if len(parts) == 2:
            return self.get_run(run_id)
        if parts[2:] == ["taskInstances"]:
            return self.task_instances(run_id, params)
        if parts[2] == "taskInstances" and parts[4] == "xcomEntries":
            return self.xcom(run_id, parts[3])
        if parts[2] == "taskInstances" and parts[4] == "logs":
            key = (parts[3], int(params.get("map_index", -1)))
            return httpx.Response(200, json={"content": self.logs.get(key, [])})
        return httpx.Response(404, json={"detail": "Not Found"})

    def get_run(self, run_id: str) -> httpx.Response:
        script = self.runs[run_id]
        if len(script) > 1:
            script.pop(0)
        return httpx.Response(200, json={"dag_run_id": run_id, "state": script[0][0]})

    def task_instances(self, run_id: str, params: Any) -> httpx.Response:
        tis = [
            {"task_id": task_id, "map_index": index, "state": state, "try_number": 1}
            for (task_id, index), state in self.current(run_id)[1].items()
        ]
        offset, limit = int(params["offset"]), int(params["limit"])
        page = tis[offset : offset + limit]
        return httpx.Response(200, json={"task_instances": page, "total_entries": len(tis)})

    def xcom(self, run_id: str, task_id: str) -> httpx.Response:
        if task_id != "check_state" or self.current(run_id)[1].get((task_id, -1)) != "success":
            return httpx.Response(404, json={"detail": "XCom entry not found"})
        return httpx.Response(200, json={"key": "return_value", "value": json.dumps(PLAN)})

    def clear(self, body: dict[str, Any]) -> httpx.Response:
        run_id = body["dag_run_id"]
        cleared = [{"task_id": t[0] if isinstance(t, list) else t} for t in body["task_ids"]]
        self.runs[run_id] = [("queued", self.current(run_id)[1]), *self.after_clear]
        return httpx.Response(200, json={"task_instances": cleared, "total_entries": 1})

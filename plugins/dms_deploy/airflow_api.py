"""A small client for the Airflow 3 REST API v2, as CI uses it: log in, trigger, follow, clear.

Plain httpx rather than `apache-airflow-client`: the handful of calls below do not justify
another pinned dependency, and tests drive this client through `httpx.MockTransport`.
Every failure becomes an `AirflowApiError` with a one-line reason, never a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx

# The page size of list endpoints; Airflow caps it at [api] maximum_page_limit (100).
PAGE_LIMIT = 100
TERMINAL_RUN_STATES = frozenset({"success", "failed"})


class AirflowApiError(Exception):
    """The API cannot be used: unreachable, refused, or answered with an error."""


class AuthError(AirflowApiError):
    """The credentials or the token were refused."""


class NotFoundError(AirflowApiError):
    """The DAG, the run or the entry does not exist."""


def _detail(response: httpx.Response) -> str:
    """The reason FastAPI gives (`{"detail": ...}`), else the start of the body."""
    try:
        detail = response.json().get("detail", response.text)
    except (ValueError, AttributeError):
        detail = response.text
    if not isinstance(detail, str):
        detail = json.dumps(detail)
    return " ".join(detail.split())[:300] or response.reason_phrase


class AirflowApi:
    """Calls `/auth/token` and `/api/v2`. Give a token, or a username and a password."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not token and not (username and password):
            raise AuthError("give an API token, or a username and a password")
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._username = username
        self._password = password
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> AirflowApi:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- transport -------------------------------------------------------------------------

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise AirflowApiError(f"Airflow API at {self.base_url} timed out ({exc})") from exc
        except httpx.HTTPError as exc:
            raise AirflowApiError(
                f"cannot reach the Airflow API at {self.base_url}: {exc}"
            ) from exc

    def login(self) -> str:
        """Exchange the username and password for a JWT (`POST /auth/token`)."""
        response = self._send(
            "POST", "/auth/token", json={"username": self._username, "password": self._password}
        )
        if response.status_code in (400, 401, 403):
            raise AuthError(f"login as {self._username!r} refused: {_detail(response)}")
        if response.status_code >= 300:
            raise AirflowApiError(f"POST /auth/token: HTTP {response.status_code}")
        try:
            self._token = response.json()["access_token"]
        except (ValueError, KeyError, TypeError) as exc:
            raise AirflowApiError(f"{self.base_url}/auth/token returned no access_token") from exc
        return self._token

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        if not self._token:
            self.login()
        response = self._send(method, f"/api/v2{path}", headers=self._headers(), **kwargs)
        if response.status_code == 401 and self._username and self._password:
            # A long follow can outlive the token; log in again once.
            self.login()
            response = self._send(method, f"/api/v2{path}", headers=self._headers(), **kwargs)
        if response.status_code in (401, 403):
            raise AuthError(f"{method} {path}: HTTP {response.status_code}: {_detail(response)}")
        if response.status_code == 404:
            raise NotFoundError(f"{method} {path}: not found: {_detail(response)}")
        if response.status_code >= 300:
            raise AirflowApiError(
                f"{method} {path}: HTTP {response.status_code}: {_detail(response)}"
            )
        return response.json() if response.content else None

    def _headers(self) -> dict[str, str]:
        # JSON, also for task logs (which otherwise stream as NDJSON).
        return {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}

    def _pages(self, path: str, key: str, params: dict[str, Any] | None = None) -> Iterator[Any]:
        offset = 0
        while True:
            page = self._call(
                "GET", path, params={**(params or {}), "limit": PAGE_LIMIT, "offset": offset}
            )
            items = page.get(key, [])
            yield from items
            offset += len(items)
            if not items or offset >= (page.get("total_entries") or 0):
                return

    # -- DAGs and runs ---------------------------------------------------------------------

    def get_dag(self, dag_id: str) -> dict[str, Any]:
        return self._call("GET", f"/dags/{dag_id}")

    def unpause(self, dag_id: str) -> None:
        self._call("PATCH", f"/dags/{dag_id}", json={"is_paused": False})

    def trigger(self, dag_id: str, conf: dict[str, Any], note: str | None = None) -> dict:
        # `logical_date` is required by the v2 body and may be null (a manual run).
        body: dict[str, Any] = {"logical_date": None, "conf": conf}
        if note:
            body["note"] = note
        return self._call("POST", f"/dags/{dag_id}/dagRuns", json=body)

    def get_run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        return self._call("GET", f"/dags/{dag_id}/dagRuns/{run_id}")

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        return list(self._pages(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", "task_instances"))

    def return_value(self, dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> Any:
        """A task's `return_value` XCom, decoded; None when it has none (yet)."""
        try:
            entry = self._call(
                "GET",
                f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/return_value",
                params={"map_index": map_index},
            )
        except NotFoundError:
            return None
        value = entry.get("value")
        # The native form is the stored JSON, which some backends keep as a string.
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    def clear_task_instances(
        self, dag_id: str, run_id: str, task_ids: list[str | list[str | int]]
    ) -> list[dict[str, Any]]:
        """Clear these task instances and their downstream, and requeue the run.

        `only_failed` is false on purpose: Airflow then also clears the setups and
        teardowns of each cleared task (pause, deploy, resume), as the UI's Clear does, so
        the step reruns whole; with `only_failed` only the failed ones would rerun.
        """
        body = {
            "dag_run_id": run_id,
            "task_ids": task_ids,
            "only_failed": False,
            "include_downstream": True,
            "include_upstream": False,
            "reset_dag_runs": True,
            "dry_run": False,
        }
        result = self._call("POST", f"/dags/{dag_id}/clearTaskInstances", json=body)
        return list(result.get("task_instances", []))

    def failure_lines(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, try_number: int
    ) -> list[str]:
        """The error lines of one task try's log: the reason a step failed."""
        try:
            log = self._call(
                "GET",
                f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}",
                params={"map_index": map_index, "full_content": "true"},
            )
        except NotFoundError:
            return []
        return error_lines(log.get("content", []) if isinstance(log, dict) else [])


def error_lines(content: list[Any]) -> list[str]:
    """Error events of a structured task log, with the exceptions they carry."""
    lines: list[str] = []
    for message in content:
        if not isinstance(message, dict):
            continue
        if str(message.get("level", "")).lower() not in ("error", "critical"):
            continue
        event = str(message.get("event", "")).strip()
        if event:
            lines.append(event)
        for error in message.get("error_detail") or ():
            if isinstance(error, dict) and error.get("exc_type"):
                lines.append(f"{error['exc_type']}: {error.get('exc_value', '')}".strip())
    return lines

"""The Airflow 3 REST API v2 as CI uses it (log in, trigger, follow, clear), over the official
`apache-airflow-client`.

The client makes every API call and checks every answer against the API's schema. This module
adds only what the client (3.3.2) does not do, each for a reason found in the client's source:

- **Logging in.** `POST /auth/token` is not in the OpenAPI document the client is generated
  from (no call for it in `airflow_client/`; its README hand-writes the request), so it is
  sent here, through the client's own REST transport (same pool, TLS and timeouts).
- **Renewing a token.** A follow can outlive the JWT; the client raises on the 401.
- **One-line errors.** `ApiException` renders as several lines with headers and body, and
  transport failures surface as urllib3 or pydantic exceptions. Every failure here becomes an
  `AirflowApiError` with a one-line reason, never a traceback.
- **Paging.** List calls return one page (at most `[api] maximum_page_limit`, 100).
- **Reading a task log's JSON.** The client's log model drops the `level` and `error_detail`
  of every message, which say why a step failed (see `_get_log`).

Import this module only where the API is used: importing the client takes ~0.9 s
(`python -X importtime -c "import airflow_client.client"`), which every other `dmsctl`
command would otherwise pay.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pydantic
import urllib3
from airflow_client.client import (
    ApiClient,
    ClearTaskInstancesBody,
    ClearTaskInstancesBodyTaskIdsInner,
    Configuration,
    DAGApi,
    DAGPatchBody,
    DAGResponse,
    DagRunApi,
    DAGRunResponse,
    TaskInstanceApi,
    TaskInstanceResponse,
    TriggerDAGRunPostBody,
    XComApi,
)
from airflow_client.client.exceptions import (
    ApiException,
    ForbiddenException,
    NotFoundException,
    UnauthorizedException,
)

# The page size of list endpoints; Airflow caps it at [api] maximum_page_limit (100).
PAGE_LIMIT = 100
T = TypeVar("T")


class AirflowApiError(Exception):
    """The API cannot be used: unreachable, refused, or answered with an error."""


class AuthError(AirflowApiError):
    """The credentials or the token were refused."""


class NotFoundError(AirflowApiError):
    """The DAG, the run or the entry does not exist."""


def _one_line(text: str, limit: int = 300) -> str:
    return " ".join(text.split())[:limit]


def _detail(body: str | None, fallback: str) -> str:
    """The reason FastAPI gives (`{"detail": ...}`), else the start of the body."""
    try:
        detail = json.loads(body or "").get("detail", body)
    except (ValueError, AttributeError):
        detail = body
    if not isinstance(detail, str):
        detail = json.dumps(detail)
    return _one_line(detail) or fallback


class AirflowApi:
    """The calls `dmsctl trigger` makes. Give a token, or a username and a password."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        if not token and not (username and password):
            raise AuthError("give an API token, or a username and a password")
        self.base_url = base_url.rstrip("/")
        self.timeout = float(timeout)
        self._username = username
        self._password = password
        config = Configuration(host=self.base_url, access_token=token or None)
        # Retry a refused or dropped connection (an API server restarting during a long
        # follow), never a request that may have reached the server: a trigger is a POST.
        config.retries = urllib3.Retry(
            connect=2, read=0, redirect=0, status=0, other=0, backoff_factor=0.5
        )
        self._client = ApiClient(config)
        self.dags = DAGApi(self._client)
        self.runs = DagRunApi(self._client)
        self.task_instances_api = TaskInstanceApi(self._client)
        self.xcoms = XComApi(self._client)

    def close(self) -> None:
        self._client.rest_client.pool_manager.clear()  # the client has no close()

    def __enter__(self) -> AirflowApi:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- transport -------------------------------------------------------------------------

    def _transport_error(self, exc: Exception) -> AirflowApiError:
        if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason is not None:
            exc = exc.reason
        # A refused connection is a NewConnectionError, which urllib3 derives from its
        # ConnectTimeoutError: not a timeout.
        timed_out = isinstance(exc, urllib3.exceptions.TimeoutError)
        if timed_out and not isinstance(exc, urllib3.exceptions.NewConnectionError):
            return AirflowApiError(
                f"Airflow API at {self.base_url} timed out after {self.timeout:g} s"
            )
        return AirflowApiError(
            f"cannot reach the Airflow API at {self.base_url}: {_one_line(str(exc))}"
        )

    def login(self) -> str:
        """Exchange the username and password for a JWT (`POST /auth/token`)."""
        try:
            response = self._client.rest_client.request(
                "POST",
                f"{self.base_url}/auth/token",
                headers={"Content-Type": "application/json", "Accept": "application/json"},
                body={"username": self._username, "password": self._password},
                _request_timeout=self.timeout,
            )
            response.read()
        except (urllib3.exceptions.HTTPError, ApiException) as exc:
            raise self._transport_error(exc) from exc
        body = response.data.decode("utf-8", errors="replace")
        if response.status in (400, 401, 403):
            raise AuthError(
                f"login as {self._username!r} refused: {_detail(body, str(response.reason))}"
            )
        if response.status >= 300:
            raise AirflowApiError(f"POST /auth/token: HTTP {response.status}")
        try:
            token = json.loads(body)["access_token"]
        except (ValueError, KeyError, TypeError) as exc:
            raise AirflowApiError(f"{self.base_url}/auth/token returned no access_token") from exc
        self._client.configuration.access_token = token
        return token

    def _call(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """One client call, with a login first if needed, and one renewal on a 401."""
        if not self._client.configuration.access_token:
            self.login()
        try:
            try:
                return call(*args, _request_timeout=self.timeout, **kwargs)
            except UnauthorizedException:
                if not (self._username and self._password):
                    raise
                self.login()  # the token expired during a long follow: renew it once
                return call(*args, _request_timeout=self.timeout, **kwargs)
        except ApiException as exc:
            raise self._api_error(call, exc) from exc
        except urllib3.exceptions.HTTPError as exc:
            raise self._transport_error(exc) from exc
        except (pydantic.ValidationError, ValueError) as exc:
            # An answer that does not match the schema this client was generated from.
            raise AirflowApiError(
                f"{_name(call)}: unexpected answer from {self.base_url} (is it Airflow 3.3?): "
                f"{_schema_errors(exc)}"
            ) from exc

    @staticmethod
    def _api_error(call: Callable[..., Any], exc: ApiException) -> AirflowApiError:
        detail = _detail(exc.body, str(exc.reason))
        if isinstance(exc, UnauthorizedException | ForbiddenException):
            return AuthError(f"{_name(call)}: HTTP {exc.status}: {detail}")
        if isinstance(exc, NotFoundException):
            return NotFoundError(f"{_name(call)}: not found: {detail}")
        return AirflowApiError(f"{_name(call)}: HTTP {exc.status}: {detail}")

    # -- DAGs and runs ---------------------------------------------------------------------

    def get_dag(self, dag_id: str) -> DAGResponse:
        return self._call(self.dags.get_dag, dag_id)

    def unpause(self, dag_id: str) -> None:
        self._call(self.dags.patch_dag, dag_id, DAGPatchBody(is_paused=False))

    def trigger(self, dag_id: str, conf: dict[str, Any], note: str | None = None) -> DAGRunResponse:
        # `logical_date` is required by the v2 body and may be null (a manual run).
        body = TriggerDAGRunPostBody(logical_date=None, conf=conf, note=note)
        return self._call(self.runs.trigger_dag_run, dag_id, body)

    def get_run(self, dag_id: str, run_id: str) -> DAGRunResponse:
        return self._call(self.runs.get_dag_run, dag_id, run_id)

    def task_instances(self, dag_id: str, run_id: str) -> list[TaskInstanceResponse]:
        return list(self._task_instance_pages(dag_id, run_id))

    def _task_instance_pages(self, dag_id: str, run_id: str) -> Iterator[TaskInstanceResponse]:
        offset = 0
        while True:
            page = self._call(
                self.task_instances_api.get_task_instances,
                dag_id,
                run_id,
                limit=PAGE_LIMIT,
                offset=offset,
            )
            yield from page.task_instances
            offset += len(page.task_instances)
            if not page.task_instances or offset >= (page.total_entries or 0):
                return

    def return_value(self, dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> Any:
        """A task's `return_value` XCom, decoded; None when it has none (yet)."""
        try:
            entry = self._call(
                self.xcoms.get_xcom_entry,
                dag_id,
                task_id,
                run_id,
                "return_value",
                map_index=map_index,
            )
        except NotFoundError:
            return None
        value = entry.actual_instance.value if entry.actual_instance else None
        # The native form is the stored JSON, which some backends keep as a string.
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    def clear_task_instances(
        self, dag_id: str, run_id: str, task_ids: list[str | list[str | int]]
    ) -> list[TaskInstanceResponse]:
        """Clear these task instances and their downstream, and requeue the run.

        `only_failed` is false on purpose: Airflow then also clears the setups and
        teardowns of each cleared task (pause, deploy, resume), as the UI's Clear does, so
        the step reruns whole; with `only_failed` only the failed ones would rerun.
        """
        body = ClearTaskInstancesBody(
            dag_run_id=run_id,
            task_ids=[ClearTaskInstancesBodyTaskIdsInner(task_id) for task_id in task_ids],
            only_failed=False,
            include_downstream=True,
            include_upstream=False,
            reset_dag_runs=True,
            dry_run=False,
        )
        result = self._call(self.task_instances_api.post_clear_task_instances, dag_id, body)
        return list(result.task_instances)

    def failure_lines(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, try_number: int
    ) -> list[str]:
        """The error lines of one task try's log: the reason a step failed."""
        try:
            log = self._call(self._get_log, dag_id, run_id, task_id, try_number, map_index)
        except NotFoundError:
            return []
        content = log.get("content", []) if isinstance(log, dict) else []
        return error_lines(content if isinstance(content, list) else [])

    def _get_log(
        self,
        dag_id: str,
        run_id: str,
        task_id: str,
        try_number: int,
        map_index: int,
        _request_timeout: float,
    ) -> Any:
        """A task try's log as JSON, requested by the client but decoded here.

        The client's `TaskInstancesLogResponse` keeps only `event` and `timestamp` of each
        structured message (it validates the list with pydantic, which drops the other keys),
        so `level` and `error_detail`, which say what failed, would be lost. Checked on
        3.3.2: deserializing `{"content": [{"event": "x", "level": "error"}]}` gives a
        message whose `additional_properties` is `{}`; the failed-run test shows the loss.
        """
        response = self.task_instances_api.get_log_without_preload_content(
            dag_id,
            run_id,
            task_id,
            try_number,
            full_content=True,
            map_index=map_index,
            accept="application/json",  # one JSON document, not NDJSON
            _request_timeout=_request_timeout,
        )
        body = response.data.decode("utf-8", errors="replace")
        if not 200 <= response.status <= 299:
            ApiException.from_response(http_resp=response, body=body, data=None)  # raises
        return json.loads(body)


def _schema_errors(exc: Exception, shown: int = 4) -> str:
    """`field: reason` for the first few fields that did not match, on one line."""
    if not isinstance(exc, pydantic.ValidationError):
        return _one_line(str(exc), 200)
    errors = exc.errors()
    named = [f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in errors[:shown]]
    more = f" (and {len(errors) - shown} more)" if len(errors) > shown else ""
    return "; ".join(named) + more


def _name(call: Callable[..., Any]) -> str:
    """`get_dag_run` -> `get dag run`: what failed, in the client's own terms."""
    return getattr(call, "__name__", "call").strip("_").replace("_", " ")


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

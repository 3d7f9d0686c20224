"""Input that used to crash `dmsctl` with a traceback, or pass silently, now gets one line.

Run as a user would: `dmsctl` in a subprocess, asserting the exit code, the single line
on stderr and the absence of a traceback. No AWS is needed: the "AWS" here is either
nothing, or a local HTTP server that answers as a web server, not as AWS.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

DMSCTL = [sys.executable, "-m", "dms_deploy.cli"]
# Nothing listens on the discard port: a call that got this far would fail to connect.
NOWHERE = "http://127.0.0.1:9"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AIRFLOW_CONN_"))}
    env |= {
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    return env | extra


def dmsctl(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*DMSCTL, *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env=env or _env(AWS_ENDPOINT_URL=NOWHERE),
    )


def assert_one_line(proc: subprocess.CompletedProcess, code: int, *fragments: str) -> str:
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    assert proc.returncode == code, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


@pytest.fixture
def configs(tmp_path: Path, examples_dir: Path) -> Path:
    copy = tmp_path / "configs"
    shutil.copytree(examples_dir, copy, ignore=shutil.ignore_patterns("schema"))
    return copy


# --- JSON that Python's parser cannot take -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"a":' * 100_000 + "1" + "}" * 100_000, "nest deeper than 64 levels"),
        ("[" * 500 + "]" * 500, "nest deeper than 64 levels"),
        ('{"port": ' + "9" * 5_000 + "}", "an integer of 5,000 digits is too large"),
        ('{"port": 1e999}', "the number 1e999 is out of range"),
    ],
    ids=["100k-deep", "500-deep", "5000-digit-int", "infinite-float"],
)
def test_json_python_cannot_take_is_one_dms001_finding(
    configs: Path, text: str, reason: str
) -> None:
    (configs / "teams" / "food.json").write_text(text)
    proc = dmsctl("validate", "--no-lint", "--configs", str(configs))
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    assert proc.returncode == 1
    findings = [line.strip() for line in proc.stdout.splitlines() if "DMS001 error" in line]
    assert len(findings) == 1, proc.stdout
    assert findings[0].startswith("DMS001 error  teams/food.json: ")
    assert reason in findings[0]


def test_the_plan_refuses_deep_json_without_aws(configs: Path) -> None:
    (configs / "base.json").write_text('{"a":' * 100_000 + "1" + "}" * 100_000)
    proc = dmsctl("plan", "--format", "json", "--configs", str(configs))
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    assert proc.returncode == 1
    dms001 = next(c for c in json.loads(proc.stdout)["checks"] if c["id"] == "DMS001")
    assert [f["file"] for f in dms001["findings"]] == ["base.json"]


# --- an endpoint that is not AWS -------------------------------------------------------------


class _NotAws(BaseHTTPRequestHandler):
    """A web server: answers every request, never as AWS does."""

    status, body, content_type = 200, b"<html><body>hello</body></html>", "text/html"

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(self.status)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    do_GET = do_POST = do_PUT = do_HEAD = _answer

    def log_message(self, *args: object) -> None:
        pass


# An error without a request id, a body that is not the API's XML, one that is not XML.
ANSWERS = {
    "html-404": (404, b"<html>not found</html>", "text/html"),
    "json-200": (200, b"{}", "application/json"),
    "xml-200": (200, b"<?xml version='1.0'?><Other/>", "text/xml"),
}


@contextlib.contextmanager
def serving(answer: str) -> Iterator[str]:
    status, body, content_type = ANSWERS[answer]
    handler = type(
        "Handler", (_NotAws,), {"status": status, "body": body, "content_type": content_type}
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, str]]:
    """One web server per kind of answer, for the module: answer -> URL."""
    with contextlib.ExitStack() as stack:
        yield {answer: stack.enter_context(serving(answer)) for answer in ANSWERS}


def _known_connection(url: str) -> str:
    return json.dumps(
        {
            "conn_type": "aws",
            "login": "testing",
            "password": "testing",
            "extra": {"endpoint_url": url, "region_name": "us-east-1"},
        }
    )


@pytest.fixture(scope="module")
def plans(
    tmp_path_factory: pytest.TempPathFactory, examples_dir: Path, servers: dict[str, str]
) -> dict[str, subprocess.CompletedProcess]:
    """Every `dmsctl plan` case of this module, run a few at a time: each process pays for
    importing Airflow, so running them one by one would dominate the module's time."""
    configs = tmp_path_factory.mktemp("plans") / "configs"
    shutil.copytree(examples_dir, configs, ignore=shutil.ignore_patterns("schema"))
    plan = ["plan", "--configs", str(configs)]
    cases = {
        "not-a-url": (plan, _env(AWS_ENDPOINT_URL="not-a-url")),
        **{f"not-aws-{a}": (plan, _env(AWS_ENDPOINT_URL=url)) for a, url in servers.items()},
        **{
            f"unknown-{conn_id}": ([*plan, "--aws-conn-id", conn_id], None)
            for conn_id in ("nope", "aws_default")
        },
        "known-connection": (
            [*plan, "--aws-conn-id", "mine"],
            _env(
                AWS_ENDPOINT_URL=NOWHERE,
                AIRFLOW_CONN_MINE=_known_connection(servers["html-404"]),
            ),
        ),
    }
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {name: pool.submit(dmsctl, *args, env=env) for name, (args, env) in cases.items()}
        return {name: future.result() for name, future in futures.items()}


def test_an_endpoint_url_that_is_not_a_url(plans) -> None:
    assert_one_line(plans["not-a-url"], 2, "dmsctl plan: cannot use AWS", "not-a-url")


@pytest.mark.parametrize("answer", sorted(ANSWERS))
def test_an_endpoint_that_answers_but_is_not_aws(plans, servers, answer: str) -> None:
    assert_one_line(
        plans[f"not-aws-{answer}"],
        2,
        "dmsctl plan: cannot use AWS",
        servers[answer],
        "does not answer as AWS",
    )


# --- Airflow connections --------------------------------------------------------------------


@pytest.mark.parametrize("conn_id", ["nope", "aws_default"])
def test_an_unknown_connection_is_refused_not_replaced_by_default_credentials(
    plans, conn_id: str
) -> None:
    assert_one_line(
        plans[f"unknown-{conn_id}"], 2, f"Airflow connection {conn_id!r} does not exist"
    )


def test_a_known_connection_is_the_one_used(plans, servers) -> None:
    """The connection's endpoint_url, not AWS_ENDPOINT_URL, is the one the plan reaches."""
    assert_one_line(plans["known-connection"], 2, servers["html-404"], "does not answer as AWS")

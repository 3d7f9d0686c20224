"""`dmsctl plan`: the JSON contract on stdout, exit codes, Markdown, unusable input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dms_deploy.cli import main
from dms_deploy.paths import REPO_ROOT
from tests.planner import sandbox_world as sw
from tests.planner import world

BAD_JSON = REPO_ROOT / "tests" / "bad_configs" / "bad-json"


def test_config_error_is_a_no_go_with_its_finding(capsys):
    assert main(["plan", "--configs", str(BAD_JSON), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["go"] is False
    dms001 = next(c for c in data["checks"] if c["id"] == "DMS001")
    assert dms001["status"] == "fail" and dms001["findings"][0]["file"]
    assert data["steps"] == []


def test_missing_configs_dir_is_unusable(capsys, tmp_path):
    assert main(["plan", "--configs", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_unreachable_aws_is_unusable_with_one_line(capsys, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    assert main(["plan", "--format", "json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = [line for line in captured.err.splitlines() if line.startswith("dmsctl plan:")]
    assert lines and "Could not connect" in lines[0]
    assert "Traceback" not in captured.err


def dmsctl(*args: str) -> subprocess.CompletedProcess:
    """The installed command in its own process: stdout must carry the plan alone."""
    command = [str(Path(sys.executable).with_name("dmsctl")), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.sandbox
def test_plan_against_deployed_example_is_go_with_no_changes(bootstrapped_sandbox):
    sw.deploy(world.example(), sw.clients())
    result = dmsctl("plan")  # not a terminal: JSON by default
    data = json.loads(result.stdout)
    assert "[info" not in result.stderr  # the provider hooks' INFO lines are quieted
    assert result.returncode == 0, [c for c in data["checks"] if c["status"] != "pass"]
    assert data["go"] is True and data["steps"] == []
    assert [c["id"] for c in data["checks"]][-11:] == [f"DMS1{i:02d}" for i in range(1, 12)]

    verbose = dmsctl(
        "plan", "--verbose"
    )  # Airflow's INFO lines on stderr, the plan alone on stdout
    assert "[info" in verbose.stderr
    assert json.loads(verbose.stdout)["go"] is True

    result = dmsctl("plan", "--format", "markdown")
    assert result.returncode == 0
    assert result.stdout.startswith("## GO: no changes")
    assert "### Checks" in result.stdout and "| DMS108 | pass |" in result.stdout


@pytest.mark.sandbox
def test_plan_without_base_stack_is_no_go(bootstrapped_sandbox, capsys, tmp_path):
    out = tmp_path / "plan.json"
    assert main(["plan", "--teams", "food", "--format", "json", "--out", str(out)]) == 1
    data = json.loads(out.read_text())
    dms101 = next(c for c in data["checks"] if c["id"] == "DMS101")
    assert dms101["status"] == "fail"

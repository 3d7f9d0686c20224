"""`dmsctl drift`: exit 0 without findings, 1 with findings, 2 when input or AWS is unusable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dms_deploy.cli import main
from dms_deploy.paths import REPO_ROOT
from sandbox.client import SandboxClient

BAD_JSON = REPO_ROOT / "tests" / "bad_configs" / "bad-json"


def test_configs_that_fail_offline_checks_are_unusable(capsys: pytest.CaptureFixture) -> None:
    assert main(["drift", "--configs", str(BAD_JSON), "--format", "json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "dmsctl drift: the configs do not pass the offline checks (DMS001" in captured.err


def test_unreachable_aws_is_unusable_with_one_line(
    capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "not-a-url")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    assert main(["drift", "--format", "json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = [line for line in captured.err.splitlines() if line.startswith("dmsctl drift:")]
    assert lines and "cannot use AWS" in lines[0] and "must be an http(s) URL" in lines[0]
    assert "Traceback" not in captured.err


@pytest.mark.sandbox
def test_exit_codes_and_formats_against_the_sandbox(
    deployed: SandboxClient, configs: Path, capsys: pytest.CaptureFixture
) -> None:
    assert main(["drift", "--configs", str(configs), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["healthy"] is True and data["findings"] == []

    deployed.hold_cdc_latency("logistics-shipments", 1200)
    assert main(["drift", "--configs", str(configs), "--format", "json"]) == 1
    (finding,) = json.loads(capsys.readouterr().out)["findings"]
    assert finding["kind"] == "cdc-latency"
    assert finding["resource"] == "task logistics-shipments"
    assert set(finding) == {"kind", "resource", "seen", "action"}

    assert main(["drift", "--configs", str(configs), "--format", "markdown"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("# Drift watch")
    assert "| cdc-latency | task logistics-shipments |" in out

    args = ["drift", "--configs", str(configs), "--latency-seconds", "1500", "--format", "json"]
    assert main(args) == 0

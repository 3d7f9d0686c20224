"""`dmsctl history` on unusable input: one line, exit 2, no traceback."""

from __future__ import annotations

import pytest

from dms_deploy.cli import main
from dms_deploy.paths import REPO_ROOT

BASE_MISSING_BUCKET = REPO_ROOT / "tests" / "bad_configs" / "base-missing-bucket"


def test_unreachable_aws_is_unusable_with_one_line(capsys, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    assert main(["history"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = [line for line in captured.err.splitlines() if line.startswith("dmsctl history:")]
    assert lines and "Could not connect" in lines[0]
    assert "Traceback" not in captured.err


def test_a_base_config_without_a_bucket_names_the_file_and_reason(capsys):
    assert main(["history", "--configs", str(BASE_MISSING_BUCKET)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dmsctl history: ") and "base.json" in err and "bucket" in err
    assert len(err.strip().splitlines()) == 1


def test_a_since_that_is_not_a_date_is_refused(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["history", "--since", "yesterday"])
    assert exited.value.code == 2
    assert "'yesterday' is not a date" in capsys.readouterr().err

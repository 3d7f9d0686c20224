"""`python -m sandbox --account-id`: a second sandbox stands for a second AWS account."""

from __future__ import annotations

import subprocess
import sys

import boto3
import pytest

from sandbox import ACCOUNT_ID
from sandbox.launch import REPO, running_sandbox
from tests.conftest import TEST_TIME_SCALE

pytestmark = pytest.mark.sandbox

OTHER_ACCOUNT = "210987654321"


def caller_account(url: str) -> str:
    sts = boto3.client(
        "sts",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return sts.get_caller_identity()["Account"]


def test_each_sandbox_answers_get_caller_identity_with_its_account(sandbox):
    assert caller_account(sandbox.url) == ACCOUNT_ID
    with running_sandbox(TEST_TIME_SCALE, account_id=OTHER_ACCOUNT) as other:
        assert caller_account(other.url) == OTHER_ACCOUNT
        # Resources it creates belong to that account too.
        summary = other.bootstrap(str(REPO / "dms_configs"))
        assert summary
        secrets = boto3.client(
            "secretsmanager",
            endpoint_url=other.url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ).list_secrets()["SecretList"]
        assert secrets and all(f":{OTHER_ACCOUNT}:" in s["ARN"] for s in secrets)


def test_account_id_must_be_twelve_digits():
    result = subprocess.run(
        [sys.executable, "-m", "sandbox", "--port", "0", "--account-id", "1234"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "--account-id must be 12 digits" in result.stderr

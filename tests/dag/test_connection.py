"""The DAG deploys only through the Airflow connection it names, never a fallback."""

from __future__ import annotations

import boto3
import pytest

from scripts.local_airflow import trigger

pytestmark = [pytest.mark.sandbox, pytest.mark.e2e]


def test_an_unknown_connection_fails_check_state_and_deploys_nothing(account, monkeypatch):
    # The environment still holds working credentials for the account: the provider's
    # hooks would fall back to them and deploy.
    monkeypatch.setenv("DMS_DEPLOY_AWS_CONN_ID", "nope")
    result = trigger()
    assert result.state == "failed"
    assert result.state_of("check_state") == ["failed"]
    assert not result.ran("step_1.pause_tasks")
    stacks = boto3.client("cloudformation").describe_stacks()["Stacks"]
    assert not [s["StackName"] for s in stacks if s["StackName"].startswith("dms-")]

"""Promotion through two AWS accounts, end to end: the real DAG against two sandboxes.

Staging is account 210987654321, production the default sandbox account. Each has its own
Airflow connection, and each run deploys through the connection its own Airflow deployment
names (`DMS_DEPLOY_AWS_CONN_ID`, docs/production.md). The promotion is the documented one
(README "Environments and promotion", ci-examples/deploy-on-merge.yml): a staging run with
`rehearse`, then a production run, planned afresh, only when the staging run succeeded.

The account guard of the later steps is tested here too: a connection edited after
check_state to reach the other account is refused before any change there.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from sandbox.client import SandboxClient
from scripts.local_airflow import (
    RunResult,
    clear_failed_and_rerun,
    deploy_directly,
    trigger,
    xcom,
)
from tests.dag.test_rehearsal import RECIPES, bump_recipes, short_soak  # noqa: F401
from tests.faults.promises import assert_promises, deployed_tasks, objects, record
from tests.planner.sandbox_world import READ_ONLY_PREFIXES
from tests.planner.test_environments_sandbox import (  # noqa: F401
    STAGING_ACCOUNT,
    connect,
    staging_server,
    write_environments,
)

pytestmark = [pytest.mark.sandbox, pytest.mark.e2e]

BUMPED_FOLDER = "recipesdb__public__recipes__v202611260000"


@dataclass(frozen=True)
class Accounts:
    staging: SandboxClient
    production: SandboxClient

    def of(self, environment: str) -> SandboxClient:
        return self.staging if environment == "staging" else self.production


@contextmanager
def aws_at(sandbox: SandboxClient) -> Iterator[None]:
    """boto3's default clients (the promise checks, a direct deploy) reach this sandbox."""
    previous = os.environ["AWS_ENDPOINT_URL"]
    os.environ["AWS_ENDPOINT_URL"] = sandbox.url
    try:
        yield
    finally:
        os.environ["AWS_ENDPOINT_URL"] = previous


def two_accounts(
    production: SandboxClient, staging: SandboxClient, configs: Path, monkeypatch, deploy_to
) -> Accounts:
    """Both accounts bootstrapped, each behind its own connection, environments.json naming
    both, and the example configs deployed and replicating in the environments `deploy_to`
    names."""
    staging.reset()
    staging.bootstrap(str(configs))
    write_environments(configs)
    both = Accounts(staging, production)
    for environment in ("staging", "production"):
        connect(monkeypatch, f"aws_{environment}", both.of(environment))
        if environment in deploy_to:
            with aws_at(both.of(environment)):
                deploy_directly(configs, environment=environment)
        both.of(environment).clear_calls()
    return both


@pytest.fixture
def accounts(account, staging_server, configs, monkeypatch, short_soak) -> Accounts:  # noqa: F811
    """Staging and production, both deployed."""
    return two_accounts(account, staging_server, configs, monkeypatch, ("staging", "production"))


@pytest.fixture
def staging_deployed(account, staging_server, configs, monkeypatch) -> Accounts:  # noqa: F811
    """Staging deployed; production only another account to reach by mistake."""
    return two_accounts(account, staging_server, configs, monkeypatch, ("staging",))


def run_in(
    environment: str,
    monkeypatch: pytest.MonkeyPatch,
    conf: dict | None = None,
    before: dict[str, Callable[[], None]] | None = None,
) -> RunResult:
    """A run of `dms_deploy` in the environment's own Airflow deployment."""
    monkeypatch.setenv("DMS_DEPLOY_AWS_CONN_ID", f"aws_{environment}")
    return trigger({"environment": environment, **(conf or {})}, before=before)


def promote_after(staging: RunResult, monkeypatch: pytest.MonkeyPatch) -> RunResult | None:
    """The `&&` of `dmsctl trigger --wait --env staging --rehearse && dmsctl trigger --wait
    --env production`: production runs only when staging's run succeeded."""
    if staging.state != "success":
        return None
    return run_in("production", monkeypatch)


# What check_state and the rehearsal call: reads, and CloudFormation's template validation.
NOT_CHANGING = (*READ_ONLY_PREFIXES, "ValidateTemplate")


def writes(sandbox: SandboxClient) -> list[str]:
    return [c["operation"] for c in sandbox.calls() if not c["operation"].startswith(NOT_CHANGING)]


def start_task(task_id: str) -> None:
    dms = boto3.client("dms")
    (task,) = dms.describe_replication_tasks(
        Filters=[{"Name": "replication-task-id", "Values": [task_id]}]
    )["ReplicationTasks"]
    dms.start_replication_task(
        ReplicationTaskArn=task["ReplicationTaskArn"], StartReplicationTaskType="resume-processing"
    )


def stop_task(task_id: str) -> None:
    dms = boto3.client("dms")
    (task,) = dms.describe_replication_tasks(
        Filters=[{"Name": "replication-task-id", "Values": [task_id]}]
    )["ReplicationTasks"]
    dms.stop_replication_task(ReplicationTaskArn=task["ReplicationTaskArn"])


def test_a_version_bump_is_promoted_only_once_its_staging_rehearsal_holds(
    accounts: Accounts, configs: Path, monkeypatch, capfd
):
    """Staging's rehearsal first fails (the changed task stops right after the deploy):
    the run says why and production is untouched. The task is started again and the
    failed rehearsal cleared, as docs/production.md says; staging now holds, and the same
    change, planned afresh against production, deploys there. Both end converged."""
    before = {}
    for environment in ("staging", "production"):
        with aws_at(accounts.of(environment)):
            before[environment] = record(accounts.of(environment))
        accounts.of(environment).clear_calls()
    with aws_at(accounts.production):
        production_stacks = deployed_tasks()
    accounts.production.clear_calls()
    bump_recipes(configs)

    def stopped_in_staging() -> None:
        with aws_at(accounts.staging):
            stop_task(RECIPES)

    staging = run_in(
        "staging",
        monkeypatch,
        {"rehearse": True},
        before={"rehearse_tasks_running": stopped_in_staging},
    )
    assert promote_after(staging, monkeypatch) is None
    assert staging.state == "failed"
    assert staging.state_of("rehearse_tasks_running") == ["failed"]
    out = capfd.readouterr().out
    assert f"the rehearsal failed: {RECIPES} stopped" in out
    assert "must not be promoted to production" in out
    assert accounts.production.calls() == []
    with aws_at(accounts.production):
        assert deployed_tasks() == production_stacks
        # Unchanged, so one bump behind the configs: not converged yet.
        assert_promises(before["production"], accounts.production, configs, converged=False)
    accounts.production.clear_calls()

    with aws_at(accounts.staging):
        start_task(RECIPES)
    staging = clear_failed_and_rerun(staging.run_id)
    production = promote_after(staging, monkeypatch)

    assert staging.state == "success", staging.tasks
    assert staging.state_of("rehearse_cdc_latency") == ["success"]
    assert production is not None and production.state == "success", production.tasks
    assert production.state_of("rehearse_cdc_latency") == ["skipped"]
    assert f"watching the CDC latency of {RECIPES}" in capfd.readouterr().out
    # Production's plan is its own, made against production's state.
    staged = xcom(staging.run_id, "check_state")["plan"]
    produced = xcom(production.run_id, "check_state")["plan"]
    assert (staged["environment"], produced["environment"]) == ("staging", "production")
    assert staged["digest"] != produced["digest"]
    for environment in ("staging", "production"):
        sandbox = accounts.of(environment)
        assert "StopReplicationTask" in writes(sandbox), environment
        with aws_at(sandbox):
            assert_promises(
                before[environment], sandbox, configs, may_stop={RECIPES}, environment=environment
            )
            loaded = [k for k in objects() if f"/{BUMPED_FOLDER}/LOAD" in k]
            assert loaded, f"{environment}: the bumped table was not loaded anew"


def switch_connection(monkeypatch, accounts: Accounts) -> Callable[[], None]:
    """Someone edits staging's connection to reach production's account, mid-run."""

    def switch() -> None:
        connect(monkeypatch, "aws_staging", accounts.production)
        accounts.production.clear_calls()

    return switch


def test_a_connection_switched_before_pause_is_refused_before_any_change(
    staging_deployed: Accounts, configs: Path, monkeypatch, capfd
):
    accounts = staging_deployed
    with aws_at(accounts.staging):
        before = record(accounts.staging)
    accounts.staging.clear_calls()
    bump_recipes(configs)
    switch = switch_connection(monkeypatch, accounts)

    result = run_in("staging", monkeypatch, before={"step_1.pause_tasks": switch})

    assert result.state == "failed"
    assert result.state_of("step_1.pause_tasks") == ["failed"]
    assert not result.ran("step_1.deploy_stack")
    out = capfd.readouterr().out
    assert (
        "the connection now reaches account 123456789012, but this run's plan is for "
        f"environment 'staging', account {STAGING_ACCOUNT}"
    ) in out
    assert "nothing was stopped or changed" in out
    calls = [c["operation"] for c in accounts.production.calls()]
    assert "GetCallerIdentity" in calls and writes(accounts.production) == [], calls
    # check_state stored the plan's templates in staging before the switch; nothing else.
    assert {w for w in writes(accounts.staging)} <= {"HeadObject", "PutObject"}
    with aws_at(accounts.staging):
        assert_promises(before, accounts.staging, configs, converged=False)


def test_a_connection_switched_mid_run_changes_and_judges_nothing_in_the_other_account(
    staging_deployed: Accounts, configs: Path, monkeypatch, capfd
):
    """Switched before deploy_stack: the pause had stopped a task in staging; neither the
    deploy nor the resume touches production, and the failed run names the task left
    stopped. Put back, clearing the failed tasks finishes the deploy in staging. Switched
    again before the rehearsal: it reads nothing in production and fails."""
    accounts = staging_deployed
    with aws_at(accounts.staging):
        before = record(accounts.staging)
    accounts.staging.clear_calls()
    bump_recipes(configs)
    switch = switch_connection(monkeypatch, accounts)

    result = run_in(
        "staging", monkeypatch, {"rehearse": True}, before={"step_1.deploy_stack": switch}
    )

    assert result.state == "failed"
    assert result.state_of("step_1.pause_tasks") == ["success"]
    assert result.state_of("step_1.deploy_stack") == ["failed"]
    assert result.state_of("step_1.resume_tasks") == ["failed"]
    out = capfd.readouterr().out
    assert "nothing was deployed" in out
    assert f"In account {STAGING_ACCOUNT} these tasks may still be stopped: {RECIPES}" in out
    assert writes(accounts.production) == []
    assert "StopReplicationTask" in writes(accounts.staging)

    connect(monkeypatch, "aws_staging", accounts.staging)
    rerun = clear_failed_and_rerun(result.run_id, before={"rehearse_tasks_running": switch})
    assert rerun.state == "failed"
    assert rerun.state_of("step_2.resume_tasks") == ["success"]
    assert rerun.state_of("rehearse_tasks_running") == ["failed"]
    out = capfd.readouterr().out
    assert "nothing was read there, and this rehearsal did not hold" in out
    assert [c["operation"] for c in accounts.production.calls()] == ["GetCallerIdentity"] * 2
    with aws_at(accounts.staging):
        assert_promises(
            before, accounts.staging, configs, may_stop={RECIPES}, environment="staging"
        )

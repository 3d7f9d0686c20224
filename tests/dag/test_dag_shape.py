"""The DAG's contract: ids, params, wiring, and an import that does no I/O."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import pytest
from airflow.sdk.exceptions import ParamValidationError

from dms_deploy.audit.record import deciding_task_ids
from dms_deploy.aws_pool import AWS_POOL
from scripts.local_airflow import REPO, load_dag

STEP_TASKS = [
    "pause_tasks",
    "deploy_stack",
    "wait_for_stack",
    "resume_tasks",
    "verify_no_s3_overwrite",
]
DAG_FILE = str(REPO / "dags" / "dms_deploy.py")


def test_dag_id_schedule_and_runs() -> None:
    dag = load_dag()
    assert dag.dag_id == "dms_deploy"
    assert dag.schedule is None
    assert dag.max_active_runs == 1


def test_task_ids_are_the_step_names_inside_one_group_per_step() -> None:
    dag = load_dag()
    ids = set(dag.task_ids)
    assert {"validate_configs", "render_templates", "check_state"} <= ids
    for step in ("step_1", "step_2", "step_3"):
        for name in STEP_TASKS:
            assert f"{step}.{name}" in ids
    assert dag.get_task("check_state").upstream_task_ids == {"render_templates"}
    assert dag.get_task("render_templates").upstream_task_ids == {"validate_configs"}
    assert "record_run" in ids


def test_a_disruptive_plan_waits_at_approve_plan_between_the_plan_and_the_first_step() -> None:
    """approve_plan follows check_state; a rejection fails it, which leaves step_1_stacks
    upstream_failed, while a skipped gate (no approval needed) lets it run."""
    from airflow.providers.standard.operators.hitl import ApprovalOperator

    dag = load_dag()
    approve = dag.get_task("approve_plan")
    assert isinstance(approve, ApprovalOperator)
    assert approve.fail_on_reject is True
    assert approve.response_timeout.total_seconds() == 24 * 3600
    assert approve.upstream_task_ids == {"check_state"}
    first = dag.get_task("step_1_stacks")
    assert "approve_plan" in first.upstream_task_ids
    assert first.trigger_rule == "none_failed"
    assert approve.downstream_task_ids == {"step_1_stacks", "record_run"}


def test_who_may_approve_and_how_long_the_gate_waits_are_configured(monkeypatch) -> None:
    monkeypatch.setenv("DMS_DEPLOY_APPROVERS", " alice, bob ,")
    monkeypatch.setenv("DMS_DEPLOY_APPROVAL_TIMEOUT_HOURS", "2.5")
    approve = load_dag().get_task("approve_plan")
    assert approve.assigned_users == [
        {"id": "alice", "name": "alice"},
        {"id": "bob", "name": "bob"},
    ]
    assert approve.response_timeout.total_seconds() == 2.5 * 3600
    monkeypatch.delenv("DMS_DEPLOY_APPROVERS")
    assert load_dag().get_task("approve_plan").assigned_users is None


def test_the_ledger_task_runs_last_whatever_happened() -> None:
    """`record_run` follows every task but the setups (which precede their step's other
    tasks), so it runs after all of them, and it is the run's only leaf."""
    dag = load_dag()
    record = dag.get_task("record_run")
    assert record.trigger_rule == "all_done"
    others = {t.task_id for t in dag.tasks if t.task_id != "record_run" and not t.is_setup}
    assert record.upstream_task_ids == others
    assert [t.task_id for t in dag.leaves] == ["record_run"]
    # In its place it ends as the deploy's own last step ends.
    assert deciding_task_ids(dag.tasks, leave_out="record_run") == {"rehearse_cdc_latency"}


def test_the_rehearsal_follows_the_last_step_and_decides_the_run() -> None:
    """A failed step leaves the rehearsal upstream_failed (so the run fails by it), a step
    the plan skipped does not skip it, and a failed rehearsal fails the run."""
    dag = load_dag()
    running = dag.get_task("rehearse_tasks_running")
    latency = dag.get_task("rehearse_cdc_latency")
    assert running.trigger_rule == "none_failed"
    assert "step_3.verify_no_s3_overwrite" in running.upstream_task_ids
    assert latency.upstream_task_ids >= {"rehearse_tasks_running"}
    assert dag.params["rehearse"] is False
    assert dag.params.get_param("rehearse").description


def test_pause_and_resume_are_setup_and_teardown() -> None:
    dag = load_dag()
    pause = dag.get_task("step_1.pause_tasks")
    resume = dag.get_task("step_1.resume_tasks")
    assert pause.is_setup
    assert resume.is_teardown
    assert "step_1.pause_tasks" in resume.upstream_task_ids or any(
        "pause_tasks" in t for t in resume.get_flat_relative_ids(upstream=True)
    )


def test_aws_steps_retry_with_exponential_backoff() -> None:
    dag = load_dag()
    for task_id in ("check_state", "step_1.deploy_stack", "step_1.pause_tasks"):
        task = dag.get_task(task_id)
        assert task.retries >= 1
        assert task.retry_exponential_backoff


def test_every_step_that_calls_aws_takes_a_slot_of_the_aws_pool() -> None:
    dag = load_dag()
    aws_steps = [t for t in dag.tasks if getattr(t, "aws_conn_id", None)]
    assert {"check_state", "step_1.deploy_stack", "step_3.verify_no_s3_overwrite"} <= {
        t.task_id for t in aws_steps
    }
    assert {t.task_id: t.pool for t in aws_steps} == {t.task_id: AWS_POOL for t in aws_steps}
    # The offline steps call no AWS API and do not wait for a slot.
    assert dag.get_task("validate_configs").pool != AWS_POOL


def test_params_have_a_schema_with_safe_defaults() -> None:
    dag = load_dag()
    params = dag.params
    assert params["dry_run"] is False
    assert params["allow_disruptive"] is False
    assert params["teams"] == "all"
    assert params["git_sha"] is None
    assert params["plan_digest"] is None
    schema = params.get_param("dry_run").schema
    assert schema["type"] == "boolean"


def test_the_trigger_form_submits_with_its_defaults_and_empty_optional_fields() -> None:
    """The form sends null for an optional field left empty: it must validate, as the
    defaults do, so Trigger is enabled without pasting a digest."""
    params = copy.deepcopy(load_dag().params)
    assert params.validate()["plan_digest"] is None
    params.update({"git_sha": None, "plan_digest": None})
    assert params.validate() == {
        "dry_run": False,
        "teams": "all",
        "allow_disruptive": False,
        "git_sha": None,
        "plan_digest": None,
        "environment": None,
        "rehearse": False,
    }
    # The schema still refuses what is not a string.
    with pytest.raises(ParamValidationError):
        params.update({"plan_digest": 42})


def test_every_param_says_what_it_is_for() -> None:
    params = load_dag().params
    for name in params:
        param = params.get_param(name)
        assert len(param.description or "") > 20, name


def test_mapped_step_instances_are_named_by_stack_and_action() -> None:
    dag = load_dag()
    item = {"stack": {"name": "dms-food", "action": "update", "body_sha256": None}}
    env = dag.get_template_env()
    for name in STEP_TASKS:
        task = dag.get_task(f"step_1.{name}")
        # What the task runner does: render the template with the unmapped task in context.
        unmapped = SimpleNamespace(
            item=item, deploy_result={"stack": "dms-food", "action": "update"}
        )
        rendered = env.from_string(task.map_index_template).render(task=unmapped)
        assert rendered == "dms-food (update)", name


def test_each_step_group_says_what_it_is_for() -> None:
    dag = load_dag()
    for number in (1, 2, 3):
        group = dag.task_group_dict[f"step_{number}"]
        assert f"step {number}" in group.tooltip
        assert "deploy" in group.tooltip
        assert "deploys" in dag.get_task(f"step_{number}_stacks").task_display_name


def test_the_step_tasks_that_touch_the_stack_or_its_tasks_link_to_both_consoles() -> None:
    dag = load_dag()
    for name in ("pause_tasks", "deploy_stack", "resume_tasks"):
        links = dag.get_task(f"step_1.{name}").operator_extra_links
        assert {link.name for link in links} == {"CloudFormation stack", "DMS tasks"}, name


def test_the_dag_doc_tells_an_operator_how_to_clear_and_where_the_plan_is() -> None:
    doc = load_dag().doc_md
    for words in (
        "check_state",
        "Clear",
        "--clear-failed",
        "dry_run",
        "plan_digest",
        "approve_plan",
        "DMS_DEPLOY_APPROVERS",
        "DMS_DEPLOY_APPROVAL_TIMEOUT_HOURS",
    ):
        assert words in doc
    # The clear dialog has Downstream selected already: clicking it would turn it off.
    assert "with Downstream" not in doc


def test_import_reads_no_config_and_makes_no_aws_call(tmp_path) -> None:
    """Imports the DAG file in a fresh interpreter where every config read is recorded and
    every AWS call would raise. (Its import time is a figure, not an assert: it is printed
    by `bench/dag_import.py`.)"""
    probe = textwrap.dedent(
        f"""
        import builtins, json, time, importlib.util
        import airflow.sdk  # Airflow itself is loaded by the DAG processor anyway
        import botocore.client
        opened = []
        real_open = builtins.open
        def watching_open(file, *args, **kwargs):
            opened.append(str(file))
            return real_open(file, *args, **kwargs)
        builtins.open = watching_open
        def no_aws(*args, **kwargs):
            raise AssertionError("AWS call at import")
        botocore.client.BaseClient._make_api_call = no_aws
        start = time.perf_counter()
        spec = importlib.util.spec_from_file_location("dms_deploy_dag", {DAG_FILE!r})
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        elapsed = time.perf_counter() - start
        builtins.open = real_open
        print(json.dumps({{"seconds": elapsed, "opened": opened}}))
        """
    )
    env = {**os.environ, "DMS_DEPLOY_CONFIG_DIR": str(tmp_path / "configs")}
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    configs = [p for p in result["opened"] if "configs" in p or p.endswith(".json")]
    assert configs == []

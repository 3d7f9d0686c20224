"""dms_deploy: validate, render, check live state, then deploy each plan step safely.

Wiring only: no config is read and no AWS call is made at import time. Every step is an
operator over a library function in `dms_deploy.apply` or `dms_deploy.plan`.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from airflow.sdk import DAG, Param, task_group

from dms_deploy.operators.offline import RenderTemplatesOperator, ValidateConfigsOperator
from dms_deploy.operators.plan_step import CheckStateOperator, SelectStepOperator
from dms_deploy.operators.record_run import RecordRunOperator
from dms_deploy.operators.step import (
    DeployStackOperator,
    PauseTasksOperator,
    ResumeTasksOperator,
    VerifyNoS3OverwriteOperator,
)
from dms_deploy.sensors.full_loads import WaitForFullLoadsSensor
from dms_deploy.sensors.stack import WaitForStackSensor

# A plan has at most three steps: the base stack, then a version bump's remove and re-add.
MAX_STEPS = 3
AWS_CONN_ID = os.environ.get("DMS_DEPLOY_AWS_CONN_ID", "aws_default")
# Without a triggerer, set DMS_DEPLOY_DEFERRABLE=false: the waits then run in reschedule mode.
DEFERRABLE = os.environ.get("DMS_DEPLOY_DEFERRABLE", "true").lower() != "false"
POLL_SECONDS = float(os.environ.get("DMS_DEPLOY_POLL_SECONDS", "15"))
# How long the proof waits for new tables' full loads before it fails with what to do.
FULL_LOAD_HOURS = float(os.environ.get("DMS_DEPLOY_FULL_LOAD_TIMEOUT_HOURS", "12"))
# How long a step waits for tasks to stop or start, or for its stack to settle.
WAIT_SECONDS = float(os.environ.get("DMS_DEPLOY_WAIT_SECONDS", "1800"))
MAX_ATTEMPTS = int(os.environ.get("DMS_DEPLOY_AWS_MAX_ATTEMPTS", "10"))
RETRY_SECONDS = float(os.environ.get("DMS_DEPLOY_RETRY_DELAY_SECONDS", "20"))

AWS_STEP = {
    "aws_conn_id": AWS_CONN_ID,
    # The DMS and CloudFormation control planes throttle: back off on the client side too.
    "botocore_config": {"retries": {"mode": "adaptive", "max_attempts": MAX_ATTEMPTS}},
    "retries": 3,
    "retry_delay": timedelta(seconds=RETRY_SECONDS),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=5),
}

with DAG(
    dag_id="dms_deploy",
    description="Deploy DMS replication configs: plan, pause, deploy, resume, verify",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["dms"],
    doc_md=__doc__,
    params={
        "dry_run": Param(False, type="boolean", description="Plan only: deploy nothing."),
        "teams": Param(
            "all",
            type=["string", "array"],
            description='"all", a comma-separated list, or a list of team names.',
        ),
        "allow_disruptive": Param(
            False,
            type="boolean",
            description="Acknowledge task replacements and deletions (full reloads).",
        ),
        "git_sha": Param("", type="string", description="The commit CI deploys, for the record."),
        "plan_digest": Param(
            "",
            type="string",
            description="Deploy only if the plan's digest is this one (the reviewed plan).",
        ),
    },
) as dag:
    validate = ValidateConfigsOperator(task_id="validate_configs")
    render = RenderTemplatesOperator(task_id="render_templates")
    check = CheckStateOperator(task_id="check_state", **AWS_STEP)
    validate >> render >> check

    @task_group
    def deploy_step(item: dict) -> None:
        common = {
            "item": item,
            "poll_seconds": POLL_SECONDS,
            "wait_timeout": WAIT_SECONDS,
            **AWS_STEP,
        }
        pause = PauseTasksOperator(task_id="pause_tasks", **common)
        deploy = DeployStackOperator(task_id="deploy_stack", **common)
        wait = WaitForStackSensor(
            task_id="wait_for_stack",
            deploy_result=deploy.output,
            deferrable=DEFERRABLE,
            poke_interval=POLL_SECONDS,
            timeout=int(timedelta(hours=2).total_seconds()),
            **AWS_STEP,
        )
        resume = ResumeTasksOperator(task_id="resume_tasks", **common)
        # The proof covers the loads: it runs once the new tables' full loads are done.
        loads = WaitForFullLoadsSensor(
            task_id="wait_for_full_loads",
            item=item,
            deferrable=DEFERRABLE,
            poke_interval=POLL_SECONDS * 4,
            timeout=int(timedelta(hours=FULL_LOAD_HOURS).total_seconds()),
            **AWS_STEP,
        )
        verify = VerifyNoS3OverwriteOperator(
            task_id="verify_no_s3_overwrite", before=pause.output, **common
        )
        pause >> deploy >> wait >> resume >> loads >> verify
        wait >> loads
        # A failed deploy still resumes what this step paused, and a failed resume fails the
        # run: a task left stopped is never silent. Clearing a step reruns its setups too.
        resume.as_teardown(setups=[pause, deploy], on_failure_fail_dagrun=True)

    previous = check
    for number in range(1, MAX_STEPS + 1):
        stacks = SelectStepOperator(
            task_id=f"step_{number}_stacks",
            checked=check.output,
            index=number - 1,
            trigger_rule="none_failed",
        )
        group = deploy_step.override(group_id=f"step_{number}").expand(item=stacks.output)
        previous >> stacks >> group
        previous = group

    # Last, whatever happened: the run's record in the audit ledger. As the only leaf it
    # ends as the deploy ended, so the run's state is unchanged (see RecordRunOperator).
    record = RecordRunOperator(
        task_id="record_run",
        aws_conn_id=AWS_CONN_ID,
        botocore_config=AWS_STEP["botocore_config"],
    )
    # Directly after every task but the setups, which must be followed by all_success:
    # each setup is followed by its step's other tasks.
    [task for task in dag.tasks if task is not record and not task.is_setup] >> record

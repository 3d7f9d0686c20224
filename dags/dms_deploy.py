"""dms_deploy: validate, render, check live state, then deploy each plan step safely.

Wiring only: no config is read and no AWS call is made at import time. Every step is an
operator over a library function in `dms_deploy.apply` or `dms_deploy.plan`.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from airflow.sdk import DAG, Param, task_group

from dms_deploy.operators.approval import (
    ApprovePlanOperator,
    approvers_from_env,
    timeout_from_env,
)
from dms_deploy.operators.offline import RenderTemplatesOperator, ValidateConfigsOperator
from dms_deploy.operators.plan_step import ACCOUNT_KEY, CheckStateOperator, SelectStepOperator
from dms_deploy.operators.record_run import RecordRunOperator
from dms_deploy.operators.step import (
    DeployStackOperator,
    PauseTasksOperator,
    ResumeTasksOperator,
    VerifyNoS3OverwriteOperator,
)
from dms_deploy.sensors.full_loads import WaitForFullLoadsSensor
from dms_deploy.sensors.rehearsal import RehearseCdcLatencySensor, RehearseTasksRunningSensor
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
# The rehearsal (param `rehearse`): the CDC latency limit and how long it must hold.
REHEARSAL_LATENCY_SECONDS = float(os.environ.get("DMS_DEPLOY_REHEARSAL_LATENCY_SECONDS", "600"))
REHEARSAL_SOAK_MINUTES = float(os.environ.get("DMS_DEPLOY_REHEARSAL_SOAK_MINUTES", "30"))
# Who may answer approve_plan (Airflow user ids, comma-separated; unset: any user allowed
# to answer the DAG's required actions), and how long it waits before it fails.
APPROVERS = approvers_from_env()
APPROVAL_TIMEOUT = timeout_from_env()
MAX_ATTEMPTS = int(os.environ.get("DMS_DEPLOY_AWS_MAX_ATTEMPTS", "10"))
RETRY_SECONDS = float(os.environ.get("DMS_DEPLOY_RETRY_DELAY_SECONDS", "20"))

# The DAG's page in the UI, for the people who run and watch deploys.
OPERATOR_DOC = """
# dms_deploy: deploy the DMS replication configs

Validates the configs, plans against the live AWS account, then deploys the plan step by
step, pausing only the replication tasks that must stop and resuming them afterwards.

## Steps

| task | what it does |
|---|---|
| `validate_configs` | checks DMS001 to DMS010 on the configs; no AWS call |
| `render_templates` | renders each team's CloudFormation template |
| `check_state` | reads live state, makes **the plan**; fails on a no-go; stores its templates |
| `approve_plan` | a disruptive plan waits here for approval (see below); otherwise skipped |
| `step_N_stacks` | lists the stacks that plan step N deploys (none for a dry run) |
| `step_N` | one mapped instance per stack, named `stack (action)`, e.g. `dms-food (update)` |

A plan has up to three steps: the base stack, the teams' stacks, and a version bump's
re-add. A step the plan does not need is skipped. Inside each step:
`pause_tasks` (stop the tasks that must stop, record the S3 objects) →
`deploy_stack` → `wait_for_stack` → `resume_tasks` (start them again; runs even when the
deploy failed) → `wait_for_full_loads` → `verify_no_s3_overwrite` (prove no S3 object was
overwritten).

With **rehearse** on, after the last step: `rehearse_tasks_running` (every changed task
runs, no new table's full load failed) → `rehearse_cdc_latency` (CDC latency stays under
the limit for the soak window). Both only read; a failure means this environment did not
hold the change and it must not be promoted. Without rehearse they are skipped.

## Params

- **dry_run**: plan only, deploy nothing.
- **teams**: `all`, or a comma-separated list of teams.
- **allow_disruptive**: with **plan_digest**, the disruptions were accepted on the pull
  request: `approve_plan` does not wait.
- **git_sha** (optional): the commit being deployed, for the record.
- **plan_digest** (optional): deploy only the plan with this digest, the one reviewed.
- **environment** (optional): the environment of environments.json to deploy.
- **rehearse**: after the deploy, rehearse it (staging before promoting to production).

Triggering with the defaults deploys the current configs to every team.

## Approval of a disruptive plan

A plan that replaces or deletes a DMS task, or deletes an instance or a team stack
(DMS106), waits at `approve_plan` before any step: open it (or **Required Actions**),
read the plan, and choose **Approve** to deploy it or **Reject** to deploy nothing.
A rejection fails `approve_plan`, no step runs, and the run fails; `record_run` records
who answered, and when, in the audit ledger.

- Who may answer: the Airflow user ids in `DMS_DEPLOY_APPROVERS` (comma-separated). Unset,
  anyone allowed to answer this DAG's required actions may.
- How long it waits: `DMS_DEPLOY_APPROVAL_TIMEOUT_HOURS` (default 24). Without an answer
  by then, `approve_plan` fails and nothing is deployed. While it waits, later runs queue.
- It does not wait for a dry run, for a plan without disruptions, or when the run has
  **allow_disruptive** and **plan_digest** is the digest of `dmsctl plan
  --allow-disruptive` (the disruptions were reviewed and accepted on the pull request).

## Where the plan is

Open the run and its **Plan** tab (or `check_state`'s **Plan** link): the plan rendered,
with the verdict, the changes per task, the disruptions, the checks and the steps. A dry
run says so in its heading. `check_state`'s log holds the same Markdown, and its XCom
`return_value` the plan as JSON (templates named by digest). A plan waiting for approval is shown
as Markdown in `approve_plan`'s form as well.

## When a task fails

Its log ends with what happened and what to do next. Fix the cause, then select the
failed task (for a mapped step, the instance of that stack) and choose **Clear**; the
dialog clears its downstream as well, and Airflow also clears the step's `pause_tasks`
and `resume_tasks`, so the whole step reruns. Every task is safe to rerun. From a shell
or CI: `dmsctl trigger --clear-failed <run id>`.

The links **CloudFormation stack** and **DMS tasks** on a step's task open the stack and
the replication tasks in the AWS console.
"""

# Mapped instances are named by their stack, e.g. `dms-food (update)`, not 0, 1, 2. Rendered
# with the task's context, where `task` is the unmapped operator holding its `item`.
STACK_NAME = "{{ task.item.stack.name }} ({{ task.item.stack.action }})"
# wait_for_stack knows its stack from deploy_stack's result, and shows what that did.
DEPLOYED_NAME = "{{ task.deploy_result.stack }} ({{ task.deploy_result.action }})"
STEP_TOOLTIP = (
    "Plan step {number} of at most {total} (base stack, teams' stacks, a version bump's "
    "re-add: check_state's plan says which): per stack, pause the tasks that must stop, "
    "deploy, resume, prove no S3 object was overwritten"
)

AWS_STEP = {
    "aws_conn_id": AWS_CONN_ID,
    "pool": "dms_deploy_aws",  # bounds AWS calls across mapped steps (dms_deploy.aws_pool)
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
    doc_md=OPERATOR_DOC,
    params={
        "dry_run": Param(
            False,
            type="boolean",
            description="Plan only: check_state logs the plan and nothing is deployed.",
        ),
        "teams": Param(
            "all",
            type=["string", "array"],
            description='Which teams to plan and deploy: "all", a comma-separated list, or '
            "a list of team names.",
        ),
        "allow_disruptive": Param(
            False,
            type="boolean",
            description="Accept replaced or deleted tasks (their tables reload from "
            "scratch) without waiting for approval at approve_plan: only together with the "
            "plan_digest of `dmsctl plan --allow-disruptive`, reviewed on the pull request. "
            "Otherwise such a plan waits for an approver.",
        ),
        # Optional params are nullable: the trigger form submits with them left empty.
        "git_sha": Param(
            None,
            type=["null", "string"],
            description="Optional: the commit being deployed, logged for the record (CI "
            "passes it).",
        ),
        "plan_digest": Param(
            None,
            type=["null", "string"],
            description="Optional: the digest `dmsctl plan` printed for review. When given, "
            "the run deploys only that exact plan; if configs or live state changed since, "
            "check_state fails and nothing changes.",
        ),
        "environment": Param(
            None,
            type=["null", "string"],
            description="The environment of environments.json (null: the only one there is).",
        ),
        "rehearse": Param(
            False,
            type="boolean",
            description="After the deploy, rehearse it before promoting: every changed task "
            "runs, new full loads complete or keep going, and CDC latency stays under "
            "DMS_DEPLOY_REHEARSAL_LATENCY_SECONDS for DMS_DEPLOY_REHEARSAL_SOAK_MINUTES. "
            "A failed rehearsal fails the run.",
        ),
    },
) as dag:
    validate = ValidateConfigsOperator(task_id="validate_configs")
    render = RenderTemplatesOperator(task_id="render_templates")
    check = CheckStateOperator(task_id="check_state", **AWS_STEP)
    validate >> render >> check
    # A disruptive plan waits here for a person; any other plan skips it (see OPERATOR_DOC).
    approve = ApprovePlanOperator(
        task_id="approve_plan",
        checked=check.output,
        assigned_users=APPROVERS,
        response_timeout=APPROVAL_TIMEOUT,
        task_display_name="approve_plan: a disruptive plan waits for approval",
    )
    check >> approve

    @task_group
    def deploy_step(item: dict) -> None:
        common = {
            "item": item,
            # Pause, deploy and resume confirm this account before their first change.
            "expected_account": check.output[ACCOUNT_KEY],
            "poll_seconds": POLL_SECONDS,
            "wait_timeout": WAIT_SECONDS,
            "map_index_template": STACK_NAME,
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
            map_index_template=DEPLOYED_NAME,
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
            map_index_template=STACK_NAME,
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

    previous = approve
    for number in range(1, MAX_STEPS + 1):
        stacks = SelectStepOperator(
            task_id=f"step_{number}_stacks",
            checked=check.output,
            index=number - 1,
            trigger_rule="none_failed",
            task_display_name=f"step_{number}_stacks: what step {number} deploys",
        )
        group = deploy_step.override(
            group_id=f"step_{number}",
            tooltip=STEP_TOOLTIP.format(number=number, total=MAX_STEPS),
        ).expand(item=stacks.output)
        previous >> stacks >> group
        previous = group

    # The rehearsal follows the last step, whichever steps the plan skipped; a failed step
    # leaves it upstream_failed, so the run still fails by it.
    rehearse_running = RehearseTasksRunningSensor(
        task_id="rehearse_tasks_running",
        checked=check.output,
        expected_account=check.output[ACCOUNT_KEY],
        trigger_rule="none_failed",
        deferrable=DEFERRABLE,
        poke_interval=POLL_SECONDS,
        timeout=int(WAIT_SECONDS),
        **AWS_STEP,
    )
    rehearse_latency = RehearseCdcLatencySensor(
        task_id="rehearse_cdc_latency",
        checked=check.output,
        expected_account=check.output[ACCOUNT_KEY],
        limit_seconds=REHEARSAL_LATENCY_SECONDS,
        soak_minutes=REHEARSAL_SOAK_MINUTES,
        deferrable=DEFERRABLE,
        poke_interval=POLL_SECONDS * 4,
        **AWS_STEP,
    )
    previous >> rehearse_running >> rehearse_latency

    # Last, whatever happened: the run's record in the audit ledger. As the only leaf it
    # ends as the deploy ended, so the run's state is unchanged (see RecordRunOperator).
    record = RecordRunOperator(
        task_id="record_run",
        aws_conn_id=AWS_CONN_ID,
        botocore_config=AWS_STEP["botocore_config"],
        pool=AWS_STEP["pool"],
    )
    # Directly after every task but the setups, which must be followed by all_success:
    # each setup is followed by its step's other tasks.
    [task for task in dag.tasks if task is not record and not task.is_setup] >> record

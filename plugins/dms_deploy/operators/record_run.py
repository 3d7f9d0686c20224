"""`record_run`: the last task of a run, which adds the run's record to the audit ledger."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.amazon.aws.hooks.sts import StsHook
from airflow.providers.amazon.aws.operators.base_aws import AwsBaseOperator
from airflow.sdk.exceptions import AirflowFailException
from botocore.exceptions import BotoCoreError, ClientError

from dms_deploy.apply.account_guard import account_mismatch
from dms_deploy.audit.ledger import (
    LedgerUnusable,
    Location,
    RecordExists,
    ledger_location,
    write_record,
)
from dms_deploy.audit.record import (
    FAILED,
    ApprovalFacts,
    RunFacts,
    StackFacts,
    TaskState,
    build_record,
    deciding_task_ids,
)
from dms_deploy.config.environments import ENVIRONMENTS_FILE
from dms_deploy.operators.approval import GATE_KEY, RESPONSE_KEY
from dms_deploy.operators.plan_step import ACCOUNT_KEY, REFUSED_KEY
from dms_deploy.operators.step import STARTED_AT_KEY
from dms_deploy.paths import resolve_dirs
from dms_deploy.state.clients import RequiresConnection

CHECK_TASK = "check_state"
APPROVE_TASK = "approve_plan"


class RecordRunOperator(RequiresConnection, AwsBaseOperator[S3Hook]):
    """Writes the run's record whatever happened, then ends as the deploy ended.

    It runs after every other task (`all_done`), so it is the run's only leaf and Airflow
    decides the run's state by it alone: it fails when the deploy failed by Airflow's own
    rule (`deciding_task_ids`), so a failed deploy still fails the run. A ledger write that
    fails also fails it, saying how the deploy itself ended.
    """

    aws_hook_class = S3Hook

    def __init__(self, *, configs_dir: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("trigger_rule", "all_done")
        super().__init__(**kwargs)
        self.configs_dir = configs_dir

    def execute(self, context: Any) -> dict[str, str]:
        ti = context["ti"]
        tasks = [
            TaskState(c["task_id"], c["map_index"], c["state"])
            for c in ti.get_task_breadcrumbs(dag_id=ti.dag_id, run_id=ti.run_id)
            if c["task_id"] != self.task_id
        ]
        checked = ti.xcom_pull(task_ids=CHECK_TASK) or ti.xcom_pull(
            task_ids=CHECK_TASK, key=REFUSED_KEY
        )
        dag_run = context["dag_run"]
        facts = RunFacts(
            run_id=ti.run_id,
            attempt=ti.try_number,
            dag_id=ti.dag_id,
            # The enum's value ("manual"), as the UI and the REST API name it.
            run_type=getattr(dag_run.run_type, "value", dag_run.run_type),
            triggering_user=getattr(dag_run, "triggering_user_name", None),
            params=dict(context["params"]),
            recorded_at=datetime.now(UTC).isoformat(timespec="seconds"),
            tasks=tasks,
            deciding=deciding_task_ids(self.dag.tasks, leave_out=self.task_id),
            checked=checked,
            stacks=self._stack_facts(ti, tasks),
            approval=ApprovalFacts(
                state=next((t.state for t in tasks if t.task_id == APPROVE_TASK), None),
                gate=ti.xcom_pull(task_ids=APPROVE_TASK, key=GATE_KEY),
                response=ti.xcom_pull(task_ids=APPROVE_TASK, key=RESPONSE_KEY),
            ),
        )
        record = build_record(facts)
        outcome = _outcome_line(record)
        expected = ti.xcom_pull(task_ids=CHECK_TASK, key=ACCOUNT_KEY)
        unconfirmed = self._account_unconfirmed(checked, facts.params, expected)
        if unconfirmed:
            # The account guard's promise: no call that changes anything in an account
            # that is not the environment's, the ledger's own write included.
            message = f"{outcome}; not recorded: {unconfirmed}"
            if record["final_state"] == FAILED:
                raise AirflowFailException(message)
            self.log.warning("%s", message)
            return {"record": ""}
        try:
            location = self._location(checked)
            key = write_record(self.hook.conn, location, record)
        except (LedgerUnusable, RecordExists, BotoCoreError, ClientError) as error:
            raise AirflowFailException(
                f"the run's audit record was not written: {error}. {outcome}. Fix the cause "
                "(the deployer's IAM policy allows PutObject under <folder>/deployments/ with "
                "If-None-Match only), then clear record_run to write it"
            ) from error
        self.log.info("recorded: %s", location.url(key))
        if record["final_state"] == FAILED:
            raise AirflowFailException(f"{outcome}; recorded in {location.url(key)}")
        return {"record": location.url(key)}

    def _account_unconfirmed(
        self, checked: dict | None, params: dict, expected: dict | None
    ) -> str | None:
        """Why these credentials may not belong to the environment's account, or None.

        The connection may have been edited since check_state confirmed the account: with
        an account to expect, STS is asked again (one GetCallerIdentity) before the write."""
        plan = (checked or {}).get("plan")
        if plan is not None:
            guard = next((c for c in plan.get("checks", []) if c.get("id") == "DMS111"), {})
            if guard.get("status") == "fail":
                return "the credentials belong to another account than the environment's (DMS111)"
            sts = StsHook(**self._hook_parameters).conn
            problem = account_mismatch(sts, self.hook.conn.meta.region_name, expected)
            if problem:
                return (
                    f"{problem}. Point connection {self.aws_conn_id!r} at the environment's "
                    "account again, then clear record_run to write the record"
                )
            return None
        configs_dir = resolve_dirs(self.configs_dir, None)[0]
        if params.get("environment") or (configs_dir / ENVIRONMENTS_FILE).exists():
            return "the run stopped before the account guard (DMS111) confirmed the account"
        return None

    def _location(self, checked: dict | None) -> Location:
        s3 = (checked or {}).get("s3") or {}
        if s3.get("bucket"):
            return Location(s3["bucket"], s3["bucket_folder"])
        # The run failed before check_state told where the data lake is.
        return ledger_location(resolve_dirs(self.configs_dir, None)[0])

    @staticmethod
    def _stack_facts(ti: Any, tasks: list[TaskState]) -> dict[tuple[str, int], StackFacts]:
        """What each mapped step instance returned: stack, stopped, started, S3 proof."""
        done = {(t.task_id, t.map_index) for t in tasks if t.state == "success"}

        def pulled(group: str, name: str, index: int, key: str = "return_value") -> Any:
            task_id = f"{group}.{name}"
            if (task_id, index) not in done:
                return None
            return ti.xcom_pull(task_ids=task_id, map_indexes=index, key=key)

        facts = {}
        groups = {(t.task_id.split(".")[0], t.map_index) for t in tasks if "." in t.task_id}
        for group, index in sorted(groups):
            if index < 0:
                continue
            items = ti.xcom_pull(task_ids=f"{group}_stacks") or []
            item = items[index] if index < len(items) else {}
            pause = pulled(group, "pause_tasks", index) or {}
            facts[(group, index)] = StackFacts(
                stack=(item.get("stack") or {}).get("name"),
                action=(item.get("stack") or {}).get("action"),
                stopped=pause.get("stopped"),
                started=pulled(group, "resume_tasks", index),
                proof=pulled(group, "verify_no_s3_overwrite", index),
                stopped_at=pause.get("stopped_at"),
                started_at=pulled(group, "resume_tasks", index, STARTED_AT_KEY),
            )
        return facts


def _outcome_line(record: dict) -> str:
    approval = record["approval"]
    if approval["outcome"] in ("rejected", "timed out"):
        who = f" by {approval['by']}" if approval["by"] else ""
        return (
            f"the plan was {approval['outcome']}{who} at approve_plan, so nothing was "
            "deployed: change the configs, or trigger a new run and have it approved"
        )
    if record["final_state"] == FAILED:
        failed = ", ".join(record["failed_tasks"]) or "a step"
        return f"the deploy failed at {failed}: its log says what to do next"
    return "the deploy itself succeeded"

"""The per-stack operators of one plan step: pause, deploy, resume, verify.

Each receives the step's work item (see `apply.step_items`) and calls one function of
`apply/`. All of them are safe to clear and rerun. Pause, deploy and resume first confirm
that the connection still reaches the account check_state confirmed (`apply.account_guard`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from airflow.providers.amazon.aws.hooks.cloud_formation import CloudFormationHook
from airflow.providers.amazon.aws.hooks.dms import DmsHook
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.amazon.aws.operators.base_aws import AwsBaseOperator
from airflow.providers.amazon.aws.utils.mixins import aws_template_fields
from airflow.sdk.exceptions import AirflowFailException

from dms_deploy.apply.dms_tasks import (
    MissingTasks,
    PauseUndone,
    Waiting,
    describe_tasks,
    pause_tasks,
    resume_tasks,
)
from dms_deploy.apply.endpoint_tests import wait_for_connection_tests
from dms_deploy.apply.errors import ApplyError, PreconditionFailed
from dms_deploy.apply.full_loads import occupied_folders
from dms_deploy.apply.s3_guard import prove_folders, record_folders
from dms_deploy.apply.stacks import (
    delete_stack,
    deploy_stack,
    describe_stack,
    ensure_deployable,
    is_deployed,
    parse_template,
    wait_until_settled,
)
from dms_deploy.apply.step_folders import folders_to_prove
from dms_deploy.apply.template_store import TemplateStore, load_template
from dms_deploy.operators.account import ConfirmsAccount
from dms_deploy.operators.links import STEP_LINKS, persist_step_links
from dms_deploy.operators.text_table import text_table
from dms_deploy.state.clients import RequiresConnection
from dms_deploy.state.model import RUNNING_TASK_STATUSES


class _StepOperator(ConfirmsAccount, RequiresConnection, AwsBaseOperator[DmsHook]):
    aws_hook_class = DmsHook
    template_fields: Sequence[str] = aws_template_fields("item", "expected_account")

    def __init__(
        self,
        *,
        item: dict,
        expected_account: dict | None = None,
        wait_timeout: float = 1800.0,
        poll_seconds: float = 10.0,
        **kwargs: Any,
    ) -> None:
        # wait_timeout bounds each wait for tasks to stop or start and for a change set.
        # expected_account: the account the plan is for (check_state's ACCOUNT_KEY XCom).
        super().__init__(**kwargs)
        self.item = item
        self.expected_account = expected_account
        self.wait_timeout = wait_timeout
        self.poll_seconds = poll_seconds

    def client(self, hook_class: type) -> Any:
        """Another service's client with this operator's connection, region and config."""
        return hook_class(**self._hook_parameters).conn

    def pre_execute(self, context: Any) -> None:
        super().pre_execute(context)
        # Before execute, so that a failed step links to its stack and tasks too.
        if self.operator_extra_links:
            persist_step_links(context, self, self.stack_name)

    @property
    def waiting(self) -> Waiting:
        return Waiting(timeout_seconds=self.wait_timeout, poll_seconds=self.poll_seconds)

    @property
    def stack_name(self) -> str:
        return self.item["stack"]["name"]

    def template_store(self) -> TemplateStore:
        s3 = self.item["s3"]
        return TemplateStore(self.client(S3Hook), s3["bucket"], s3["bucket_folder"])

    def planned_body(self) -> str | None:
        """The template body this step deploys, read from the template store and checked
        against the plan's digest; None for a stack the step deletes."""
        sha256 = self.item["stack"].get("body_sha256")
        if sha256 is None:
            return None
        try:
            return load_template(self.template_store(), self.stack_name, sha256)
        except ApplyError as error:
            raise AirflowFailException(str(error)) from error

    def proof_prefixes(self, cfn: Any, body: str | None) -> list[str]:
        """The folders the step can make DMS load into or leave (see `apply.s3_guard`), as
        S3 key prefixes: a few for a small change, whatever the stack's size."""
        deployed = None
        if describe_stack(cfn, self.stack_name) is not None:
            got = cfn.get_template(StackName=self.stack_name, TemplateStage="Original")
            deployed = parse_template(got["TemplateBody"])
        starting = [t for t in self.item["resume"] if t not in self.item["keep_stopped"]]
        live = describe_tasks(self.hook.conn, starting) if starting else {}
        folders = folders_to_prove(
            parse_template(body) if body else None,
            deployed,
            start=self.item.get("start", {}),
            announced=self.item.get("announced", []),
            # A task that never ran full-loads every table when it starts.
            first_runs=[t for t in starting if not live.get(t, {}).get("ReplicationTaskStartDate")],
            fresh=self.item.get("fresh_folders", []),
        )
        return [self.prefix(f) for f in folders]

    def prefix(self, folder: str) -> str:
        return f"{self.item['s3']['bucket_folder']}/data/{folder}/"

    def tasks_loading_into_occupied_folders(self, before_deploy: bool) -> dict[str, list[str]]:
        """Task id -> its first-load folders that hold objects now, for the tasks this step
        will start. After the deploy, a task already running started its loads before (a
        rerun): its folders hold its own LOAD files."""
        candidates = {
            t
            for t in self.item.get("loads", {})
            if t in self.item["resume"] and t not in self.item["keep_stopped"]
        }
        live = (
            describe_tasks(self.hook.conn, candidates) if candidates and not before_deploy else {}
        )
        loads = {
            t: tables
            for t, tables in self.item.get("loads", {}).items()
            if t in candidates
            and (before_deploy or live.get(t, {}).get("Status") not in RUNNING_TASK_STATUSES)
        }
        folders = [table["folder"] for tables in loads.values() for table in tables]
        if not folders:
            return {}
        s3 = self.item["s3"]
        occupied = set(
            occupied_folders(self.client(S3Hook), s3["bucket"], s3["bucket_folder"], folders)
        )
        blocked = {
            task: [self.prefix(t["folder"]) for t in tables if t["folder"] in occupied]
            for task, tables in loads.items()
        }
        return {task: folders for task, folders in blocked.items() if folders}


# resume_tasks' XCom: when the tasks it started were all started (running or loaded).
STARTED_AT_KEY = "started_at"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _occupied_message(blocked: dict[str, list[str]]) -> str:
    tasks = "; ".join(f"{t} would full-load into {', '.join(f)}" for t, f in blocked.items())
    return (
        f"{tasks}. Those folders were empty when the plan was made but hold objects now, and "
        "a load would overwrite them. Move the objects out (or bump the tables' versions "
        "and deploy a new plan)"
    )


class PauseTasksOperator(_StepOperator):
    """Setup: stop the step's running tasks, after re-checking that none is loading.

    A rerun after the stack already holds this step's template stops nothing: those tasks
    no longer need to change. First records the objects in the affected table folders, so
    a failed listing stops nothing; a failure after the first stop starts the stopped tasks
    again (see `apply.dms_tasks.pause_tasks`).
    """

    operator_extra_links = STEP_LINKS

    def execute(self, context: Any) -> dict:
        self.confirm_account(
            f"nothing was stopped or changed. Point connection {self.aws_conn_id!r} at the "
            "environment's account again, then clear pause_tasks (or trigger a new run, "
            "which plans again)"
        )
        cfn = self.client(CloudFormationHook)
        body = self.planned_body()
        prefixes = self.proof_prefixes(cfn, body)
        before = record_folders(self.client(S3Hook), self.item["s3"]["bucket"], prefixes)
        self.log.info(
            "recorded %d objects in the %d table folders this step loads into or leaves",
            sum(r["count"] for r in before.values()),
            len(before),
        )
        deployed = False
        if body is not None and is_deployed(cfn, self.stack_name, body):
            self.log.info("%s already holds this step's template: nothing to stop", self.stack_name)
            stopped: list[str] = []
            deployed = True
        else:
            occupied = self.tasks_loading_into_occupied_folders(before_deploy=True)
            if occupied:
                raise AirflowFailException(
                    "nothing was stopped: " + _occupied_message(occupied) + ", then clear "
                    "pause_tasks"
                )
            try:
                if body is not None:
                    ensure_deployable(cfn, self.stack_name, body)
                stopped = pause_tasks(self.hook.conn, self.item["pause"], self.waiting)
            except PreconditionFailed as error:
                raise AirflowFailException(
                    f"{error}; when that is over, clear pause_tasks to run the step"
                ) from error
            except PauseUndone as error:  # its message already says what to do
                raise AirflowFailException(str(error)) from error
            except ApplyError as error:
                raise AirflowFailException(
                    f"{error}; nothing was stopped or deployed: fix the cause, then clear "
                    "pause_tasks"
                ) from error
            self.log.info("stopped: %s", ", ".join(stopped) or "none")
        return {
            "stopped": stopped,
            # When the last of them stopped, for the audit ledger's pause windows.
            "stopped_at": _now() if stopped else None,
            "records": before,
            # A rerun after the deploy: new folders may hold this step's own full loads.
            "deployed_already": deployed,
        }


class DeployStackOperator(_StepOperator):
    """Create the change set of the reviewed template, refuse surprises, execute it.

    The template is read from the template store (the data-lake bucket's
    `<folder>/cloudformation/`) and checked against the plan's digest; one over
    CloudFormation's inline limit goes by URL to that same object."""

    operator_extra_links = STEP_LINKS

    def execute(self, context: Any) -> dict:
        paused = ", ".join(self.item["pause"]) or "none"
        self.confirm_account(
            f"nothing was deployed, and resume_tasks starts nothing through this connection "
            f"either, so the tasks this step paused (of: {paused}) stay stopped in account "
            f"{self.expected_account_id}. Point connection {self.aws_conn_id!r} at the "
            "environment's account again, then clear this deploy_stack (its resume_tasks "
            "runs again with it)"
        )
        cfn = self.client(CloudFormationHook)
        try:
            if self.item["stack"]["action"] == "delete":
                outcome = delete_stack(cfn, self.stack_name)
            else:
                body = self.planned_body()
                assert body is not None, "a create or update names its template"
                outcome = deploy_stack(
                    cfn,
                    self.stack_name,
                    body,
                    self.item["announced"],
                    store=self.template_store(),
                    stored=True,
                    allow_removals=self.item.get("allow_removals", False),
                    timeout_seconds=self.wait_timeout,
                    poll_seconds=self.poll_seconds,
                )
        except ApplyError as error:
            raise AirflowFailException(str(error)) from error
        self.log.info("%s: %s %s", self.stack_name, outcome.action, outcome.change_set or "")
        if outcome.changes:
            headers = ("logical id", "type", "action", "replacement")
            self.log.info("changes:\n%s", text_table(headers, outcome.changes))
        return {
            "stack": self.stack_name,
            "action": outcome.action,
            "change_set": outcome.change_set,
            "expect_change": outcome.expect_change,
            "expect_deleted": outcome.expect_deleted,
        }


class ResumeTasksOperator(_StepOperator):
    """Teardown: start what the step paused or created; never a task configured paused.

    Waits first for the stack to settle (a task CloudFormation is still updating must not
    start), and re-checks right before the starts that every folder a started task loads
    for the first time is still empty: such a task is not started, the others are. It
    also waits for DMS to finish testing the connections of endpoints the step changed.
    """

    operator_extra_links = STEP_LINKS

    def execute(self, context: Any) -> dict[str, str]:
        # In another account a start would touch tasks that are not this step's, so nothing
        # is called there; the run fails, naming the tasks that may still be stopped.
        starting = [t for t in self.item["resume"] if t not in self.item["keep_stopped"]]
        self.confirm_account(
            f"nothing was started or changed there. In account {self.expected_account_id} "
            f"these tasks may still be stopped: {', '.join(starting) or 'none'}. Point "
            f"connection {self.aws_conn_id!r} at the environment's account again, then clear "
            "resume_tasks to start them"
        )
        cfn = self.client(CloudFormationHook)
        try:
            wait_until_settled(cfn, self.stack_name, self.waiting)
            tested = wait_for_connection_tests(
                self.hook.conn,
                [t for t in self.item["resume"] if t not in self.item["keep_stopped"]],
                self.item.get("changed_endpoints", []),
                self.waiting,
            )
            for line in tested:
                self.log.info("connection test: %s", line)
            # Right before the starts: a folder may have been filled since the plan.
            blocked = self.tasks_loading_into_occupied_folders(before_deploy=False)
            outcome = resume_tasks(
                self.hook.conn,
                [t for t in self.item["resume"] if t not in blocked],
                self.item["keep_stopped"],
                self.waiting,
                planned=self.item.get("start", {}),
            )
        except MissingTasks as error:
            raise AirflowFailException(
                f"{error}. The plan starts them after deploying {self.stack_name}, so the "
                f"stack should hold them: read its events (dmsctl plan shows the drift), fix "
                "the cause, then clear this step's deploy_stack to deploy and start again"
            ) from error
        except ApplyError as error:
            raise AirflowFailException(f"{error}; clear resume_tasks to retry") from error
        for task, what in sorted(outcome.items()):
            self.log.info("%s: %s", task, what)
        if outcome:  # beside the return value, whose shape is task -> how it started
            context["ti"].xcom_push(key=STARTED_AT_KEY, value=_now())
        if blocked:
            raise AirflowFailException(
                "not started, so that no S3 object is overwritten: "
                + _occupied_message(blocked)
                + f", then clear resume_tasks. Started: {', '.join(outcome) or 'none'}"
            )
        return outcome


class VerifyNoS3OverwriteOperator(_StepOperator):
    """Prove that no object recorded before the deploy changed or vanished, and that
    tables loading for the first time wrote only into folders that were empty."""

    template_fields: Sequence[str] = aws_template_fields("item", "expected_account", "before")

    def __init__(self, *, before: dict | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.before = before

    def execute(self, context: Any) -> dict:
        before = self.before or {}
        fresh = [self.prefix(f) for f in self.item.get("fresh_folders", [])]
        if before.get("deployed_already"):
            fresh = []  # they were checked empty before this step's first start
        proof = prove_folders(
            self.client(S3Hook), self.item["s3"]["bucket"], before.get("records", {}), fresh
        )
        self.log.info(
            "S3 proof, per table folder:\n%s",
            text_table(("folder", "unchanged", "new"), proof.rows) if proof.rows else "(none)",
        )
        if proof.problems:
            raise AirflowFailException(
                "S3 objects were overwritten: "
                + "; ".join(proof.problems)
                + ". Nothing was stopped for this; with bucket versioning the previous "
                "versions can be restored (docs/production.md). Find what wrote them before "
                "deploying again"
            )
        folders = len(proof.rows)
        self.log.info(
            "%d objects unchanged, %d new, in %d folder%s",
            proof.unchanged,
            proof.new,
            folders,
            "" if folders == 1 else "s",
        )
        return {"checked": proof.unchanged + proof.new, "new": proof.new, "folders": folders}

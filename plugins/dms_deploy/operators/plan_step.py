"""`check_state` and the per-step selectors that feed the mapped task groups."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from airflow.providers.amazon.aws.hooks.cloud_formation import CloudFormationHook
from airflow.providers.amazon.aws.hooks.dms import DmsHook
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.amazon.aws.hooks.sts import StsHook
from airflow.providers.amazon.aws.operators.base_aws import AwsBaseOperator
from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException
from botocore.exceptions import BotoCoreError, ClientError

from dms_deploy.apply.account_guard import expected_account
from dms_deploy.apply.checked_plan import checked_value, items_of_step, planned_bodies
from dms_deploy.apply.template_store import TemplateStore, store_templates
from dms_deploy.config.load import environment_connection
from dms_deploy.operators.links import PlanLink
from dms_deploy.paths import resolve_dirs
from dms_deploy.plan.approval import digest_refusal
from dms_deploy.plan.markdown import render_markdown
from dms_deploy.plan.model import Plan
from dms_deploy.planning import plan_against_aws
from dms_deploy.state.clients import AwsClients, RequiresConnection

# The XCom key of the plan that check_state refused (no-go, or not the reviewed digest).
REFUSED_KEY = "refused_plan"
# The XCom key of the account the plan is for: the tasks that change anything confirm it
# again before their first change (see `apply.account_guard`).
ACCOUNT_KEY = "account"


def selected_teams(value: Any) -> frozenset[str] | None:
    """The `teams` param: "all" (or empty) means every team; else a list or "a,b"."""
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",")]
    teams = frozenset(t for t in value or () if t and t != "all")
    return teams or None


DRY_RUN_BANNER = "DRY RUN: nothing will be deployed"


def plan_log(plan: Plan, *, dry_run: bool, git_sha: str | None) -> str:
    """The plan as check_state logs it: one Markdown block, a dry run said on its first line,
    so the log reads as the plan and not as lines of a program."""
    head = [DRY_RUN_BANNER, ""] if dry_run else []
    head.append(f"Commit: {git_sha or '(not given)'}")
    return "\n".join([*head, "", render_markdown(plan).rstrip()])


class CheckStateOperator(RequiresConnection, AwsBaseOperator[CloudFormationHook]):
    """Reads live state read-only, makes the plan, logs it, and fails on a no-go.

    Returns the plan as JSON (the XCom the later steps execute), plus where the data lake is
    and the steps' work items (`apply.checked_plan`). The XCom names each template by its
    digest: before a deploy, the templates go to the template store, where the steps read
    them back. A dry run or a refused plan stores nothing.
    """

    aws_hook_class = CloudFormationHook
    # The plan, rendered, in the run's Plan tab (also for a refused plan).
    operator_extra_links = (PlanLink(),)

    def __init__(
        self, *, configs_dir: str | None = None, templates_dir: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.configs_dir = configs_dir
        self.templates_dir = templates_dir

    def _clients(self) -> AwsClients:
        # Every client with this operator's connection, region and botocore config: the
        # account guard (DMS111) asks STS about the credentials the steps deploy with.
        return AwsClients(
            cloudformation=self.hook.conn,
            dms=DmsHook(**self._hook_parameters).conn,
            s3=S3Hook(**self._hook_parameters).conn,
            sts=StsHook(**self._hook_parameters).conn,
        )

    def _same_connection(self, configs_dir: Path, environment: str | None) -> None:
        """The steps deploy through this operator's connection: an environment that names
        another one would be checked here and deployed elsewhere, so it is refused."""
        wanted, _ = environment_connection(configs_dir, environment)
        if wanted is not None and wanted != self.aws_conn_id:
            raise AirflowFailException(
                f"environment {environment or '(the only one)'} deploys through connection "
                f"{wanted!r}, but this DAG's steps use {self.aws_conn_id!r} "
                "(DMS_DEPLOY_AWS_CONN_ID); nothing was read or changed"
            )

    def execute(self, context: Any) -> dict:
        params = context["params"]
        dirs = resolve_dirs(self.configs_dir, self.templates_dir)
        self._same_connection(dirs[0], params.get("environment"))
        outcome = plan_against_aws(
            *dirs,
            self._clients,
            teams=selected_teams(params.get("teams")),
            allow_disruptive=bool(params.get("allow_disruptive")),
            environment=params.get("environment"),
        )
        plan = outcome.plan
        if plan is None:
            raise AirflowFailException(
                f"cannot read the configs: {outcome.unreadable}; fix the file, then clear this task"
            )
        configs = outcome.desired.configs if outcome.desired else None
        env = configs.environment if configs else None
        context["ti"].xcom_push(key=ACCOUNT_KEY, value=expected_account(env))
        dry_run = bool(params.get("dry_run"))
        self.log.info("%s", plan_log(plan, dry_run=dry_run, git_sha=params.get("git_sha")))
        checked = checked_value(plan, outcome.s3, dry_run=dry_run)
        refusal = digest_refusal(plan, params.get("plan_digest"))
        if not plan.go or refusal:
            # The audit ledger records the plan a run refused, too.
            context["ti"].xcom_push(key=REFUSED_KEY, value=checked)
        if not plan.go:
            failed = [c.id for c in plan.checks if c.status == "fail"]
            raise AirflowFailException(
                f"no-go: {', '.join(failed)} failed (see the plan above); nothing was changed. "
                "Fix what the failed checks name (`dmsctl plan` shows the same plan), then "
                "clear this task"
            )
        if refusal:
            raise AirflowFailException(refusal)
        if checked["items"]:
            self._store_templates(plan, outcome.s3)
        return checked

    def _store_templates(self, plan: Plan, s3: dict[str, str]) -> None:
        s3_client = S3Hook(**self._hook_parameters).conn
        store = TemplateStore(s3_client, s3["bucket"], s3["bucket_folder"])
        try:
            keys = store_templates(store, planned_bodies(plan))
        except (BotoCoreError, ClientError) as error:
            raise AirflowFailException(
                f"the plan's templates could not be stored under s3://{store.bucket}/"
                f"{store.bucket_folder}/cloudformation/: {error}; nothing was changed. Check "
                "the deployer's access to that folder (deploy/iam/dms-deploy-policy.json), "
                "then clear check_state"
            ) from error
        self.log.info(
            "the plan's %d templates are stored under s3://%s/%s/cloudformation/ by SHA-256",
            len(keys),
            store.bucket,
            store.bucket_folder,
        )


class SelectStepOperator(BaseOperator):
    """Lists the stacks of one plan step, to map that step's task group over.

    Empty for a dry run or a plan with fewer steps, which skips the group.
    """

    template_fields: Sequence[str] = ("checked",)

    def __init__(self, *, checked: Any, index: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.checked = checked
        self.index = index

    def execute(self, context: Any) -> list[dict]:
        if self.checked["dry_run"]:
            self.log.info("dry run: nothing is deployed")
            return []
        items = items_of_step(self.checked, self.index)
        for item in items:
            self.log.info(
                "%s: pause %s, resume %s",
                item["stack"]["name"],
                item["pause"] or "nothing",
                item["resume"] or "nothing",
            )
        return items

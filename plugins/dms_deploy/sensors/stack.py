"""`wait_for_stack`: succeed when the stack settles, fail with the events that explain why not."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from airflow.providers.amazon.aws.hooks.cloud_formation import CloudFormationHook
from airflow.providers.amazon.aws.sensors.base_aws import AwsBaseSensor
from airflow.providers.amazon.aws.utils.mixins import aws_template_fields
from airflow.sdk.exceptions import AirflowFailException

from dms_deploy.apply.stacks import StackProgress, stack_progress
from dms_deploy.triggers.stack import StackSettledTrigger


class WaitForStackSensor(AwsBaseSensor[CloudFormationHook]):
    """Waits for the stack of one plan step.

    Deferrable by default, with our own trigger; with `deferrable=False` it runs in
    reschedule mode, so a deployment without a triggerer still frees the worker slot.
    A rollback or failure fails the task without retries: retrying a wait cannot fix it,
    clearing the step (which redeploys) can.
    """

    aws_hook_class = CloudFormationHook
    template_fields: Sequence[str] = aws_template_fields("stack_name", "deploy_result")

    def __init__(
        self,
        *,
        stack_name: str,
        deploy_result: dict | None = None,
        deferrable: bool = True,
        **kwargs: Any,
    ) -> None:
        if not deferrable:
            kwargs.setdefault("mode", "reschedule")
        super().__init__(**kwargs)
        self.stack_name = stack_name
        self.deploy_result = deploy_result
        self.deferrable = deferrable

    @property
    def _expect_change(self) -> bool:
        return bool((self.deploy_result or {}).get("expect_change", True))

    def execute(self, context: Any) -> Any:
        if not self.deferrable:
            return super().execute(context)
        if self.poke(context):
            return None
        self.defer(
            trigger=StackSettledTrigger(
                stack_name=self.stack_name,
                expect_change=self._expect_change,
                poll_seconds=float(self.poke_interval),
                aws_conn_id=self.aws_conn_id,
                region_name=self.region_name,
                verify=self.verify,
                botocore_config=self.botocore_config,
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=float(self.timeout)),
        )

    def poke(self, context: Any) -> bool:
        progress = stack_progress(self.hook.conn, self.stack_name, self._expect_change)
        self.log.info("stack %s: %s", self.stack_name, progress.status)
        return self._settled(progress)

    def execute_complete(self, context: Any, event: dict[str, Any]) -> None:
        progress = StackProgress(
            event["status"], done=True, ok=event["ok"], reasons=tuple(event["reasons"])
        )
        self._settled(progress)

    def _settled(self, progress: StackProgress) -> bool:
        if progress.done and not progress.ok:
            raise AirflowFailException(f"{self.stack_name}: {progress.describe()}")
        return progress.done

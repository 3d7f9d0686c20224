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
from dms_deploy.state.clients import RequiresConnection
from dms_deploy.triggers.aws import aws_kwargs
from dms_deploy.triggers.stack import StackSettledTrigger


class WaitForStackSensor(RequiresConnection, AwsBaseSensor[CloudFormationHook]):
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
        stack_name: str | None = None,
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
    def _stack(self) -> str:
        """The stack given, else the one `deploy_stack` reported (inside a mapped group)."""
        name = self.stack_name or (self.deploy_result or {}).get("stack")
        if not name:
            raise AirflowFailException("no stack to wait for: give stack_name or deploy_result")
        return name

    @property
    def _expect_change(self) -> bool:
        return bool((self.deploy_result or {}).get("expect_change", True))

    @property
    def _expect_deleted(self) -> bool:
        return bool((self.deploy_result or {}).get("expect_deleted", False))

    def execute(self, context: Any) -> Any:
        if not self.deferrable:
            return super().execute(context)
        if self.poke(context):
            return None
        self.defer(
            trigger=StackSettledTrigger(
                stack_name=self._stack,
                expect_change=self._expect_change,
                expect_deleted=self._expect_deleted,
                poll_seconds=float(self.poke_interval),
                **aws_kwargs(self),
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=float(self.timeout)),
        )

    def poke(self, context: Any) -> bool:
        progress = stack_progress(
            self.hook.conn, self._stack, self._expect_change, self._expect_deleted
        )
        self.log.info("stack %s: %s", self._stack, progress.status)
        return self._settled(progress)

    def execute_complete(self, context: Any, event: dict[str, Any]) -> None:
        progress = StackProgress(
            event["status"], done=True, ok=event["ok"], reasons=tuple(event["reasons"])
        )
        self._settled(progress)

    def _settled(self, progress: StackProgress) -> bool:
        if progress.done and not progress.ok:
            raise AirflowFailException(f"{self._stack}: {progress.describe()}")
        return progress.done

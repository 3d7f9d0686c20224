"""Confirm the account again in a task, before it changes or judges anything there."""

from __future__ import annotations

from typing import Any

from airflow.providers.amazon.aws.hooks.sts import StsHook
from airflow.sdk.exceptions import AirflowFailException

from dms_deploy.apply.account_guard import account_mismatch


class ConfirmsAccount:
    """Mixin for the amazon provider's operators and sensors that take `expected_account`
    (check_state's ACCOUNT_KEY XCom): one GetCallerIdentity per call of `confirm_account`."""

    expected_account: dict | None
    _hook_parameters: dict[str, Any]
    hook: Any

    def confirm_account(self, consequence: str) -> None:
        """Fail without retries when the connection, perhaps edited since check_state, no
        longer reaches the plan's account and region; `consequence` says what the task left
        and what to do."""
        sts = StsHook(**self._hook_parameters).conn
        problem = account_mismatch(sts, self.hook.conn.meta.region_name, self.expected_account)
        if problem:
            raise AirflowFailException(f"{problem}; {consequence}")

    @property
    def expected_account_id(self) -> str:
        return (self.expected_account or {}).get("account_id", "")

"""`approve_plan`: a disruptive plan waits here for a person's approval before any step.

The standard provider's `ApprovalOperator` (Approve / Reject). On Airflow 3.3 the task waits
in the `awaiting_input` state, with no trigger and no triggerer, until an approver answers
under Required Actions (or the HITL REST API), or until the scheduler times the wait out.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from airflow.providers.standard.exceptions import HITLRejectException, HITLTriggerEventError
from airflow.providers.standard.operators.hitl import ApprovalOperator
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from dms_deploy.plan.approval import APPROVAL_SUBJECT, approval_body, approval_gate
from dms_deploy.plan.model import Plan

# approve_plan's XCom keys, which the audit ledger reads back.
GATE_KEY = "gate"  # {"wait": bool, "reason": str}
RESPONSE_KEY = "response"  # who answered what, and when

APPROVERS_ENV = "DMS_DEPLOY_APPROVERS"
TIMEOUT_ENV = "DMS_DEPLOY_APPROVAL_TIMEOUT_HOURS"
DEFAULT_TIMEOUT_HOURS = 24.0


def approvers_from_env(value: str | None = None) -> list[dict[str, str]] | None:
    """DMS_DEPLOY_APPROVERS: comma-separated Airflow user ids, as HITL assigned users.

    None when unset or empty: then anyone allowed to answer the DAG's required actions may.
    """
    raw = os.environ.get(APPROVERS_ENV, "") if value is None else value
    ids = [part.strip() for part in raw.split(",") if part.strip()]
    # The auth manager checks the id; the name is only shown.
    return [{"id": user, "name": user} for user in ids] or None


def timeout_from_env(value: str | None = None) -> timedelta:
    """DMS_DEPLOY_APPROVAL_TIMEOUT_HOURS: a positive number of hours (default 24)."""
    raw = os.environ.get(TIMEOUT_ENV, "") if value is None else value
    if not raw.strip():
        return timedelta(hours=DEFAULT_TIMEOUT_HOURS)
    try:
        hours = float(raw)
    except ValueError:
        hours = 0.0
    # Zero would mean no timeout at all to the operator: a run could wait forever.
    if not hours > 0:
        raise ValueError(
            f"{TIMEOUT_ENV}={raw!r} is not a positive number of hours; set it to e.g. 24, "
            "or unset it for the default"
        )
    return timedelta(hours=hours)


def response_of(event: Mapping[str, Any]) -> dict[str, Any]:
    """The answer as the ledger records it: plain JSON, whatever the event carried."""
    if "error" in event:
        kind = "timed out" if event.get("error_type") == "timeout" else "error"
        return {"answer": None, "outcome": kind, "by": None, "at": None, "error": event["error"]}
    chosen = list(event.get("chosen_options") or [])
    user = event.get("responded_by_user") or {}
    at = event.get("responded_at")
    answer = chosen[0] if chosen else None
    return {
        "answer": answer,
        "outcome": {"Approve": "approved", "Reject": "rejected"}.get(answer or "", "unknown"),
        "by": user.get("id"),
        "by_name": user.get("name"),
        "at": at.isoformat() if isinstance(at, datetime) else at,
    }


class ApprovePlanOperator(ApprovalOperator):
    """Skips unless the plan needs a person's approval (`plan.approval.approval_gate`);
    otherwise shows the plan as Markdown and waits. A rejection fails this task, so no step
    runs and the run fails; record_run still records who rejected it."""

    template_fields: Sequence[str] = (*ApprovalOperator.template_fields, "checked")

    def __init__(self, *, checked: Any, **kwargs: Any) -> None:
        kwargs.setdefault("subject", APPROVAL_SUBJECT)
        super().__init__(fail_on_reject=True, **kwargs)
        self.checked = checked

    def execute(self, context: Any) -> Any:
        plan = Plan.from_dict(self.checked["plan"])
        gate = approval_gate(
            plan,
            dry_run=bool(self.checked["dry_run"]),
            reviewed_digest=context["params"].get("plan_digest"),
        )
        context["ti"].xcom_push(key=GATE_KEY, value={"wait": gate.wait, "reason": gate.reason})
        if not gate.wait:
            raise AirflowSkipException(gate.reason)
        who = ", ".join(u["id"] for u in self.assigned_users or []) or "any user allowed to"
        self.log.info(
            "waiting for approval (%s); %s answer under Required Actions, for up to %s",
            gate.reason,
            who,
            self.response_timeout,
        )
        self.body = approval_body(plan, gate)
        return super().execute(context)

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        response = response_of(event)
        context["ti"].xcom_push(key=RESPONSE_KEY, value=response)
        try:
            return super().execute_complete(context, event)
        except HITLRejectException as rejected:
            raise AirflowFailException(
                f"rejected by {response['by']} at {response['at']}: nothing was deployed and "
                "no DMS task was stopped. Change the configs (a new pull request), or trigger "
                "a new run and have it approved"
            ) from rejected
        except HITLTriggerEventError as failed:
            raise AirflowFailException(
                f"no answer at approve_plan ({response['error']}): nothing was deployed. "
                "Trigger a new run and have an approver answer within "
                f"{TIMEOUT_ENV} ({self.response_timeout})"
            ) from failed

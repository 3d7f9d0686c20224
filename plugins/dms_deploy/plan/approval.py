"""Whether a run's plan waits for a person's approval before any step deploys. Pure.

A disruptive plan (DMS106: a task replaced or deleted, an instance or a team stack deleted)
is accepted by a person, once: either on the pull request, by reviewing the plan made with
allow_disruptive and giving the run its digest (the acknowledgement is part of the digest,
see `Plan.digest`), or in the run, by an approver at `approve_plan`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from dms_deploy.plan.markdown import render_markdown
from dms_deploy.plan.model import Plan


@dataclass(frozen=True)
class Gate:
    wait: bool
    reason: str


def approval_gate(plan: Plan, *, dry_run: bool, reviewed_digest: str | None) -> Gate:
    """Wait, or go on without asking, and why (for the log and the approval form)."""
    if dry_run:
        return Gate(False, "a dry run deploys nothing: there is nothing to approve")
    if not plan.go:
        return Gate(False, "a no-go plan deploys nothing: there is nothing to approve")
    if not plan.disruptive:
        return Gate(False, "no task is replaced or deleted: the plan needs no approval")
    if plan.acknowledged and reviewed_digest == plan.digest:
        return Gate(
            False,
            f"acknowledged: the run has allow_disruptive and the reviewed digest {plan.digest} "
            "(the plan made with allow_disruptive, reviewed on the pull request)",
        )
    if plan.acknowledged:
        why = "allow_disruptive was given without plan_digest, so no review acknowledged it"
    else:
        why = "the run does not acknowledge it (allow_disruptive with the reviewed digest)"
    return Gate(True, f"the plan replaces or deletes replication, and {why}")


APPROVAL_SUBJECT = "Deploy a disruptive DMS plan?"


def approval_body(plan: Plan, gate: Gate) -> str:
    """What the approver reads: why they are asked, what each answer does, then the plan."""
    return (
        f"This run waits for approval: {gate.reason}.\n\n"
        "**Approve** deploys the plan below, step by step. **Reject** deploys nothing: the "
        "run fails and records who rejected it.\n\n"
        f"{render_markdown(plan)}"
    )


def digest_refusal(plan: Plan, reviewed: str | None) -> str | None:
    """Why a run given `reviewed` must not deploy this plan, or None when it may.

    A digest that differs only by the acknowledgement names the same steps, but not the
    same acceptance of their disruptions: it is refused with what to do instead.
    """
    if not reviewed or reviewed == plan.digest:
        return None
    other = replace(plan, allow_disruptive=not plan.allow_disruptive)
    if plan.disruptive and other.digest == reviewed:
        if plan.allow_disruptive:
            return (
                f"the reviewed digest {reviewed} is this plan's made without allow_disruptive: "
                "the review did not acknowledge its disruptions, so allow_disruptive cannot "
                "skip their approval; nothing was changed. Trigger a new run without "
                "allow_disruptive (it waits for approval at approve_plan), or review `dmsctl "
                f"plan --allow-disruptive` and trigger with its digest {plan.digest}"
            )
        return (
            f"the reviewed digest {reviewed} is this plan's made with allow_disruptive; "
            "nothing was changed. Trigger a new run with allow_disruptive and that digest, or "
            f"with this plan's digest {plan.digest} (it waits for approval at approve_plan)"
        )
    return (
        f"the plan's digest is {plan.digest}, not the reviewed {reviewed}: configs or live "
        "state changed since the review; nothing was changed. Review the new plan (`dmsctl "
        "plan`), then trigger a new run with its digest"
    )

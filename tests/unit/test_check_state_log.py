"""What check_state logs: the plan as one Markdown block, a dry run said first."""

from __future__ import annotations

from dms_deploy.operators.plan_step import plan_log
from dms_deploy.plan.model import Plan

PLAN = Plan(go=True, checks=())


def test_a_dry_run_says_so_on_the_first_line() -> None:
    text = plan_log(PLAN, dry_run=True, git_sha=None)
    assert text.splitlines()[0] == "DRY RUN: nothing will be deployed"
    assert "## GO: no changes" in text


def test_a_real_run_starts_with_the_commit_and_then_the_plan_markdown() -> None:
    lines = plan_log(PLAN, dry_run=False, git_sha="abc123").splitlines()
    assert "DRY RUN" not in "\n".join(lines)
    assert lines[0] == "Commit: abc123"
    assert lines[2] == "## GO: no changes"


def test_a_commit_left_empty_in_the_trigger_form_is_not_given() -> None:
    assert plan_log(PLAN, dry_run=False, git_sha=None).splitlines()[0] == "Commit: (not given)"

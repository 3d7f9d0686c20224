"""One run's plan as an HTML page: the Markdown check_state logs, rendered.

The plan holds names from the configs (teams, tasks, tables), so nothing in it may become
markup: Markdown's raw HTML is off (markdown-it escapes it as text), every other value is
escaped, and the page's Content-Security-Policy (see `app`) allows no script at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from typing import Any

from markdown_it import MarkdownIt

from dms_deploy.operators.plan_step import plan_log
from dms_deploy.plan.model import Plan

# CommonMark plus GitHub tables (the plan's checks and changes are tables); "html": False
# renders any tag in the source as text.
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")

# check_state states in which it may still make a plan.
_PENDING = {None, "none", "scheduled", "queued", "running", "restarting", "up_for_retry"}
_PENDING |= {"up_for_reschedule", "deferred"}


@dataclass(frozen=True)
class RunPlan:
    """What check_state left in one run."""

    dag_id: str
    run_id: str
    # check_state's state in this run; None when the run has no check_state task.
    check_state: str | None
    checked: dict | None = None  # its return_value: the plan the run deploys
    refused: dict | None = None  # the plan it refused (no-go, or not the reviewed digest)
    git_sha: str | None = None


def plan_page(run: RunPlan) -> str:
    """The whole page for `run`."""
    title, body = _content(run)
    subtitle = f"{run.dag_id} · run {run.run_id} · check_state: {run.check_state or 'none'}"
    return _PAGE.format(title=escape(title), subtitle=escape(subtitle), body=body)


def not_found_page(dag_id: str, run_id: str) -> str:
    return _PAGE.format(
        title="No such run",
        subtitle=escape(f"{dag_id} · run {run_id}"),
        body=_message(
            "This run does not exist (or was deleted). Open the DAG's grid and choose a run."
        ),
    )


def _content(run: RunPlan) -> tuple[str, str]:
    if run.checked is not None:
        dry_run = bool(run.checked.get("dry_run"))
        title = "The plan this run deploys"
        if dry_run:
            title = "Dry run: the plan (nothing is deployed)"
        return title, _plan_html(run.checked, dry_run=dry_run, git_sha=run.git_sha)
    if run.refused is not None:
        note = _message(
            "check_state refused this plan, so nothing was deployed; its log says why. Fix "
            "what the failed checks name (or review the new plan), then trigger a new run."
        )
        plan = _plan_html(run.refused, dry_run=bool(run.refused.get("dry_run")), git_sha=None)
        return "Refused plan: nothing was deployed", note + plan
    if run.check_state is None:
        return "No plan", _message(
            f"{run.dag_id} has no check_state task, so its runs have no plan; "
            "only dms_deploy runs make one."
        )
    if run.check_state in _PENDING:
        return "No plan yet", _message(
            f"check_state has not made the plan yet (state: {run.check_state}). "
            "Reload this page once it has succeeded."
        )
    return "No plan", _message(
        f"check_state ended {run.check_state} before it made a plan; its log says why. "
        "Fix the cause, then clear check_state to plan again."
    )


def _plan_html(checked: dict[str, Any], *, dry_run: bool, git_sha: str | None) -> str:
    try:
        plan = Plan.from_dict(checked["plan"])
    except (KeyError, TypeError, ValueError) as exc:
        # A plan recorded by another version of dms-deploy: still show what it holds.
        raw = json.dumps(checked.get("plan"), indent=2, sort_keys=True)
        return (
            _message(
                f"This plan cannot be read as a plan ({type(exc).__name__}: {exc}); its JSON "
                "follows. `dmsctl plan` shows the current plan."
            )
            + f"<pre>{escape(raw)}</pre>"
        )
    return _MARKDOWN.render(plan_log(plan, dry_run=dry_run, git_sha=git_sha))


def _message(text: str) -> str:
    return f'<p class="message">{escape(text)}</p>'


_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
  :root {{ color-scheme: light dark; }}
  body {{ font: 14px/1.5 system-ui, sans-serif; margin: 1rem 1.5rem; max-width: 80rem; }}
  .subtitle {{ opacity: 0.7; margin-top: -0.5rem; }}
  .message {{ border-left: 4px solid #d97706; padding: 0.5rem 1rem;
             background: rgba(217, 119, 6, 0.1); }}
  table {{ border-collapse: collapse; margin: 0.5rem 0; }}
  th, td {{ border: 1px solid rgba(128, 128, 128, 0.4); padding: 0.25rem 0.6rem;
           text-align: left; vertical-align: top; }}
  code, pre {{ font-family: ui-monospace, monospace; font-size: 0.92em; }}
  code {{ background: rgba(128, 128, 128, 0.15); padding: 0 0.2em; border-radius: 3px; }}
  pre {{ background: rgba(128, 128, 128, 0.1); padding: 0.75rem; overflow: auto; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p class="subtitle">{subtitle}</p>
{body}
</body>
</html>
"""

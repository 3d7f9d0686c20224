"""A plan as Markdown, for a pull-request comment: verdict, changes, checks, disruptions, steps."""

from __future__ import annotations

from dms_deploy.checks.base import CheckResult
from dms_deploy.plan.model import Plan, Step, TaskChange

_STATUS = {"pass": "pass", "fail": "**FAIL**", "warn": "warn", "skip": "skip"}


def render_markdown(plan: Plan) -> str:
    parts = [verdict(plan), _changes(plan), _disruptions(plan), _checks(plan), _steps(plan)]
    return "\n\n".join(p for p in parts if p) + "\n"


def verdict(plan: Plan) -> str:
    failed = [c.id for c in plan.checks if c.status == "fail"]
    scope = f" (teams: {', '.join(plan.teams)})" if plan.teams is not None else ""
    if plan.environment is not None:
        scope = f" in {plan.environment}{scope}"
    if not plan.go:
        return f"## NO-GO{scope}: {', '.join(failed)} failed"
    if plan.no_changes:
        return f"## GO{scope}: no changes"
    tasks = len({c.task for c in plan.changes})
    steps = len(plan.steps)
    gate = ""
    if plan.disruptive:
        gate = " (disruptive, acknowledged)" if plan.acknowledged else " after approval"
    return (
        f"## GO{gate}{scope}: {steps} step{'s' * (steps != 1)}, "
        f"{tasks} task{'s' * (tasks != 1)} change"
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def describe_change(change: TaskChange) -> str:
    parts = [f"bump `{b.source}` {b.old} → {b.new}" for b in change.bumped]
    parts += [f"add `{t}`" for t in change.added if change.classification != "new"]
    parts += [f"remove `{t}`" for t in change.removed if change.classification != "deletion"]
    parts += [f"pause table `{t}`" for t in change.paused_tables]
    parts += [f"unpause table `{t}`" for t in change.unpaused_tables]
    parts += [f"version down `{b.source}` {b.old} → {b.new}" for b in change.lowered]
    if change.classification == "new":
        parts.append(f"new task with {len(change.added)} tables")
    if change.classification == "deletion":
        parts.append(f"task deleted with its {len(change.removed)} tables")
    if change.settings_changed:
        parts.append("task settings change")
    if change.task_paused:
        parts.append("task paused")
    if change.task_unpaused:
        parts.append("task unpaused")
    if change.classification in {"restart", "replacement", "forbidden"}:
        parts += list(change.reasons)
    return "; ".join(parts) or "metadata only"


def _changes(plan: Plan) -> str:
    if not plan.changes:
        deployed = [s.name for s in plan.stacks if s.action != "none"]
        if deployed:
            return "### Changes\n\nNo task changes; stacks to deploy: " + ", ".join(deployed)
        return ""
    rows = ["| team | task | change | details |", "|---|---|---|---|"]
    for c in sorted(plan.changes, key=lambda c: (c.team, c.task)):
        task = c.task.removeprefix(f"{c.team}-")
        rows.append(f"| {c.team} | {task} | {c.classification} | {_cell(describe_change(c))} |")
    return "### Changes\n\n" + "\n".join(rows)


def _disruptions(plan: Plan) -> str:
    found = [
        f"- `{f.team or '-'}`: {f.message}"
        for c in plan.checks
        if c.id == "DMS106"
        for f in c.findings
    ]
    if not found:
        return "### Disruptions\n\nNone: no task is replaced or deleted."
    if not plan.disruptive:  # only a forbidden change: a no-go whatever is acknowledged
        return "### Disruptions\n\n" + "\n".join(found)
    if plan.acknowledged:
        heading = "acknowledged (allow_disruptive)"
        note = (
            "A run given this plan's digest deploys it without waiting; a run without the "
            "digest waits for approval at `approve_plan`."
        )
    else:
        heading = "need approval"
        note = (
            "A run waits at `approve_plan` until an approver approves or rejects them. To "
            "accept them on the pull request instead, review `dmsctl plan --allow-disruptive` "
            "and trigger with allow_disruptive and that plan's digest."
        )
    return f"### Disruptions ({heading})\n\n" + "\n".join([*found, "", note])


def _checks(plan: Plan) -> str:
    rows = ["| check | status | what it guarantees |", "|---|---|---|"]
    rows += [f"| {c.id} | {_STATUS[c.status]} | {_cell(c.title)} |" for c in plan.checks]
    findings = [line for c in plan.checks if c.status != "pass" for line in _findings(c)]
    text = "### Checks\n\n" + "\n".join(rows)
    if findings:
        text += "\n\n" + "\n".join(findings)
    return text


def _findings(check: CheckResult) -> list[str]:
    lines = []
    for f in check.findings:
        where = f" `{f.location()}`" if f.location() else ""
        lines.append(f"- **{check.id}** {f.severity}{where}: {f.message}")
    return lines


def _steps(plan: Plan) -> str:
    if not plan.steps:
        return "### Steps\n\nNothing to deploy."
    steps = "\n".join(_step(i, s) for i, s in enumerate(plan.steps, 1))
    return f"### Steps\n\n{steps}\n\nPlan digest: `{plan.digest}`"


def _step(number: int, step: Step) -> str:
    stacks = ", ".join(f"`{s.name}` ({s.action})" for s in step.stacks)
    pause = ", ".join(f"`{t}`" for t in step.pause) or "none"
    resume = ", ".join(f"`{t}` ({step.start.get(t, 'resume-processing')})" for t in step.resume)
    return (
        f"{number}. **{step.name}**: deploy {stacks}\n"
        f"   - pause first: {pause}\n"
        f"   - then start: {resume or 'none'}"
    )

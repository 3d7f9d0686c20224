"""Show audit records to a person: a table of many, Markdown for one run."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dms_deploy.checks.base import printable

COLUMNS = (
    "recorded_at",
    "kind",
    "run_id",
    "attempt",
    "final_state",
    "dry_run",
    "teams",
    "plan_digest",
)
# A record without `kind` is a deploy's; the drift watch's says "drift watch".
DEPLOY_KIND = "deploy"


def records_table(records: Iterable[Mapping[str, Any]]) -> str:
    """One line per record, in columns aligned for a terminal."""
    rows = [[_cell(r, c) for c in COLUMNS] for r in records]
    header = [c.replace("_", " ") for c in COLUMNS]
    widths = [max(len(x) for x in column) for column in zip(header, *rows, strict=True)]
    lines = [header, ["-" * w for w in widths], *rows]
    return "\n".join(_aligned(line, widths) for line in lines)


def _aligned(values: list[str], widths: list[int]) -> str:
    return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()


def _cell(record: Mapping[str, Any], column: str) -> str:
    value = record.get(column)
    if column == "kind":
        return printable(str(value or DEPLOY_KIND))
    if column == "teams":
        return ",".join(value or []) or "-"
    if column == "dry_run":
        return "dry run" if value else "-"
    return printable(str(value)) if value not in (None, "") else "-"


def record_markdown(record: Mapping[str, Any]) -> str:
    """One attempt of a run: trigger, plan, steps, pauses, S3 proof and outcome; for the
    drift watch, what it watched and found."""
    if record.get("watch") is not None:
        return _watch_markdown(record)
    trigger = record.get("trigger") or {}
    lines = [
        f"## {record['run_id']} (attempt {record['attempt']}): {record['final_state']}",
        "",
        f"- recorded at: {record.get('recorded_at')}",
        f"- triggered: {trigger.get('run_type') or '-'} by {trigger.get('user') or '-'}",
        f"- git sha: {trigger.get('git_sha') or '-'}",
        f"- dry run: {'yes' if record.get('dry_run') else 'no'}",
        f"- teams: {', '.join(record.get('teams') or []) or 'all'}",
        f"- plan digest: {record.get('plan_digest') or '- (no plan was made)'}",
        f"- approval: {_approval(record)}",
    ]
    if record.get("plan_object"):
        lines.append(f"- plan: in `{record['plan_object']}`")
    if record.get("failed_tasks"):
        lines.append(f"- failed tasks: {', '.join(record['failed_tasks'])}")
    lines += _section(
        "Steps",
        ("step", "stack", "action", "outcome"),
        [
            (_instance(s), s.get("stack"), s.get("action"), s["outcome"])
            for s in record.get("steps", [])
        ],
    )
    lines += _section(
        "Paused DMS tasks",
        ("stack", "task", "stopped at", "after the deploy", "started at"),
        [
            (
                w.get("stack"),
                task,
                w.get("stopped_at"),
                how or "not started",
                w.get("resumed_at") if how else None,
            )
            for w in record.get("pause_windows", [])
            for task, how in w["resumed"].items()
        ],
    )
    lines += _section(
        "S3 proof",
        ("stack", "objects unchanged", "new"),
        [(p.get("stack"), p["unchanged"], p["new"]) for p in record.get("s3_proof", [])],
    )
    return "\n".join(lines) + "\n"


def _approval(record: Mapping[str, Any]) -> str:
    """Who approved or rejected, and when; older records only have `approved_by`."""
    approval = record.get("approval") or {}
    outcome = approval.get("outcome")
    if outcome is None:
        return f"approved by {record['approved_by']}" if record.get("approved_by") else "-"
    if outcome == "not needed":
        return f"not needed ({approval.get('reason') or '-'})"
    who = f" by {approval['by']}" if approval.get("by") else ""
    when = f" at {approval['at']}" if approval.get("at") else ""
    return printable(f"{outcome}{who}{when}")


def _watch_markdown(record: Mapping[str, Any]) -> str:
    watch = record["watch"]
    trigger = record.get("trigger") or {}
    watched = ", ".join(f"{n} {what}" for what, n in sorted((watch.get("watched") or {}).items()))
    lines = [
        f"## {record['run_id']} (attempt {record['attempt']}): {record['final_state']}",
        "",
        f"- {record.get('kind')}: {trigger.get('run_type') or '-'}, changes nothing",
        f"- recorded at: {record.get('recorded_at')}",
        f"- watched: {watched or 'nothing'}",
    ]
    if watch.get("unreadable"):
        lines.append(f"- could not compare: {_md(watch['unreadable'])}")
    lines += _section(
        "Findings",
        ("kind", "resource", "seen", "what to do"),
        [(f["kind"], f["resource"], f["seen"], f["action"]) for f in watch.get("findings", [])],
    )
    return "\n".join(lines) + "\n"


def _instance(step: Mapping[str, Any]) -> str:
    # A step the plan did not need was never mapped: it has no instance number.
    index = step.get("map_index", -1)
    return step["step"] if index < 0 else f"{step['step']}[{index}]"


def _section(title: str, header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> list[str]:
    if not rows:
        return ["", f"### {title}", "", "none"]
    table = [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(_md(v) for v in row) + " |" for row in rows),
    ]
    return ["", f"### {title}", "", *table]


def _md(value: Any) -> str:
    return printable(str(value)).replace("|", "\\|") if value is not None else "-"

"""The audit record of one drift-watch run: what the watch saw, beside the deploys' records.

It has the fields `dmsctl history` lists for a deploy (no plan, no steps: the watch changes
nothing) plus `kind: "drift watch"` and `watch`, the report: what was watched, each finding,
or why nothing could be compared. `final_state` is `failed` when the watch found anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dms_deploy.audit.record import FAILED, RECORD_VERSION, SUCCESS

WATCH_KIND = "drift watch"


@dataclass(frozen=True)
class WatchRun:
    run_id: str
    attempt: int
    dag_id: str
    run_type: str | None
    recorded_at: str
    # The watch's report as `WatchReport.to_dict` gives it.
    report: Mapping[str, Any]


def build_watch_record(run: WatchRun) -> dict[str, Any]:
    """The record of one attempt of a drift-watch run."""
    healthy = bool(run.report.get("healthy"))
    return {
        "record_version": RECORD_VERSION,
        "kind": WATCH_KIND,
        "run_id": run.run_id,
        "attempt": run.attempt,
        "dag_id": run.dag_id,
        "recorded_at": run.recorded_at,
        "trigger": {"run_type": run.run_type, "user": None, "git_sha": None},
        "params": {},
        "dry_run": False,
        "teams": [],
        "plan_digest": None,
        "plan_go": None,
        "plan": None,
        "plan_object": None,
        "approved_by": None,
        "steps": [],
        "pause_windows": [],
        "s3_proof": [],
        "failed_tasks": [],
        "watch": dict(run.report),
        "final_state": SUCCESS if healthy else FAILED,
    }

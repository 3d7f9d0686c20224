"""The drift watch's audit record, and how `dmsctl history` shows it beside deploys."""

from __future__ import annotations

from dms_deploy.audit.markdown import record_markdown, records_table
from dms_deploy.audit.record import is_record_key, record_key
from dms_deploy.audit.watch_record import WATCH_KIND, WatchRun, build_watch_record
from dms_deploy.watch.findings import WatchFinding, WatchReport

FINDING = WatchFinding(
    "table-error",
    "table public.payments of task payments-transactions",
    "the table is in Table error",
    "reload the table",
)


def run(report: WatchReport) -> WatchRun:
    return WatchRun(
        run_id="scheduled__2026-12-01T08:00:00+00:00",
        attempt=1,
        dag_id="dms_drift",
        run_type="scheduled",
        recorded_at="2026-12-01T08:00:05+00:00",
        report=report.to_dict(),
    )


def test_a_watch_with_a_finding_is_recorded_as_failed_with_what_it_saw() -> None:
    record = build_watch_record(run(WatchReport((FINDING,), watched={"stacks": 4, "tasks": 6})))
    assert record["kind"] == WATCH_KIND
    assert record["final_state"] == "failed"
    assert record["watch"]["findings"] == [FINDING.to_dict()]
    assert record["plan"] is None and record["steps"] == []
    assert is_record_key(record_key("dms", record["run_id"], record["attempt"]))
    text = record_markdown(record)
    assert "## scheduled__2026-12-01T08:00:00+00:00 (attempt 1): failed" in text
    assert "- watched: 4 stacks, 6 tasks" in text
    assert "| table-error | table public.payments of task payments-transactions |" in text


def test_a_healthy_watch_succeeds_and_history_tells_it_from_a_deploy() -> None:
    record = build_watch_record(run(WatchReport(watched={"stacks": 4, "tasks": 6})))
    assert record["final_state"] == "success"
    assert "### Findings\n\nnone" in record_markdown(record)
    deploy = {**record, "run_id": "manual__1", "watch": None}
    del deploy["kind"]
    lines = records_table([deploy, record]).splitlines()
    assert lines[0].split()[:3] == ["recorded", "at", "kind"]
    assert " deploy " in lines[2] and " drift watch " in lines[3]

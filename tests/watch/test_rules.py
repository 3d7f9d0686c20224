"""The watch's pure rules: which stack statuses are unsettled, and the latency threshold."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dms_deploy.state.model import ObservedStack
from dms_deploy.watch.cdc_latency import Latency, WatchedTask
from dms_deploy.watch.findings import WatchFinding, WatchReport
from dms_deploy.watch.rules import latency_findings, stack_findings

AT = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "status",
    ["CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE"],
)
def test_complete_stacks_are_settled(status: str) -> None:
    assert stack_findings([ObservedStack("dms-food", status)]) == []


@pytest.mark.parametrize(
    ("status", "advice"),
    [
        ("UPDATE_IN_PROGRESS", "wait until it settles"),
        ("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "wait until it settles"),
        ("UPDATE_ROLLBACK_FAILED", "continue the rollback"),
        ("REVIEW_IN_PROGRESS", "never executed"),
    ],
)
def test_other_stacks_are_unsettled_with_advice(status: str, advice: str) -> None:
    (finding,) = stack_findings([ObservedStack("dms-food", status)])
    assert (finding.kind, finding.resource) == ("stack-unsettled", "stack dms-food")
    assert status in finding.seen and advice in finding.action


def test_latency_at_the_threshold_is_not_a_finding_and_one_task_gives_one_finding() -> None:
    latencies = [
        Latency("food-recipes", "CDCLatencySource", 600, AT),
        Latency("food-recipes", "CDCLatencyTarget", 600, AT),
        Latency("food-orders", "CDCLatencySource", 601, AT),
        Latency("food-orders", "CDCLatencyTarget", 700, AT),
    ]
    (finding,) = latency_findings(latencies, 600)
    assert finding.resource == "task food-orders"
    assert "CDCLatencySource is 601 s" in finding.seen
    assert "CDCLatencyTarget is 700 s" in finding.seen
    assert "reading the source" in finding.action


def test_target_latency_alone_points_at_the_target() -> None:
    (finding,) = latency_findings([Latency("t", "CDCLatencyTarget", 900, AT)], 600)
    assert "writing the target" in finding.action


def test_the_metric_dimension_is_the_arn_resource_id() -> None:
    task = WatchedTask("food-orders", "arn:aws:dms:us-east-1:1:task:ABCDEF", "food-1")
    assert task.resource_id == "ABCDEF"


def test_a_report_lists_each_finding_and_what_to_do_on_one_line() -> None:
    report = WatchReport((WatchFinding("table-error", "table a.b\nof t", "seen", "act"),))
    assert not report.healthy
    assert report.summary().splitlines() == [
        "drift watch: 1 finding(s)",
        "- table-error table a.b\\nof t: seen. What to do: act",
    ]

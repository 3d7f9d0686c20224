"""The rehearsal's pure judgements: which tasks, when they count as running, latency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dms_deploy.apply.full_loads import LoadProgress
from dms_deploy.apply.rehearsal import (
    Soak,
    did_not_hold,
    judge_tasks,
    latency_breaches,
    no_latency_data,
    rehearsal_scope,
    still_loading,
)
from dms_deploy.plan.model import Plan, TaskChange
from dms_deploy.watch.cdc_latency import Latency

AT = datetime(2026, 12, 1, 4, 30, tzinfo=UTC)


def change(task: str, classification: str, **extra) -> TaskChange:
    return TaskChange(
        team="food", task=task, stack="dms-food", classification=classification, **extra
    )


def test_the_scope_is_the_changed_tasks_that_run_afterwards() -> None:
    plan = Plan(
        go=True,
        checks=(),
        changes=(
            change("food-a", "in-place"),
            change("food-b", "new"),
            change("food-c", "none"),
            change("food-d", "deletion"),
            change("food-e", "in-place", configured_paused=True),
            change("food-f", "restart"),
        ),
    )
    assert rehearsal_scope(plan, []).tasks == ("food-a", "food-b", "food-f")


def test_a_plan_without_changes_has_nothing_to_rehearse() -> None:
    assert rehearsal_scope(Plan(go=True, checks=()), []).tasks == ()


def test_tasks_count_when_running_or_finished_their_full_load() -> None:
    described = {
        "a": {"Status": "running"},
        "b": {"Status": "stopped", "StopReason": "Stop Reason FULL_LOAD_ONLY_FINISHED"},
    }
    verdict = judge_tasks(described, ["a", "b"], LoadProgress(done=True))
    assert verdict.ready and not verdict.failures


def test_a_starting_task_or_a_load_in_progress_waits_without_failing() -> None:
    loading = LoadProgress(done=False, pending=("a: public.t (Full load)",))
    verdict = judge_tasks({"a": {"Status": "running"}, "b": {"Status": "starting"}}, "ab", loading)
    assert not verdict.ready
    assert verdict.waiting == ("b (starting)",)
    assert verdict.failures == ()


def test_a_failed_stopped_or_missing_task_or_a_broken_load_fails() -> None:
    described = {
        "a": {"Status": "failed", "LastFailureMessage": "no route to source"},
        "b": {"Status": "stopped", "StopReason": "Stop Reason NORMAL"},
    }
    broken = LoadProgress(done=False, failures=("d: public.t ended in 'Table error'",))
    verdict = judge_tasks(described, ["a", "b", "c"], broken)
    assert not verdict.ready
    assert verdict.failures == (
        "d: public.t ended in 'Table error'",
        "a failed: no route to source",
        "b stopped: Stop Reason NORMAL",
        "c does not exist",
    )


def test_latency_at_or_over_the_limit_is_a_breach() -> None:
    latencies = [
        Latency("a", "CDCLatencyTarget", 600.0, AT),
        Latency("a", "CDCLatencySource", 12.0, AT),
        Latency("b", "CDCLatencySource", 599.0, AT),
    ]
    assert latency_breaches(latencies, 600) == ["a: CDCLatencyTarget 600s at 04:30 UTC"]
    assert latency_breaches(latencies, 601) == []


def test_a_soak_counts_datapoints_of_its_own_minutes_only() -> None:
    """CloudWatch's DMS periods are whole minutes: the minute the soak starts in counts,
    an earlier one does not."""
    soak = Soak(("a", "b", "c"), since=(AT + timedelta(seconds=50)).timestamp())
    breaches = soak.observe(
        [
            Latency("a", "CDCLatencySource", 3.0, AT),  # the minute 04:30, the soak's first
            Latency("b", "CDCLatencyTarget", 700.0, AT - timedelta(minutes=1)),
        ],
        limit_seconds=600,
    )
    assert breaches == ["b: CDCLatencyTarget 700s at 04:29 UTC"]
    assert soak.unmeasured() == ["b", "c"]
    soak.observe([Latency("c", "CDCLatencyTarget", 1.0, AT + timedelta(minutes=1))], 600)
    assert soak.unmeasured() == ["b"]


def test_a_soak_without_data_says_it_proved_nothing_and_what_to_check() -> None:
    message = no_latency_data(["b", "a"], 1800, "us-east-1")
    assert message.startswith(
        "the rehearsal proved nothing: no CDCLatency metrics (CDCLatencySource or "
        "CDCLatencyTarget) were published for a, b during the 1800s soak"
    )
    assert "in us-east-1 (namespace AWS/DMS" in message
    assert message.endswith("then clear rehearse_cdc_latency to soak again")
    (line,) = still_loading({"a": ["public.t (Full load)"]})
    assert line.startswith("a published no CDC latency during the soak and is still in a full")


def test_the_failure_says_not_to_promote_and_where_to_look() -> None:
    message = did_not_hold("a failed: boom")
    assert message.startswith("the rehearsal failed: a failed: boom.")
    assert "must not be promoted to production" in message
    assert "CDCLatencySource" in message


def test_the_triggers_serialize_to_what_rebuilds_them() -> None:
    """The triggerer rebuilds a trigger from its classpath and kwargs."""
    import importlib

    from dms_deploy.triggers.rehearsal import LatencySoakTrigger, TasksRunningTrigger

    made = [
        TasksRunningTrigger(tasks=["a"], loads={}, deadline=1.0, aws_conn_id="aws_staging"),
        LatencySoakTrigger(
            tasks=[{"identifier": "a", "arn": "arn:aws:dms:r:1:task:X", "instance": "i"}],
            limit_seconds=600,
            soak_until=2.0,
            aws_conn_id="aws_staging",
        ),
    ]
    for trigger in made:
        path, kwargs = trigger.serialize()
        module, name = path.rsplit(".", 1)
        rebuilt = getattr(importlib.import_module(module), name)(**kwargs)
        assert rebuilt.serialize() == (path, kwargs)
        assert kwargs["aws_conn_id"] == "aws_staging"


def test_tasks_that_never_run_end_the_wait_with_the_reason() -> None:
    import pytest
    from airflow.sdk.exceptions import AirflowFailException

    from dms_deploy.sensors.rehearsal import RehearseTasksRunningSensor

    sensor = RehearseTasksRunningSensor(task_id="rehearse_tasks_running", checked={}, timeout=60)
    event = {"ready": False, "waiting": ["a (starting)"], "failures": [], "timed_out": True}
    with pytest.raises(AirflowFailException, match=r"after 60s these tasks still do not run: a"):
        sensor.execute_complete({}, event)
    failed = {**event, "failures": ["a failed: boom"], "timed_out": False}
    with pytest.raises(AirflowFailException, match=r"a failed: boom.*must not be promoted"):
        sensor.execute_complete({}, failed)
    sensor.execute_complete({}, {**event, "ready": True, "waiting": [], "timed_out": False})

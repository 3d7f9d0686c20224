"""approve_plan's settings and how it records an answer (the ledger reads it back)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dms_deploy.operators.approval import approvers_from_env, response_of, timeout_from_env


def test_approvers_are_airflow_user_ids_and_unset_means_no_restriction() -> None:
    assert approvers_from_env("alice, bob,,") == [
        {"id": "alice", "name": "alice"},
        {"id": "bob", "name": "bob"},
    ]
    assert approvers_from_env("") is None
    assert approvers_from_env(" , ") is None


def test_the_wait_defaults_to_a_day_and_takes_hours() -> None:
    assert timeout_from_env("") == timedelta(hours=24)
    assert timeout_from_env("0.5") == timedelta(minutes=30)
    for wrong in ("0", "-1", "a day", "nan"):
        with pytest.raises(ValueError, match="not a positive number of hours"):
            timeout_from_env(wrong)


def test_an_answer_is_recorded_with_who_and_when_and_a_timeout_without_anyone() -> None:
    at = datetime(2026, 1, 1, 1, 0, tzinfo=UTC)
    event = {
        "chosen_options": ["Reject"],
        "params_input": {},
        "responded_at": at,
        "responded_by_user": {"id": "bob", "name": "Bob"},
    }
    assert response_of(event) == {
        "answer": "Reject",
        "outcome": "rejected",
        "by": "bob",
        "by_name": "Bob",
        "at": "2026-01-01T01:00:00+00:00",
    }
    timed_out = response_of({"error": "no response", "error_type": "timeout"})
    assert timed_out["outcome"] == "timed out" and timed_out["by"] is None

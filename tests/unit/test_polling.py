"""The shared wait loop: pauses grow to the poll interval, and a timeout is an error."""

from __future__ import annotations

import itertools

import pytest

from dms_deploy.apply.errors import ApplyError
from dms_deploy.apply.polling import backoff, wait_until


def test_backoff_doubles_from_half_a_second_up_to_the_interval() -> None:
    assert list(itertools.islice(backoff(5), 6)) == [0.5, 1, 2, 4, 5, 5]
    assert list(itertools.islice(backoff(0.2), 3)) == [0.2, 0.2, 0.2]


def test_wait_until_returns_the_first_answer_and_sleeps_between_tries() -> None:
    answers = iter([None, None, "done"])
    slept: list[float] = []
    result = wait_until(
        lambda: next(answers),
        what="x",
        timeout_seconds=60,
        poll_seconds=15,
        sleep=slept.append,
        clock=lambda: 0.0,
    )
    assert result == "done"
    assert slept == [0.5, 1]


def test_wait_until_fails_with_what_it_waited_for_at_the_deadline() -> None:
    now = itertools.count(0, 10)
    with pytest.raises(ApplyError, match="timed out after 30s waiting for the stack"):
        wait_until(
            lambda: None,
            what="the stack",
            timeout_seconds=30,
            poll_seconds=15,
            sleep=lambda _: None,
            clock=lambda: float(next(now)),
        )

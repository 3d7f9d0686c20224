"""DMS003's cfn-lint cache: used when it may be, ignored when it may not, never changing a result.

cfn-lint is counted where it is called (`cfnlint.api.lint`), in this process (one worker).
"""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cfnlint.api
import pytest

from dms_deploy.checks import dms003_cfn_lint, lint_cache
from dms_deploy.checks.dms003_cfn_lint import RULE_CONFIG, lint_stacks
from dms_deploy.checks.lint_cache import LintCache, cache_key
from dms_deploy.checks.offline import run_offline
from dms_deploy.render.stacks import RenderedStack
from tests.unit.conftest import EXAMPLES, TEMPLATES

# A task without TableMappings and the other required properties: cfn-lint errors.
BROKEN = RenderedStack(
    "dms-food",
    "food",
    'AWSTemplateFormatVersion: "2010-09-09"\n'
    "Resources:\n"
    "  Task:\n"
    "    Type: AWS::DMS::ReplicationTask\n"
    "    Properties:\n"
    "      MigrationType: full-load-and-cdc\n",
    {},
)


@pytest.fixture(scope="module")
def examples() -> list[RenderedStack]:
    """The example configs' templates (base and three teams), which lint clean."""
    return run_offline(EXAMPLES, TEMPLATES, lint=False).stacks


@pytest.fixture
def lint_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The template of every call to cfn-lint, in order."""
    calls: list[str] = []
    real = cfnlint.api.lint

    def counting(body: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(body)
        return real(body, *args, **kwargs)

    monkeypatch.setattr(cfnlint.api, "lint", counting)
    return calls


def uncached(stacks: list[RenderedStack]) -> list[Any]:
    return lint_stacks(stacks, cache=LintCache(None), workers=1).findings


def entry_of(cache: LintCache, stack: RenderedStack) -> Path:
    key = cache_key(stack.body, dms003_cfn_lint.linter_version(), RULE_CONFIG)
    return cache.path(key)


def test_a_second_run_does_not_call_cfn_lint_for_unchanged_templates(
    tmp_path: Path, examples: list[RenderedStack], lint_calls: list[str]
) -> None:
    stacks = [*examples, BROKEN]
    cache = LintCache(tmp_path)
    first = lint_stacks(stacks, cache=cache, workers=1)
    assert len(lint_calls) == len(stacks)
    assert (first.linted, first.cached) == (len(stacks), 0)

    second = lint_stacks(stacks, cache=LintCache(tmp_path), workers=1)
    assert len(lint_calls) == len(stacks)  # no new call
    assert (second.linted, second.cached) == (0, len(stacks))
    assert second.findings == first.findings


def test_a_changed_template_alone_is_linted_again(
    tmp_path: Path, examples: list[RenderedStack], lint_calls: list[str]
) -> None:
    lint_stacks(examples, cache=LintCache(tmp_path), workers=1)
    lint_calls.clear()
    changed = dataclasses.replace(examples[1], body=examples[1].body + "# one more line\n")
    run = lint_stacks([examples[0], changed, *examples[2:]], cache=LintCache(tmp_path), workers=1)
    assert lint_calls == [changed.body]
    assert (run.linted, run.cached) == (1, len(examples) - 1)


@pytest.mark.parametrize(
    ("what", "change"),
    [
        ("cfn-lint version", lambda mp: mp.setattr(dms003_cfn_lint, "linter_version", lambda: "9")),
        (
            "rule configuration",
            lambda mp: mp.setitem(RULE_CONFIG, "regions", ["us-east-1", "eu-west-1"]),
        ),
    ],
)
def test_a_new_cfn_lint_or_rule_configuration_misses_every_entry(
    what: str,
    change: Callable[[pytest.MonkeyPatch], None],
    tmp_path: Path,
    examples: list[RenderedStack],
    lint_calls: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lint_stacks(examples, cache=LintCache(tmp_path), workers=1)
    lint_calls.clear()
    change(monkeypatch)
    run = lint_stacks(examples, cache=LintCache(tmp_path), workers=1)
    assert len(lint_calls) == len(examples), what
    assert run.cached == 0


def test_a_finding_from_the_cache_is_identical_to_a_fresh_one(
    tmp_path: Path, lint_calls: list[str]
) -> None:
    fresh = uncached([BROKEN])
    assert fresh and all(f.message.startswith("stack dms-food: E") for f in fresh)
    lint_stacks([BROKEN], cache=LintCache(tmp_path), workers=1)
    calls = len(lint_calls)
    cached = lint_stacks([BROKEN], cache=LintCache(tmp_path), workers=1)
    assert len(lint_calls) == calls  # really from the cache
    assert cached.findings == fresh
    # The same template under another stack's name is reported under that name.
    other = dataclasses.replace(BROKEN, name="dms-pay", team="pay")
    reused = lint_stacks([other], cache=LintCache(tmp_path), workers=1).findings
    assert len(lint_calls) == calls
    assert reused == uncached([other])
    assert all(f.team == "pay" and f.file == "dms-pay.yaml" for f in reused)


def _tamper_matches(entry: dict[str, Any]) -> dict[str, Any]:
    return {**entry, "matches": []}  # a clean result, with the old digest


def _other_key(entry: dict[str, Any]) -> dict[str, Any]:
    return {**entry, "key": "0" * 64}


def _bad_shape(entry: dict[str, Any]) -> dict[str, Any]:
    matches = [{**m, "line": str(m["line"])} for m in entry["matches"]]
    return {**entry, "matches": matches}


CORRUPTIONS: dict[str, Callable[[bytes], bytes]] = {
    "truncated": lambda data: data[: len(data) // 2],
    "not JSON": lambda _: b"\x00\xffnot json",
    "empty": lambda _: b"",
    "matches emptied": lambda data: json.dumps(_tamper_matches(json.loads(data))).encode(),
    "another key": lambda data: json.dumps(_other_key(json.loads(data))).encode(),
    "wrong shape": lambda data: json.dumps(_bad_shape(json.loads(data))).encode(),
    "a list": lambda _: b"[]",
}


@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
def test_a_corrupted_entry_is_ignored_and_replaced(
    corruption: str, tmp_path: Path, lint_calls: list[str]
) -> None:
    cache = LintCache(tmp_path)
    fresh = lint_stacks([BROKEN], cache=cache, workers=1).findings
    assert fresh
    entry = entry_of(cache, BROKEN)
    entry.write_bytes(CORRUPTIONS[corruption](entry.read_bytes()))
    calls = len(lint_calls)

    again = lint_stacks([BROKEN], cache=LintCache(tmp_path), workers=1)
    assert len(lint_calls) == calls + 1, "a corrupted entry must not be trusted"
    assert again.findings == fresh
    # The fresh result replaced it.
    third = lint_stacks([BROKEN], cache=LintCache(tmp_path), workers=1)
    assert (third.cached, len(lint_calls)) == (1, calls + 1)


def test_an_unwritable_cache_directory_turns_the_cache_off_and_linting_goes_on(
    tmp_path: Path, lint_calls: list[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    cache = LintCache(blocker / "cache")  # cannot be created, even by root
    run = lint_stacks([BROKEN, BROKEN], cache=cache, workers=1)
    assert run.findings == uncached([BROKEN, BROKEN])
    assert cache.disabled_reason and str(blocker / "cache") in cache.disabled_reason
    assert not cache.enabled and cache.get("0" * 64) is None


def test_entries_are_whole_files_in_a_private_directory(tmp_path: Path, examples) -> None:
    root = tmp_path / "cache"
    cache = LintCache(root)
    lint_stacks(examples, cache=cache, workers=1)
    entries = sorted(root.rglob("*.json"))
    assert len(entries) == len(examples)
    assert not [p for p in root.rglob("*") if p.name.endswith(".tmp")]  # no temporary left
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    for path in entries:
        assert json.loads(path.read_bytes())["key"] == path.stem


def test_the_default_directory_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DMS_DEPLOY_CACHE_DIR", str(tmp_path / "shared"))
    assert lint_cache.default_directory() == tmp_path / "shared" / "cfn-lint"
    monkeypatch.setenv("DMS_DEPLOY_CACHE_DIR", "off")
    assert lint_cache.default_directory() is None
    assert not LintCache.default().enabled
    monkeypatch.delenv("DMS_DEPLOY_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert lint_cache.default_directory() == tmp_path / "xdg" / "dms-deploy" / "cfn-lint"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert (
        lint_cache.default_directory() == tmp_path / "home" / ".cache" / "dms-deploy" / "cfn-lint"
    )


def test_the_offline_pass_lints_unchanged_configs_from_the_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, lint_calls: list[str]
) -> None:
    monkeypatch.setenv("DMS_DEPLOY_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("DMS_DEPLOY_LINT_WORKERS", "1")
    first = run_offline(EXAMPLES, TEMPLATES)
    assert lint_calls and first.result("DMS003").status == "pass"
    calls = len(lint_calls)
    second = run_offline(EXAMPLES, TEMPLATES)
    assert len(lint_calls) == calls
    assert second.results == first.results


@pytest.mark.parametrize("method", ["fork", "forkserver"])
def test_parallel_workers_give_the_serial_findings_in_stack_order(
    method: str, monkeypatch: pytest.MonkeyPatch, examples: list[RenderedStack]
) -> None:
    monkeypatch.setattr(dms003_cfn_lint, "_start_method", lambda: method)
    broken = [
        RenderedStack(f"dms-t{i}", f"t{i}", BROKEN.body + f"# team t{i}\n", {}) for i in range(4)
    ]
    stacks = [examples[0], broken[0], *examples[1:], *broken[1:]]
    run = lint_stacks(stacks, cache=LintCache(None), workers=2)
    assert run.workers == 2
    assert run.findings == uncached(stacks)
    teams = list(dict.fromkeys(f.team for f in run.findings))
    assert teams == ["t0", "t1", "t2", "t3"]


def test_workers_are_forked_only_while_no_other_thread_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Another thread (as in an Airflow task process) may hold a lock a fork would copy.
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    assert dms003_cfn_lint._start_method() == "fork"  # Linux's default
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert dms003_cfn_lint._start_method() == "forkserver"


def test_without_processes_to_be_had_the_templates_are_linted_here(
    monkeypatch: pytest.MonkeyPatch, examples: list[RenderedStack]
) -> None:
    def no_processes(*_: Any) -> Any:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(dms003_cfn_lint, "_lint_in_processes", no_processes)
    stacks = [RenderedStack(f"dms-t{i}", f"t{i}", BROKEN.body + f"# {i}\n", {}) for i in range(8)]
    run = lint_stacks(stacks, cache=LintCache(None), workers=2)
    assert (run.workers, run.linted) == (1, 8)
    assert len(run.findings) == 8 * len(uncached([BROKEN]))


def test_the_worker_count_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DMS_DEPLOY_LINT_WORKERS", "3")
    assert dms003_cfn_lint.default_workers() == 3
    monkeypatch.setenv("DMS_DEPLOY_LINT_WORKERS", "zero")
    assert 1 <= dms003_cfn_lint.default_workers() <= dms003_cfn_lint.MAX_WORKERS
    assert dms003_cfn_lint.default_workers() <= len(os.sched_getaffinity(0))


def test_a_warm_offline_pass_does_not_even_import_cfn_lint(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from dms_deploy.checks.offline import run_offline\n"
        f"report = run_offline({str(EXAMPLES)!r}, {str(TEMPLATES)!r})\n"
        "assert report.result('DMS003').status == 'pass'\n"
        "print('cfnlint' in sys.modules)\n"
    )
    env = {**os.environ, "DMS_DEPLOY_CACHE_DIR": str(tmp_path)}
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        ).stdout.strip()
        for _ in range(2)
    ]
    assert runs == ["True", "False"]  # the cold pass needed it, the warm one did not

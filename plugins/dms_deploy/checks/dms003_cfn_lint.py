"""DMS003: the rendered templates render, and pass cfn-lint.

cfn-lint is most of the offline pass: ~0.1 s a template, plus ~0.9 s to import it and load
its rules. So its results are cached by template digest (`lint_cache`: an unchanged template
is not linted again, and a warm run does not even import cfn-lint), and the templates that
miss are linted by a few worker processes.

Workers: `$DMS_DEPLOY_LINT_WORKERS`, else the usable CPUs up to 4, and only when each worker
gets at least 4 templates (a worker costs more than a few templates). Set it to 1 where a
process must not start others, for example on a small Airflow worker.
"""

from __future__ import annotations

import functools
import importlib.metadata
import multiprocessing
import os
import threading
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from dms_deploy.checks.base import CheckInfo, Finding
from dms_deploy.checks.context import OfflineCheck, OfflineContext, needs_configs
from dms_deploy.checks.lint_cache import LintCache, cache_key
from dms_deploy.config.pointers import join
from dms_deploy.render.stacks import RenderedStack

INFO = CheckInfo(
    "DMS003",
    "rendered templates pass cfn-lint",
    "cfn-lint validates every template against the real AWS resource schemas, so a bad "
    "property fails in review instead of in a half-applied CloudFormation update.",
)

REGIONS = ["us-east-1"]
# How cfn-lint is asked. With its version and the template, this decides a result, so it is
# part of the cache key: change a rule setting here and every cached result is stale.
RULE_CONFIG: dict[str, Any] = {
    "regions": REGIONS,
    "append_rules": [],
    "ignore_rules": [],
    "include_rules": [],
    "configure_rules": [],
    "include_experimental": False,
    "mandatory_rules": [],
}
WORKERS_ENV = "DMS_DEPLOY_LINT_WORKERS"
MAX_WORKERS = 4
TEMPLATES_PER_WORKER = 4


@functools.cache
def _rules() -> Any:
    """cfn-lint's rules, loaded once per process: loading them costs ~0.3 s."""
    from cfnlint.core import get_rules

    return get_rules(
        RULE_CONFIG["append_rules"],
        RULE_CONFIG["ignore_rules"],
        RULE_CONFIG["include_rules"],
        RULE_CONFIG["configure_rules"],
        RULE_CONFIG["include_experimental"],
        RULE_CONFIG["mandatory_rules"],
    )


def linter_version() -> str:
    """The installed cfn-lint, read without importing it (which takes ~0.5 s)."""
    return importlib.metadata.version("cfn-lint")


def lint_template(body: str) -> list[dict[str, Any]]:
    """cfn-lint's matches for one template, as the plain data the cache stores."""
    # Imported here: cfn-lint takes ~0.5 s to import, which every `dmsctl` call would pay.
    from cfnlint.api import ManualArgs, lint

    matches = []
    for match in lint(body, rules=_rules(), config=ManualArgs(regions=RULE_CONFIG["regions"])):
        path = getattr(match, "path", None)
        matches.append(
            {
                "rule": match.rule.id,
                "severity": match.rule.severity,
                "message": match.message,
                "line": match.linenumber,
                "pointer": join(path) if path else None,
            }
        )
    return matches


def _finding(stack: RenderedStack, match: dict[str, Any]) -> Finding | None:
    if match["severity"] == "informational":
        return None
    return Finding(
        f"stack {stack.name}: {match['rule']} {match['message']} (line {match['line']})",
        team=stack.team,
        file=f"{stack.name}.yaml",
        pointer=match["pointer"],
        severity="error" if match["severity"] == "error" else "warning",
    )


def default_workers() -> int:
    configured = os.environ.get(WORKERS_ENV, "").strip()
    if configured.isdigit() and int(configured) >= 1:
        return int(configured)
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(MAX_WORKERS, cpus))


def _start_method() -> str:
    """Fork where it is the platform's default and safe (no other thread holds a lock)."""
    default = multiprocessing.get_all_start_methods()[0]
    if default == "fork" and threading.active_count() > 1:
        return "forkserver"
    return default


def _lint_in_processes(bodies: list[str], workers: int) -> list[list[dict[str, Any]]]:
    method = _start_method()
    if method == "fork":
        _rules()  # loaded once here; the forked workers inherit them
    context = multiprocessing.get_context(method)
    chunk = max(1, len(bodies) // (workers * 4))
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(lint_template, bodies, chunksize=chunk))


def _lint_all(bodies: list[str], workers: int) -> tuple[list[list[dict[str, Any]]], int]:
    """Lint every body, in order; also how many processes did it."""
    workers = min(workers, len(bodies) // TEMPLATES_PER_WORKER)
    # A daemonic process (a multiprocessing worker itself) may not start processes.
    if workers > 1 and not multiprocessing.current_process().daemon:
        try:
            return _lint_in_processes(bodies, workers), workers
        except (OSError, BrokenExecutor):
            pass  # no processes to be had here (limits, a sandboxed worker): lint in this one
    return [lint_template(body) for body in bodies], 1


@dataclass(frozen=True)
class LintRun:
    findings: list[Finding]
    linted: int  # distinct templates cfn-lint ran on
    cached: int  # distinct templates the cache answered
    workers: int  # processes that linted (1: this one)


def lint_stacks(
    stacks: list[RenderedStack], *, cache: LintCache | None = None, workers: int | None = None
) -> LintRun:
    """cfn-lint's findings for these stacks, in stack order; identical cached or not."""
    cache = LintCache.default() if cache is None else cache
    version = linter_version()
    keys = [cache_key(stack.body, version, RULE_CONFIG) for stack in stacks]
    bodies = dict(zip(keys, (stack.body for stack in stacks), strict=True))
    results = {key: cache.get(key) for key in bodies}
    missing = [key for key, matches in results.items() if matches is None]
    linted, used = _lint_all([bodies[key] for key in missing], workers or default_workers())
    for key, matches in zip(missing, linted, strict=True):
        results[key] = matches
        cache.put(key, matches)
    findings = [
        finding
        for stack, key in zip(stacks, keys, strict=True)
        for match in results[key] or ()
        if (finding := _finding(stack, match)) is not None
    ]
    return LintRun(findings, len(missing), len(results) - len(missing), used if missing else 0)


def lint_stack(stack: RenderedStack) -> list[Finding]:
    return lint_stacks([stack]).findings


def run(ctx: OfflineContext) -> list[Finding]:
    # With cfn-lint off, the check still reports the templates that did not render.
    return list(ctx.render_findings) + (lint_stacks(ctx.stacks).findings if ctx.lint else [])


def skip_reason(ctx: OfflineContext) -> str | None:
    if reason := needs_configs(ctx):
        return reason
    if not ctx.lint and not ctx.render_findings:
        return "not run: cfn-lint was switched off"
    return None


CHECK = OfflineCheck(INFO, run, skip_reason)

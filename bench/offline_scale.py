"""Offline pass at scale: 50 teams x 200 tables (10,000 tables, 200 tasks, 51 templates).

Times the whole offline pass (load, DMS001-DMS010, render, cfn-lint) twice: **cold**, with an
empty cfn-lint cache, and **warm**, with the cache the cold run filled and the configs
unchanged. Both are compared with the floor, a bare json.loads + json.dumps of the same config
bytes, and with the targets (cold < 4 s, warm < 2 s). A pass without cfn-lint shows what the
rest costs. Each pass runs in a fresh Python (timed from the call, not the interpreter start),
so the cold one pays cfn-lint's import and rule loading; each figure is the best of --repeat.

    .venv/bin/python bench/offline_scale.py [--teams 50] [--tasks 4] [--tables 50] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from dms_deploy.checks import lint_cache
from dms_deploy.checks.dms003_cfn_lint import WORKERS_ENV, default_workers, lint_stacks
from dms_deploy.checks.offline import run_offline
from dms_deploy.paths import default_templates_dir

SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:dms/"
TARGET_COLD_SECONDS = 4.0
TARGET_WARM_SECONDS = 2.0


def generate(root: Path, teams: int, tasks: int, tables: int) -> list[Path]:
    base = {
        "stack_name": "dms-base",
        "network_stack_name": "network",
        "bucket": "acme-data-lake",
        "bucket_folder": "dms",
        "targets": {
            "s3-1min": {"cdc_max_batch_interval_seconds": 60},
            "s3-10min": {"cdc_max_batch_interval_seconds": 600},
        },
    }
    (root / "teams").mkdir(parents=True)
    files = [root / "base.json"]
    files[0].write_text(json.dumps(base, indent=2))
    for t in range(teams):
        team = f"team{t:02d}"
        endpoint = f"{team}db"
        doc = {
            "team": team,
            "endpoints": {
                endpoint: {
                    "engine": "postgres" if t % 2 else "mysql",
                    "server": f"{endpoint}.internal",
                    "port": 5432 if t % 2 else 3306,
                    "database": "app",
                    "secret": SECRET + endpoint,
                }
            },
            "instances": {"main": {"class": "dms.r5.large", "storage_gb": 100}},
            "tasks": {
                f"task{k}": {
                    "instance": "main",
                    "endpoint": endpoint,
                    "target": "s3-1min" if k % 2 else "s3-10min",
                    "tables": [
                        {
                            "source": f"{endpoint}/schema_{k}/table_{i:04d}",
                            "version": "v202401010000",
                        }
                        for i in range(tables)
                    ],
                }
                for k in range(tasks)
            },
        }
        path = root / "teams" / f"{team}.json"
        path.write_text(json.dumps(doc, indent=2))
        files.append(path)
    return files


def floor_seconds(files: list[Path]) -> float:
    start = time.perf_counter()
    for path in files:
        json.dumps(json.loads(path.read_bytes()))
    return time.perf_counter() - start


def one_pass(configs: Path, lint: bool) -> None:
    """Time one offline pass in this (fresh) process and print the seconds as JSON."""
    start, cpu_start = time.perf_counter(), _cpu_seconds()
    report = run_offline(configs, default_templates_dir(), lint=lint)
    seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu_start
    failed = [r.id for r in report.results if r.status == "fail"]
    print(json.dumps({"seconds": seconds, "cpu": cpu, "failed": failed}))


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the lint workers)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def timed_pass(
    configs: Path, cache: Path | str, *, lint: bool = True, workers: int | None = None
) -> Timing:
    """One pass in a fresh Python, as a `dmsctl validate` would run it: cfn-lint's import and
    rule loading count, and nothing is left warm in memory from an earlier pass."""
    argv = [sys.executable, __file__, "--one-pass", str(configs)]
    env = {**os.environ, lint_cache.ENV: str(cache)}
    if workers:
        env[WORKERS_ENV] = str(workers)
    out = subprocess.run(
        [*argv, *([] if lint else ["--no-lint"])], env=env, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise SystemExit(f"the timed pass failed:\n{out.stderr}")
    result = json.loads(out.stdout.splitlines()[-1])
    assert not result["failed"], result
    return Timing(result["seconds"], result["cpu"])


@dataclass(frozen=True, order=True)
class Timing:
    seconds: float
    cpu: float

    def against(self, floor: float, tables: int) -> str:
        return (
            f"{self.seconds:.3f} s ({self.cpu:.1f} s CPU), {self.seconds / floor:.0f}x the floor, "
            f"{tables / self.seconds:,.0f} tables/s"
        )


def load_is_high() -> bool:
    return os.getloadavg()[0] > (os.cpu_count() or 1)


def verdict(seconds: float, target: float) -> str:
    return f"target < {target:g} s: {'met' if seconds < target else 'NOT met'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=50)
    parser.add_argument("--tasks", type=int, default=4, help="tasks per team")
    parser.add_argument("--tables", type=int, default=50, help="tables per task")
    parser.add_argument("--repeat", type=int, default=1, help="runs per figure; the best counts")
    parser.add_argument("--one-pass", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--no-lint", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_pass:
        return one_pass(args.one_pass, lint=not args.no_lint)
    total_tables = args.teams * args.tasks * args.tables

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "configs"
        files = generate(root, args.teams, args.tasks, args.tables)
        size = sum(p.stat().st_size for p in files)
        floor = min(floor_seconds(files) for _ in range(max(args.repeat, 3)))
        cache = Path(tmp) / "cache"

        no_lint = min(timed_pass(root, cache, lint=False) for _ in range(args.repeat))
        serial, colds = [], []
        for _ in range(args.repeat):
            serial.append(timed_pass(root, lint_cache.OFF, workers=1))
            shutil.rmtree(cache, ignore_errors=True)
            colds.append(timed_pass(root, cache))
        cold = min(colds)
        warm = min(timed_pass(root, cache) for _ in range(args.repeat))
        report = run_offline(root, default_templates_dir(), lint=False)
        os.environ[lint_cache.ENV] = str(cache)
        again = lint_stacks(report.stacks)

        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(
            f"configs: {args.teams} teams, {args.teams * args.tasks} tasks, "
            f"{total_tables} tables, {size / 1e6:.1f} MB of JSON, {len(report.stacks)} templates"
        )
        print(
            f"machine: {os.cpu_count()} CPUs, load average {load}; cfn-lint workers: "
            f"{default_workers()}; best of {args.repeat}, each pass in a fresh process"
        )
        print(f"floor (json.loads + json.dumps of the same bytes): {floor:.3f} s")
        print(f"without cfn-lint:                  {no_lint.against(floor, total_tables)}")
        print(f"one process, no cache (as before): {min(serial).against(floor, total_tables)}")
        print(
            f"cold (empty cfn-lint cache):       {cold.against(floor, total_tables)}; "
            f"{verdict(cold.seconds, TARGET_COLD_SECONDS)}"
        )
        print(
            f"warm (unchanged templates):        {warm.against(floor, total_tables)}; "
            f"{verdict(warm.seconds, TARGET_WARM_SECONDS)}"
        )
        print(
            f"warm cache: {again.cached} of {len(report.stacks)} templates answered, "
            f"{again.linted} linted; {sum(1 for _ in cache.rglob('*.json'))} entries"
        )
        if cold.seconds >= TARGET_COLD_SECONDS and load_is_high():
            print(
                "note: the load average is above the CPU count; other processes had the CPUs, "
                "so wall times are longer than on an idle machine (CPU times are not)."
            )
    return None


if __name__ == "__main__":
    main()

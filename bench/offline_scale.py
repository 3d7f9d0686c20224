"""Offline pass at scale: 50 teams x 200 tables (10,000 tables, 200 tasks).

Times loading + the offline checks + rendering every stack, without cfn-lint, then cfn-lint
over every rendered template separately (it is much slower and scales with templates).
The floor is a bare json.loads + json.dumps of the same config bytes.

    .venv/bin/python bench/offline_scale.py [--teams 50] [--tasks 4] [--tables 50] [--no-lint]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from dms_deploy.checks.dms003_cfn_lint import lint_stack
from dms_deploy.checks.offline import run_offline
from dms_deploy.paths import default_templates_dir

SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:dms/"


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=50)
    parser.add_argument("--tasks", type=int, default=4, help="tasks per team")
    parser.add_argument("--tables", type=int, default=50, help="tables per task")
    parser.add_argument("--no-lint", action="store_true", help="skip the cfn-lint timing")
    args = parser.parse_args()
    total_tables = args.teams * args.tasks * args.tables
    templates = default_templates_dir()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "configs"
        files = generate(root, args.teams, args.tasks, args.tables)
        size = sum(p.stat().st_size for p in files)
        floor = floor_seconds(files)

        start = time.perf_counter()
        report = run_offline(root, templates, lint=False)
        offline = time.perf_counter() - start
        assert report.ok, [r for r in report.results if r.status == "fail"]

        print(
            f"configs: {args.teams} teams, {args.teams * args.tasks} tasks, "
            f"{total_tables} tables, {size / 1e6:.1f} MB of JSON, {len(report.stacks)} stacks"
        )
        print(f"floor (json.loads + json.dumps of the same bytes): {floor:.3f} s")
        print(
            f"offline pass without cfn-lint (load + DMS001-DMS010 except DMS003 + render): "
            f"{offline:.3f} s, {total_tables / offline:,.0f} tables/s, "
            f"{offline / floor:.1f}x the floor"
        )
        if args.no_lint:
            return
        start = time.perf_counter()
        errors = sum(f.severity == "error" for stack in report.stacks for f in lint_stack(stack))
        linted = time.perf_counter() - start
        print(
            f"cfn-lint over {len(report.stacks)} templates: {linted:.3f} s "
            f"({linted / len(report.stacks):.2f} s per template, {errors} errors)"
        )
        print(f"offline pass with cfn-lint: {offline + linted:.3f} s")


if __name__ == "__main__":
    main()

"""`dmsctl validate`: run the offline checks DMS001-DMS011 and print every finding.

With environments.json and no `--env`, every environment is checked in turn: the checks
run per environment (DMS005 per bucket, DMS011 per account).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from dms_deploy.checks.offline import OfflineReport, run_offline
from dms_deploy.commands.common import (
    EXIT_FAIL,
    EXIT_OK,
    EXIT_UNUSABLE,
    add_env_argument,
    add_input_arguments,
    input_dirs,
    print_json,
    print_results,
    summary,
)
from dms_deploy.config.load import environment_names

NAME = "validate"


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        NAME,
        help="check the configs offline (DMS001-DMS011)",
        description="Load, render and check the configs. Exit 0 when every check passes, "
        "1 when any fails, 2 when the input cannot be read. Without --env, every environment "
        "of environments.json is checked.",
    )
    add_input_arguments(parser)
    add_env_argument(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--no-lint", action="store_true", help="skip cfn-lint (DMS003), the slowest check"
    )


def run(args: argparse.Namespace) -> int:
    configs_dir, templates_dir = input_dirs(args)
    names = [args.env] if args.env is not None else environment_names(configs_dir)
    reports: dict[str | None, OfflineReport] = {}
    for name in names or [None]:
        report = run_offline(configs_dir, templates_dir, lint=not args.no_lint, environment=name)
        if report.configs is None:
            # Files that do not load fail the same way for every environment: say it once.
            return _report(report, args)
        reports[name] = report
    if len(reports) == 1:
        return _report(next(iter(reports.values())), args)
    unusable = next((r.unreadable for r in reports.values() if r.unreadable), None)
    if args.format == "json":
        data = {
            "ok": all(r.ok for r in reports.values()),
            "unreadable": unusable,
            "environments": {name: _json(r) for name, r in reports.items()},
        }
        print(json.dumps(data, indent=2))
    if unusable:
        print(f"dmsctl validate: {unusable}", file=sys.stderr)
        return EXIT_UNUSABLE
    if args.format == "text":
        for name, report in reports.items():
            print(f"environment {name}:")
            print_results(report.results)
            print(summary(report))
    return EXIT_OK if all(r.ok for r in reports.values()) else EXIT_FAIL


def _report(report: OfflineReport, args: argparse.Namespace) -> int:
    if args.format == "json":
        print_json(report)
    if report.unreadable:
        print(f"dmsctl validate: {report.unreadable}", file=sys.stderr)
        return EXIT_UNUSABLE
    if args.format == "text":
        print_results(report.results)
        print(summary(report))
    return EXIT_OK if report.ok else EXIT_FAIL


def _json(report: OfflineReport) -> dict:
    return {"ok": report.ok, "checks": [r.to_dict() for r in report.results]}

"""`dmsctl validate`: run the offline checks DMS001-DMS010 and print every finding."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from dms_deploy.checks.offline import run_offline
from dms_deploy.commands.common import (
    EXIT_FAIL,
    EXIT_OK,
    EXIT_UNUSABLE,
    add_input_arguments,
    input_dirs,
    print_json,
    print_results,
    summary,
)

NAME = "validate"


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        NAME,
        help="check the configs offline (DMS001-DMS010)",
        description="Load, render and check the configs. Exit 0 when every check passes, "
        "1 when any fails, 2 when the input cannot be read.",
    )
    add_input_arguments(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--no-lint", action="store_true", help="skip cfn-lint (DMS003), the slowest check"
    )


def run(args: argparse.Namespace) -> int:
    configs_dir, templates_dir = input_dirs(args)
    report = run_offline(configs_dir, templates_dir, lint=not args.no_lint)
    if args.format == "json":
        print_json(report)
    if report.unreadable:
        print(f"dmsctl validate: {report.unreadable}", file=sys.stderr)
        return EXIT_UNUSABLE
    if args.format == "text":
        print_results(report.results)
        print(summary(report))
    return EXIT_OK if report.ok else EXIT_FAIL

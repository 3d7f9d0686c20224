"""Arguments and output shared by the subcommands."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from dms_deploy.checks.base import CheckResult, printable
from dms_deploy.checks.offline import OfflineReport
from dms_deploy.paths import resolve_dirs

EXIT_OK = 0
EXIT_FAIL = 1
EXIT_UNUSABLE = 2


def add_input_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--configs",
        type=Path,
        default=None,
        help="configs directory (default: $DMS_DEPLOY_CONFIG_DIR or dms_configs/)",
    )
    parser.add_argument(
        "--templates",
        type=Path,
        default=None,
        help="templates directory (default: $DMS_DEPLOY_TEMPLATE_DIR or include/templates/)",
    )


def add_env_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--env",
        default=None,
        metavar="NAME",
        help="the environment of environments.json (default: the only one there is)",
    )


def input_dirs(args: argparse.Namespace) -> tuple[Path, Path]:
    return resolve_dirs(args.configs, args.templates)


def print_results(results: list[CheckResult], out: TextIO | None = None) -> None:
    """One line per check, then one line per finding: id, severity, file#pointer, reason."""
    out = out or sys.stdout
    for result in results:
        if result.status == "skip":
            reasons = "; ".join(f.message for f in result.findings)
            print(f"{result.id} skip  {result.title} ({reasons})", file=out)
            continue
        print(f"{result.id} {result.status:<4}  {result.title}", file=out)
        for finding in result.findings:
            where = finding.location() or "-"
            message = printable(finding.message)
            print(f"  {result.id} {finding.severity}  {where}: {message}", file=out)


def print_json(report: OfflineReport, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    data = {
        "ok": report.ok,
        "unreadable": report.unreadable,
        "checks": [r.to_dict() for r in report.results],
    }
    print(json.dumps(data, indent=2), file=out)


def summary(report: OfflineReport) -> str:
    failed = [r.id for r in report.results if r.status == "fail"]
    if report.unreadable:
        return f"unusable input: {report.unreadable}"
    return f"FAILED: {', '.join(failed)}" if failed else "all checks passed"

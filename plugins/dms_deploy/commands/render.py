"""`dmsctl render`: validate, then write one CloudFormation template per stack."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from dms_deploy.checks.offline import run_offline
from dms_deploy.commands.common import (
    EXIT_FAIL,
    EXIT_OK,
    EXIT_UNUSABLE,
    add_env_argument,
    add_input_arguments,
    input_dirs,
    print_results,
    summary,
)
from dms_deploy.render.stacks import RenderedStack

NAME = "render"


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        NAME,
        help="write the CloudFormation templates (<stack>.yaml)",
        description="Run the offline checks; if they pass, write <stack>.yaml for the base "
        "stack and every team stack into --out. Nothing is written when a check fails.",
    )
    add_input_arguments(parser)
    add_env_argument(parser)
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--no-lint", action="store_true", help="skip cfn-lint (DMS003)")


def write_stacks(stacks: list[RenderedStack], out: Path) -> list[Path]:
    """Write every file to a temporary directory first, so a failure leaves nothing partial."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(dir=out, prefix=".render-") as tmp:
        for stack in stacks:
            (Path(tmp) / f"{stack.name}.yaml").write_text(stack.body, encoding="utf-8")
        for stack in stacks:
            target = out / f"{stack.name}.yaml"
            os.replace(Path(tmp) / target.name, target)
            written.append(target)
    return written


def run(args: argparse.Namespace) -> int:
    configs_dir, templates_dir = input_dirs(args)
    report = run_offline(configs_dir, templates_dir, lint=not args.no_lint, environment=args.env)
    if report.unreadable:
        print(f"dmsctl render: {report.unreadable}", file=sys.stderr)
        return EXIT_UNUSABLE
    if not report.ok:
        print_results([r for r in report.results if r.status != "pass"])
        print(f"{summary(report)}; nothing written")
        return EXIT_FAIL
    try:
        written = write_stacks(report.stacks, args.out)
    except OSError as exc:
        print(f"dmsctl render: cannot write to {args.out}: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    for path in written:
        print(path)
    return EXIT_OK

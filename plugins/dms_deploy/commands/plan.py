"""`dmsctl plan`: offline checks, read-only AWS state, online checks, and the deployment plan."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from dms_deploy.commands.aws import aws_clients, aws_reason
from dms_deploy.commands.common import (
    EXIT_FAIL,
    EXIT_OK,
    EXIT_UNUSABLE,
    add_env_argument,
    add_input_arguments,
    input_dirs,
)
from dms_deploy.plan.markdown import render_markdown
from dms_deploy.planning import plan_against_aws
from dms_deploy.state.clients import AwsUnusable

NAME = "plan"


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        NAME,
        help="check live AWS read-only and print the deployment plan",
        description="Run the offline checks, read the live stacks, DMS tasks and S3 folders "
        "(Describe, List, Get and ValidateTemplate calls only), run the online checks and "
        "print the plan. Exit 0 go, 1 no-go, 2 unusable input or AWS unreachable.",
    )
    add_input_arguments(parser)
    add_env_argument(parser)
    parser.add_argument(
        "--format",
        choices=("markdown", "json"),
        default=None,
        help="default: markdown on a terminal, json otherwise",
    )
    parser.add_argument(
        "--teams", default=None, help="comma-separated teams to plan ('base' for the base stack)"
    )
    parser.add_argument(
        "--allow-disruptive",
        action="store_true",
        help="acknowledge task replacements and deletions in this review: a run given "
        "allow_disruptive and this plan's digest then deploys it without waiting for approval",
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="also show Airflow's and the AWS hooks' INFO log lines (on stderr)",
    )
    parser.add_argument("--out", type=Path, default=None, help="write the plan to FILE")
    parser.add_argument(
        "--aws-conn-id",
        default=None,
        help="Airflow AWS connection id; it must exist (default: the environment's, else no "
        "connection: boto3's own chain, honouring AWS_ENDPOINT_URL)",
    )


def run(args: argparse.Namespace) -> int:
    configs_dir, templates_dir = input_dirs(args)
    teams = _teams(args.teams)
    if teams == set():
        print("dmsctl plan: --teams names no team", file=sys.stderr)
        return EXIT_UNUSABLE
    try:
        # Airflow's logging prints to stdout, which must carry the plan alone: its messages
        # go to stderr.
        with contextlib.redirect_stdout(sys.stderr):
            outcome = plan_against_aws(
                configs_dir,
                templates_dir,
                lambda: aws_clients(args.aws_conn_id, configs_dir, args.env),
                teams=teams,
                allow_disruptive=args.allow_disruptive,
                environment=args.env,
            )
    except AwsUnusable as exc:
        print(f"dmsctl plan: cannot use AWS: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except (BotoCoreError, ClientError) as exc:
        print(f"dmsctl plan: cannot read AWS state: {aws_reason(exc)}", file=sys.stderr)
        return EXIT_UNUSABLE
    plan = outcome.plan
    if plan is None:
        print(f"dmsctl plan: {outcome.unreadable}", file=sys.stderr)
        return EXIT_UNUSABLE
    fmt = args.format or ("markdown" if sys.stdout.isatty() else "json")
    text = render_markdown(plan) if fmt == "markdown" else json.dumps(plan.to_dict(), indent=2)
    if args.out:
        args.out.write_text(text if text.endswith("\n") else text + "\n")
    else:
        print(text)
    return EXIT_OK if plan.go else EXIT_FAIL


def _teams(value: str | None) -> set[str] | None:
    if value is None:
        return None
    return {t.strip() for t in value.split(",") if t.strip()}

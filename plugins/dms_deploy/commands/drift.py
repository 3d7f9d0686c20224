"""`dmsctl drift`: the drift watch once, from the command line. Read-only."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from dms_deploy.commands.aws import aws_clients, aws_reason
from dms_deploy.commands.common import (
    EXIT_FAIL,
    EXIT_OK,
    EXIT_UNUSABLE,
    add_input_arguments,
    input_dirs,
)
from dms_deploy.state.clients import AwsUnusable
from dms_deploy.watch.clients import cloudwatch_client
from dms_deploy.watch.live import DEFAULT_LATENCY_SECONDS, WatchSettings, watch_against_aws

NAME = "drift"


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        NAME,
        help="find what changed in live AWS since the last deploy, read-only",
        description="Compare live AWS with the configs, read-only: drift (DMS108), tasks "
        "stopped against their config or failed, stacks not settled, tables in 'Table error' "
        "and CDC latency over a threshold (CloudWatch). Exit 0 no findings, 1 findings, "
        "2 unusable input or AWS unreachable.",
    )
    add_input_arguments(parser)
    parser.add_argument(
        "--format",
        choices=("markdown", "json"),
        default=None,
        help="default: markdown on a terminal, json otherwise",
    )
    parser.add_argument(
        "--latency-seconds",
        type=float,
        default=DEFAULT_LATENCY_SECONDS,
        help=f"CDC latency over this is a finding (default {DEFAULT_LATENCY_SECONDS:g})",
    )
    parser.add_argument(
        "--aws-conn-id",
        default=None,
        help="Airflow AWS connection id; it must exist (default: no connection, boto3's own "
        "chain, honouring AWS_ENDPOINT_URL)",
    )


def run(args: argparse.Namespace) -> int:
    configs_dir, templates_dir = input_dirs(args)
    try:
        # Airflow's logging prints to stdout, which must carry the report alone.
        with contextlib.redirect_stdout(sys.stderr):
            report = watch_against_aws(
                configs_dir,
                templates_dir,
                lambda: aws_clients(args.aws_conn_id, configs_dir),
                lambda: cloudwatch_client(aws_conn_id=args.aws_conn_id),
                WatchSettings(latency_seconds=args.latency_seconds),
            )
    except AwsUnusable as exc:
        print(f"dmsctl drift: cannot use AWS: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except (BotoCoreError, ClientError) as exc:
        print(f"dmsctl drift: cannot read AWS state: {aws_reason(exc)}", file=sys.stderr)
        return EXIT_UNUSABLE
    if report.unreadable:
        print(f"dmsctl drift: {report.unreadable}", file=sys.stderr)
        return EXIT_UNUSABLE
    fmt = args.format or ("markdown" if sys.stdout.isatty() else "json")
    print(report.markdown() if fmt == "markdown" else json.dumps(report.to_dict(), indent=2))
    return EXIT_OK if report.healthy else EXIT_FAIL

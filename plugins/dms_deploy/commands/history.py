"""`dmsctl history`: the audit ledger, every run of dms_deploy as a table, or one as Markdown."""

from __future__ import annotations

import argparse
import contextlib
import sys
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from dms_deploy.audit.ledger import LedgerUnusable, Location, ledger_location, list_records
from dms_deploy.audit.markdown import record_markdown, records_table
from dms_deploy.commands.aws import aws_reason
from dms_deploy.commands.common import EXIT_FAIL, EXIT_OK, EXIT_UNUSABLE, add_input_arguments
from dms_deploy.paths import resolve_dirs
from dms_deploy.state.clients import AwsUnusable, ensure_reachable, retry_config

NAME = "history"


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        NAME,
        help="list the deploy runs recorded in the audit ledger, or show one",
        description="Read the audit ledger under s3://<bucket>/<bucket_folder>/deployments/ "
        "(bucket and folder from the base config): one line per recorded run attempt, or "
        "with RUN_ID every attempt of that run as Markdown. Exit 0, 1 when RUN_ID has no "
        "record, 2 unusable input or AWS unreachable.",
    )
    parser.add_argument("run_id", nargs="?", default=None, metavar="RUN_ID")
    parser.add_argument("--team", default=None, help="only runs that concern this team")
    parser.add_argument(
        "--since",
        type=_date,
        default=None,
        help="only runs recorded on or after DATE (YYYY-MM-DD, or an ISO time; UTC)",
    )
    add_input_arguments(parser)
    parser.add_argument(
        "--aws-conn-id",
        default=None,
        help="Airflow AWS connection id; it must exist (default: no connection, boto3's own "
        "chain, honouring AWS_ENDPOINT_URL)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        location = ledger_location(resolve_dirs(args.configs, None)[0])
    except LedgerUnusable as exc:
        print(f"dmsctl history: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    try:
        # Airflow's logging prints to stdout, which must carry the table alone.
        with contextlib.redirect_stdout(sys.stderr):
            records = list_records(_s3(args.aws_conn_id), location, args.run_id, args.since)
    except AwsUnusable as exc:
        print(f"dmsctl history: cannot use AWS: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except (BotoCoreError, ClientError) as exc:
        print(f"dmsctl history: cannot read {location.url()}: {aws_reason(exc)}", file=sys.stderr)
        return EXIT_UNUSABLE
    except ValueError as exc:  # an object under deployments/ that is not a record's JSON
        print(f"dmsctl history: a record in {location.url()} is not JSON: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    if args.team:
        records = [r for r in records if args.team in (r.get("teams") or [])]
    if args.run_id:
        return _show(args.run_id, records, location)
    if not records:
        print(f"no run recorded in {location.url()}", file=sys.stderr)
        return EXIT_OK
    print(records_table(records))
    return EXIT_OK


def _show(run_id: str, records: list[dict], location: Location) -> int:
    if not records:
        print(f"dmsctl history: no record of run {run_id} in {location.url()}", file=sys.stderr)
        return EXIT_FAIL
    print(f"# Run {run_id}\n")
    print("\n".join(record_markdown(r) for r in records), end="")
    return EXIT_OK


def _s3(aws_conn_id: str | None) -> Any:
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    ensure_reachable(aws_conn_id)
    return S3Hook(aws_conn_id=aws_conn_id, config=retry_config()).conn


def _date(value: str) -> datetime:
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a date (YYYY-MM-DD) or an ISO time"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)

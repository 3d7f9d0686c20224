"""Small helpers for the sandbox contract tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import boto3

T = TypeVar("T")


def client(service: str) -> Any:
    """A boto3 client that reaches the sandbox through AWS_ENDPOINT_URL, like product code."""
    return boto3.client(service, region_name="us-east-1")


def poll(fetch: Callable[[], T], until: Callable[[T], bool], timeout: float = 10.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if until(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting; last value: {value!r}")
        time.sleep(0.02)


def table_stats(task_arn: str) -> dict[str, dict[str, Any]]:
    """describe_table_statistics by table name."""
    rows = client("dms").describe_table_statistics(ReplicationTaskArn=task_arn)["TableStatistics"]
    return {r["TableName"]: r for r in rows}


def lake_keys(prefix: str, bucket: str = "acme-data-lake") -> dict[str, dict[str, Any]]:
    """The objects under ``prefix`` by key."""
    listing = client("s3").list_objects_v2(Bucket=bucket, Prefix=prefix)
    return {o["Key"]: o for o in listing.get("Contents", [])}

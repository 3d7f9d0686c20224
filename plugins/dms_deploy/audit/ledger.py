"""Write, list and read audit records in S3, through the clients of the provider's S3Hook.

Records are only ever added: every write is a conditional put (`If-None-Match: *`), which S3
refuses with 412 when the key exists, so no record is ever overwritten
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from dms_deploy.audit.record import is_record_key, ledger_prefix, record_key, split_plan
from dms_deploy.config.build import build_base
from dms_deploy.config.load import BASE_FILE, load_configs

JSON = "application/json"


class RecordExists(Exception):
    """S3 refused the write: a record with that key exists, and stays as it is."""


class LedgerUnusable(Exception):
    """Where the ledger is cannot be told; the message says why, in one line."""


@dataclass(frozen=True)
class Location:
    bucket: str
    bucket_folder: str

    def url(self, key: str = "") -> str:
        return f"s3://{self.bucket}/{key or ledger_prefix(self.bucket_folder)}"


def ledger_location(configs_dir: Path) -> Location:
    """The data lake of the base config; a broken team config does not hide it."""
    loaded = load_configs(configs_dir)
    if loaded.unreadable:
        raise LedgerUnusable(loaded.unreadable)
    problems = [f for found in loaded.findings.values() for f in found if f.file == BASE_FILE]
    if problems or BASE_FILE not in loaded.documents:
        first = problems[0] if problems else None
        where = first.location() if first else BASE_FILE
        reason = first.message if first else "cannot be read"
        raise LedgerUnusable(f"{configs_dir}/{where}: {reason}")
    base = build_base(BASE_FILE, loaded.documents[BASE_FILE])
    return Location(base.bucket, base.bucket_folder)


def write_record(s3: Any, location: Location, record: dict[str, Any]) -> str:
    """Add the record (and a large plan beside it); the record's key. Raises RecordExists
    when that attempt was recorded already."""
    record, plan_text = split_plan(record, location.bucket_folder)
    if plan_text is not None:
        _put_new(s3, location.bucket, record["plan_object"], plan_text)
    key = record_key(location.bucket_folder, record["run_id"], record["attempt"])
    _put_new(s3, location.bucket, key, json.dumps(record, indent=1, sort_keys=True))
    return key


def _put_new(s3: Any, bucket: str, key: str, text: str) -> None:
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=text.encode(), ContentType=JSON, IfNoneMatch="*")
    except ClientError as error:
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status == 412 or error.response.get("Error", {}).get("Code") == "PreconditionFailed":
            raise RecordExists(f"s3://{bucket}/{key} exists") from error
        raise


def list_records(
    s3: Any, location: Location, run_id: str | None = None, since: datetime | None = None
) -> list[dict[str, Any]]:
    """Every record (of one run, when given), oldest first. `since` skips objects written
    before it without reading them."""
    prefix = ledger_prefix(location.bucket_folder) + (f"{run_id}/" if run_id else "")
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=location.bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if is_record_key(item["Key"]) and (since is None or item["LastModified"] >= since):
                keys.append(item["Key"])
    records = [_read(s3, location.bucket, key) for key in keys]
    return sorted(records, key=lambda r: (r.get("recorded_at") or "", r.get("attempt", 0)))


def _read(s3: Any, bucket: str, key: str) -> dict[str, Any]:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return json.loads(body)

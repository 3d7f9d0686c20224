"""Write what a DMS task writes to an S3 target endpoint, into moto's S3 backend.

Layout and names follow the S3 target documentation:
https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Target.S3.html
full-load files are ``<BucketFolder>/<schema>/<table>/LOAD00000001.csv`` with a hexadecimal
counter, CDC files are named by timestamp (``20261126-170000123.csv``: date, time,
milliseconds), and with ``DatePartitionEnabled`` CDC files go under ``YYYY/MM/DD/``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sandbox import ACCOUNT_ID

ROWS_PER_LOAD_FILE = 20_000  # stands in for MaxFileSize (32 MB by default)


@dataclass(frozen=True)
class S3Target:
    bucket: str
    folder: str
    extension: str
    cdc_interval: float
    date_partition: bool
    # IncludeOpForFullLoad: full-load rows carry the operation column (``I``) first, as CDC
    # rows do. https://docs.aws.amazon.com/dms/latest/APIReference/API_S3Settings.html
    include_op_for_full_load: bool = False

    def table_prefix(self, schema: str, table: str) -> str:
        parts = [p for p in (self.folder.strip("/"), schema, table) if p]
        return "/".join(parts) + "/"


def s3_target(endpoint: Any) -> S3Target | None:
    """The S3 target described by an endpoint's S3Settings, or None if it is not S3."""
    if endpoint is None or str(endpoint.engine_name).lower() != "s3":
        return None
    settings = endpoint.s3_settings or {}
    data_format = str(settings.get("DataFormat") or "csv").lower()
    return S3Target(
        bucket=str(settings.get("BucketName") or ""),
        folder=str(settings.get("BucketFolder") or ""),
        extension="parquet" if data_format == "parquet" else "csv",
        # CdcMaxBatchInterval defaults to 60 seconds.
        # https://docs.aws.amazon.com/dms/latest/APIReference/API_S3Settings.html
        cdc_interval=float(settings.get("CdcMaxBatchInterval") or 60),
        date_partition=bool(settings.get("DatePartitionEnabled")),
        include_op_for_full_load=bool(settings.get("IncludeOpForFullLoad")),
    )


def _s3() -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[ACCOUNT_ID]["aws"]


def bucket_exists(bucket: str) -> bool:
    return bool(bucket) and bucket in _s3().buckets


def load_file_names(rows: int, extension: str) -> list[str]:
    count = max(1, -(-rows // ROWS_PER_LOAD_FILE))
    return [f"LOAD{n:08X}.{extension}" for n in range(1, count + 1)]


def write_load_files(target: S3Target, schema: str, table: str, rows: int, at: float) -> list[str]:
    stamp = (
        time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(at)) + f".{int(at * 1e6) % 1_000_000:06d}"
    )
    keys = []
    for name in load_file_names(rows, target.extension):
        key = target.table_prefix(schema, table) + name
        # The load time is part of the content, so a reload really changes the object (ETag).
        op = "I," if target.include_op_for_full_load else ""
        body = "".join(f"{op}{i},{table},{stamp}\n" for i in range(1, 4)).encode()
        _s3().put_object(target.bucket, key, body)
        keys.append(key)
    return keys


def cdc_file_name(at: float, extension: str) -> str:
    millis = round(at * 1000) % 1000
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime(at)) + f"{millis:03d}.{extension}"


def write_cdc_file(target: S3Target, schema: str, table: str, changes: int, at: float) -> str:
    prefix = target.table_prefix(schema, table)
    if target.date_partition:
        prefix += time.strftime("%Y/%m/%d/", time.gmtime(at))
    key = prefix + cdc_file_name(at, target.extension)
    ops = "IUD"
    body = "".join(f"{ops[i % 3]},{i},{table}\n" for i in range(changes)).encode()
    _s3().put_object(target.bucket, key, body)
    return key

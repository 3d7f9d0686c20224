"""Prove that a deploy overwrote or removed no S3 object.

DMS writes full-load files as LOAD00000001.csv, ... and CDC files under timestamped names:
https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Target.S3.html
A reload into an existing folder rewrites the LOAD files, which changes their ETag and
LastModified; a version bump writes to a new folder instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Snapshot = dict[str, list[str]]  # key -> [ETag, LastModified ISO-8601]


def snapshot(s3: Any, bucket: str, prefixes: Iterable[str]) -> Snapshot:
    """Every object under the prefixes, with what would change if it were overwritten."""
    objects: Snapshot = {}
    paginator = s3.get_paginator("list_objects_v2")
    for prefix in sorted(set(prefixes)):
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                objects[item["Key"]] = [item["ETag"], item["LastModified"].isoformat()]
    return objects


def find_overwrites(before: Snapshot, after: Snapshot, fresh_prefixes: Iterable[str]) -> list[str]:
    """What went wrong between two snapshots: changed or vanished objects, and full-load
    files that appeared in a folder which already held data (a reload into old data)."""
    problems = []
    for key, seen in sorted(before.items()):
        now = after.get(key)
        if now is None:
            problems.append(f"{key} vanished")
        elif now != seen:
            problems.append(f"{key} was overwritten (ETag/LastModified {seen} -> {now})")
    fresh = tuple(fresh_prefixes)
    for prefix in fresh:
        old = [key for key in before if key.startswith(prefix)]
        if old:
            problems.append(f"{prefix} was meant to be new but already held {len(old)} objects")
    occupied = {_folder(key) for key in before}
    for key in sorted(set(after) - set(before)):
        if _folder(key) in occupied and key.rsplit("/", 1)[-1].startswith("LOAD"):
            problems.append(f"{key} is a new full-load file in a folder that already held data")
    return problems


def _folder(key: str) -> str:
    return key.rsplit("/", 1)[0] + "/"

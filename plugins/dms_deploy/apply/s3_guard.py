"""Prove that a deploy overwrote or removed no S3 object, at a cost that grows with the change.

DMS writes full-load files as LOAD00000001.csv, ... and CDC files under timestamped names:
https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Target.S3.html
A reload into an existing folder rewrites the LOAD files, which changes their ETag and
LastModified; a version bump writes to a new folder instead. Any overwrite (PutObject on an
existing key) gives the object a new LastModified, the time S3 received it:
https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html

**Which folders are read.** Not every folder of the stack, only those the step can make DMS
write a LOAD file into or stop writing to (`apply.step_folders.folders_to_prove`):

- the folders of tables the step adds to a task (a first load, into a new folder);
- the folders of tables the step removes from a task, or leaves with a deleted task or
  stack (DMS stops writing there; their objects must stay);
- every folder of a task the step starts other than with `resume-processing`: a task that
  never ran (`start-replication`, a new or replaced task) or one reloaded (`reload-target`)
  full-loads all of its tables;
- every folder of a task that CloudFormation replaces (its logical id is announced, or
  changes), since the new task loads everything again.

A folder outside that set belongs to a table the step leaves in its task with the same
folder, in a task that resumes with `resume-processing`. DMS resumes such a table from its
CDC checkpoint and writes only new, timestamped CDC files there; it writes no LOAD file,
because a full load happens only for a table new to a task or a task's first run or reload
(https://docs.aws.amazon.com/dms/latest/APIReference/API_StartReplicationTask.html). A
stopped task cannot be resumed mid-load, because the pause refuses to stop a loading task
(promise 1). A change set that would replace a task the plan did not announce is refused
before it runs (`apply.stacks.unannounced_changes`). So a deploy step cannot make DMS write a
LOAD file into, nor remove anything from, a folder outside the set: reading it would prove
nothing about the step. The DMS role has no `s3:Delete*` at all.

**What travels through XCom.** A folder with at most `SMALL_FOLDER` objects is recorded
key by key. A larger one (CDC files accumulate forever) is recorded as its object count, a
digest of its (key, ETag, LastModified) triples and the newest LastModified. After the
deploy, the objects no newer than that are the ones that existed before: an overwritten
object is newer now and drops out, a removed one is missing, so the count or the digest
differs. New objects (CDC files written since) are newer and do not count. An object
written in the same second as the newest recorded one can make the digest differ without
an overwrite: the proof then fails safe, naming the folder. When the records of a step
would pass `XCOM_BUDGET` bytes, small folders are recorded as digests too: a record is then
about 150 bytes whatever the folder holds, so the XCom grows only with the number of folders
the step touches, that is with the change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

Snapshot = dict[str, list[str]]  # key -> [ETag, LastModified ISO-8601]
# Folder prefix -> {"count", "digest", "newest", and "objects" (name -> [ETag, LastModified])
# when the folder is small}.
FolderRecords = dict[str, dict[str, Any]]

SMALL_FOLDER = 25
# Airflow's XCom rows stay small: the whole record set of a step stays under this.
XCOM_BUDGET = 48_000
# How many keys a failure names for a folder recorded as a digest.
NAMED_KEYS = 10


def snapshot(s3: Any, bucket: str, prefixes: Iterable[str]) -> Snapshot:
    """Every object under the prefixes, with what would change if it were overwritten."""
    objects: Snapshot = {}
    for prefix in sorted(set(prefixes)):
        for name, seen in _list(s3, bucket, prefix).items():
            objects[prefix + name] = seen
    return objects


def record_folders(s3: Any, bucket: str, prefixes: Iterable[str]) -> FolderRecords:
    """One record per folder, bounded whatever the folder holds (see the module doc)."""
    records = {prefix: folder_record(_list(s3, bucket, prefix)) for prefix in sorted(set(prefixes))}
    return within_budget(records)


def folder_record(objects: Mapping[str, list[str]], small: int = SMALL_FOLDER) -> dict[str, Any]:
    """The record of one folder's objects (name relative to the folder -> [ETag, modified])."""
    record: dict[str, Any] = {
        "count": len(objects),
        "digest": _digest(objects),
        "newest": max((seen[1] for seen in objects.values()), key=_time, default=None),
    }
    if len(objects) <= small:
        record["objects"] = {name: list(seen) for name, seen in sorted(objects.items())}
    return record


def within_budget(records: FolderRecords, budget: int = XCOM_BUDGET) -> FolderRecords:
    """The records, with small folders also reduced to digests when they would not fit."""
    if len(json.dumps(records)) <= budget:
        return records
    return {prefix: _without_objects(record) for prefix, record in records.items()}


@dataclass
class FolderProof:
    """Per folder, how many recorded objects are unchanged and how many are new."""

    rows: list[tuple[str, int, int]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def unchanged(self) -> int:
        return sum(row[1] for row in self.rows)

    @property
    def new(self) -> int:
        return sum(row[2] for row in self.rows)


def prove_folders(
    s3: Any, bucket: str, before: FolderRecords, fresh_prefixes: Iterable[str] = ()
) -> FolderProof:
    """List each recorded folder (and each fresh one) again and compare it with its record.

    A fresh folder was meant to be empty before the step loaded into it."""
    fresh = set(fresh_prefixes)
    proof = FolderProof()
    for prefix in sorted(set(before) | fresh):
        record = before.get(prefix) or folder_record({})
        unchanged, new, problems = compare_folder(prefix, record, _list(s3, bucket, prefix))
        if prefix in fresh and record["count"]:
            problems.insert(
                0, f"{prefix} was meant to be new but already held {record['count']} objects"
            )
        proof.rows.append((prefix, unchanged, new))
        proof.problems.extend(problems)
    return proof


def compare_folder(
    prefix: str, record: Mapping[str, Any], now: Mapping[str, list[str]]
) -> tuple[int, int, list[str]]:
    """(unchanged, new, problems) for one folder: its record against its objects now."""
    if "objects" in record:
        was: Mapping[str, list[str]] = record["objects"]
        problems = []
        for name, seen in sorted(was.items()):
            current = now.get(name)
            if current is None:
                problems.append(f"{prefix}{name} vanished")
            elif list(current) != list(seen):
                problems.append(
                    f"{prefix}{name} was overwritten (ETag/LastModified {seen} -> {current})"
                )
        new_names = sorted(set(now) - set(was))
    else:
        newest = _time(record["newest"]) if record["newest"] else None
        old = {n: s for n, s in now.items() if newest is not None and _time(s[1]) <= newest}
        new_names = sorted(set(now) - set(old))
        problems = []
        if len(old) != record["count"] or _digest(old) != record["digest"]:
            named = ", ".join(new_names[:NAMED_KEYS]) or "none"
            problems.append(
                f"{prefix} changed: it held {record['count']} objects up to {record['newest']}, "
                f"and now {len(old)} of that age with a different digest, so an object was "
                f"overwritten or removed (objects modified since: {named})"
            )
    if record["count"]:
        problems.extend(
            f"{prefix}{name} is a new full-load file in a folder that already held data"
            for name in new_names
            if name.rsplit("/", 1)[-1].startswith("LOAD")
        )
    unchanged = 0 if problems else record["count"]
    return unchanged, len(new_names), problems


def find_overwrites(before: Snapshot, after: Snapshot, fresh_prefixes: Iterable[str]) -> list[str]:
    """What went wrong between two full snapshots: changed or vanished objects, and
    full-load files that appeared in a folder which already held data."""
    problems: list[str] = []
    fresh = set(fresh_prefixes)
    for prefix in sorted({_folder(key) for key in (*before, *after)} | fresh):
        was = _within(before, prefix)
        record = folder_record(was, small=len(was))
        _, _, found = compare_folder(prefix, record, _within(after, prefix))
        if prefix in fresh and was:
            found.insert(0, f"{prefix} was meant to be new but already held {len(was)} objects")
        problems.extend(found)
    return problems


def _list(s3: Any, bucket: str, prefix: str) -> dict[str, list[str]]:
    """The folder's objects: name relative to the prefix -> [ETag, LastModified]."""
    objects: dict[str, list[str]] = {}
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            name = item["Key"][len(prefix) :]
            objects[name] = [item["ETag"], item["LastModified"].isoformat()]
    return objects


def _digest(objects: Mapping[str, list[str]]) -> str:
    hashed = hashlib.sha256()
    for name, (etag, modified) in sorted(objects.items()):
        hashed.update(f"{name}\0{etag}\0{modified}\n".encode())
    return hashed.hexdigest()[:32]


def _time(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def _without_objects(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "objects"}


def _within(objects: Snapshot, prefix: str) -> dict[str, list[str]]:
    return {k[len(prefix) :]: v for k, v in objects.items() if _folder(k) == prefix}


def _folder(key: str) -> str:
    return key.rsplit("/", 1)[0] + "/"

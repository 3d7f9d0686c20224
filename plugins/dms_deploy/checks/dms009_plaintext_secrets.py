"""DMS009: no plaintext secret in any config file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from dms_deploy.checks.base import CheckInfo, Finding
from dms_deploy.checks.context import OfflineCheck, OfflineContext, always
from dms_deploy.config.pointers import join

INFO = CheckInfo(
    "DMS009",
    "no plaintext secret in any config",
    "Configs are reviewed and stored in git. Credentials belong in Secrets Manager; a "
    "config only names the secret by ARN. This check scans the raw files, so it also "
    "runs when the schema rejects them.",
)

# Key names (lowercased, without `_`/`-`) that announce a credential.
_SECRET_KEYS = re.compile(
    r"^(password|passwd|pwd|pass|passphrase|secretstring|secretvalue|secretkey|"
    r"secretaccesskey|accesskey|accesskeyid|apikey|token|authtoken|privatekey|credentials?|"
    r"connectionstring|dbpassword|userpassword)$"
)
# Values that look like credentials whatever their key.
_SECRET_VALUES = (
    (re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"), "an AWS access key id"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key"),
    (re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@"), "a URL with an embedded password"),
    (re.compile(r"(?i)\b(password|pwd)\s*="), "a password assignment"),
)
_SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:")


def _walk(value: Any, path: list[str | int]) -> Iterator[tuple[list[str | int], Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _walk(child, [*path, key])
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _walk(child, [*path, i])


def scan(document: Any) -> list[tuple[str, str]]:
    """(JSON pointer, reason) for every secret-looking key or value in a parsed file."""
    problems = []
    for path, value in _walk(document, []):
        key = path[-1] if path and isinstance(path[-1], str) else None
        if key is not None:
            normal = key.lower().replace("_", "").replace("-", "")
            if _SECRET_KEYS.match(normal):
                problems.append(
                    (
                        join(path),
                        f"key {key!r} looks like a plaintext credential; "
                        "store it in Secrets Manager and reference the secret's ARN",
                    )
                )
                continue
            if normal == "secret" and isinstance(value, str) and not _SECRET_ARN.match(value):
                problems.append(
                    (join(path), "'secret' must be a Secrets Manager ARN, not the secret itself")
                )
                continue
        if isinstance(value, str):
            for pattern, what in _SECRET_VALUES:
                if pattern.search(value):
                    problems.append(
                        (join(path), f"value looks like {what}; remove it from the config")
                    )
                    break
    return problems


def run(ctx: OfflineContext) -> list[Finding]:
    findings = []
    for file, document in ctx.load.documents.items():
        team = (
            file.removeprefix("teams/").removesuffix(".json") if file.startswith("teams/") else None
        )
        findings += [
            Finding(reason, team=team, file=file, pointer=ptr) for ptr, reason in scan(document)
        ]
    return findings


CHECK = OfflineCheck(INFO, run, always)

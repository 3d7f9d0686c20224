"""DMS002: every config matches its JSON Schema, and its references resolve."""

from __future__ import annotations

from dms_deploy.checks.base import CheckInfo, Finding
from dms_deploy.checks.context import OfflineCheck, OfflineContext, always

INFO = CheckInfo(
    "DMS002",
    "every config matches its JSON Schema",
    "The config language is strict: a typo is an error, never a silently ignored key. "
    "Names must be valid DMS identifiers and references (instance, endpoint, target) "
    "must exist.",
)


def run(ctx: OfflineContext) -> list[Finding]:
    return list(ctx.load.findings.get(INFO.id, []))


CHECK = OfflineCheck(INFO, run, always)

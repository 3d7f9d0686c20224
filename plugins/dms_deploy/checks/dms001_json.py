"""DMS001: every config file parses as JSON."""

from __future__ import annotations

from dms_deploy.checks.base import CheckInfo, Finding
from dms_deploy.checks.context import OfflineCheck, OfflineContext, always

INFO = CheckInfo(
    "DMS001",
    "every config file parses as JSON",
    "A file that does not parse cannot be checked at all; strict JSON also refuses "
    "duplicate keys, which JSON parsers otherwise resolve silently. A teams/ directory or "
    "team file that cannot be read is an error too: skipping it would delete the team.",
)


def run(ctx: OfflineContext) -> list[Finding]:
    return list(ctx.load.findings.get(INFO.id, []))


CHECK = OfflineCheck(INFO, run, always)

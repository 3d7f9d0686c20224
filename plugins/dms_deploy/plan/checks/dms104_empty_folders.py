"""DMS104: a table that loads for the first time has an empty S3 folder (no overwrite)."""

from __future__ import annotations

from dms_deploy.checks.base import CheckInfo, Finding
from dms_deploy.plan.checks.online_context import OnlineCheck, OnlineContext, always
from dms_deploy.render.mappings import parse_table_folder

INFO = CheckInfo(
    "DMS104",
    "a table that loads for the first time has an empty S3 prefix (no overwrite)",
    "A full load writes LOAD files from LOAD00000001 on. In a folder that already holds "
    "files it overwrites them, or mixes two loads that readers cannot tell apart.",
)


def run(ctx: OnlineContext) -> list[Finding]:
    listing = ctx.observed.folders
    findings = []
    for change in ctx.changes():
        for folder in change.first_loads:
            if listing is None or not listing.covers(folder):
                problem = "was not checked (the S3 listing did not cover it)"
            elif folder in listing.nonempty:
                problem = "already holds objects; bump the table's version to load it anew"
            else:
                continue
            parsed = parse_table_folder(folder)
            source = "/".join(parsed[:3]) if parsed else None
            findings.append(
                ctx.finding(
                    f"task {change.task} loads {source or folder} into data/{folder}/, which "
                    + problem,
                    team=change.team,
                    task_id=change.task,
                    source=source,
                )
            )
    return findings


CHECK = OnlineCheck(INFO, run, always)

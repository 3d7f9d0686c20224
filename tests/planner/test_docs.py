"""The documentation says what the planner does: a row per migration type in the config
reference, every online check listed, links that resolve, and no overstated guarantee."""

from __future__ import annotations

import json
import re
from pathlib import Path

from dms_deploy.plan.make import ONLINE_CHECKS

REPO = Path(__file__).resolve().parents[2]
CHANGES = [
    "add a table",
    "bump one table",
    "bump every table of the task",
    "pause",
    "unpause",
    "remove",
]


def markdown_table(text: str, heading: str) -> list[list[str]]:
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows]


def test_config_reference_has_one_row_per_migration_type_and_a_column_per_change():
    schema = json.loads((REPO / "dms_configs/schema/team.schema.json").read_text())
    types = schema["$defs"]["task"]["properties"]["migration_type"]["enum"]
    header, _rule, *rows = markdown_table(
        (REPO / "docs/config.md").read_text(), "## Migration types"
    )
    assert header == ["migration type", *CHANGES]
    assert sorted(row[0].strip("`") for row in rows) == sorted(types)
    for row in rows:
        assert len(row) == len(header) and all(cell for cell in row), row


def test_every_online_check_is_in_the_readme():
    readme = (REPO / "README.md").read_text()
    for check in ONLINE_CHECKS:
        assert f"| {check.info.id} |" in readme, check.info.id


def test_relative_links_in_the_docs_resolve():
    for doc in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", doc.read_text()):
            if "://" in target:
                continue
            assert (doc.parent / target).exists(), f"{doc.name} links to missing {target}"


def test_docs_do_not_overstate_what_protects_s3_or_who_refuses_a_migration_type_change():
    base = (REPO / "include/templates/base.yaml.j2").read_text()
    assert "never delete or overwrite" not in base
    assert "s3:PutObject can overwrite" in base and "DMS104" in base
    plan = (REPO / "docs/plan.md").read_text()
    assert "DMS cannot do it" not in plan
    assert "create-only" in plan

"""Load a configs directory: every error in every file, then typed models.

Loading never stops at the first problem. Each finding names the file (relative to the
configs directory), the JSON pointer and a reason. Models are built only when nothing is
wrong, so code that receives `Configs` can trust them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dms_deploy.checks.base import Finding
from dms_deploy.config.build import build_base, build_team
from dms_deploy.config.models import Configs
from dms_deploy.config.parse import ConfigSyntaxError, read_json
from dms_deploy.config.pointers import split
from dms_deploy.config.schema import (
    BASE_SCHEMA,
    TEAM_SCHEMA,
    SchemaUnavailable,
    default_schema_dir,
    schema_problems,
)
from dms_deploy.config.semantic import base_problems, team_problems
from dms_deploy.config.team_files import TEAMS_DIR, file_problem, list_team_files

BASE_FILE = "base.json"
JSON_CHECK = "DMS001"
SCHEMA_CHECK = "DMS002"


@dataclass
class LoadResult:
    configs: Configs | None
    # Keyed by check id ("DMS001", "DMS002").
    findings: dict[str, list[Finding]] = field(default_factory=dict)
    # Why the directory cannot be used at all (missing, no base.json): the CLI exits 2.
    unreadable: str | None = None
    # Every file that parsed, by relative path, as raw JSON: DMS009 scans these even
    # when the schema rejects them.
    documents: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.unreadable is None and not any(self.findings.values())


def load_configs(configs_dir: Path, schema_dir: Path | None = None) -> LoadResult:
    configs_dir = Path(configs_dir)
    if not configs_dir.is_dir():
        return LoadResult(None, unreadable=f"configs directory {configs_dir} does not exist")
    base_path = configs_dir / BASE_FILE
    if not base_path.is_symlink() and not base_path.exists():
        return LoadResult(None, unreadable=f"no {BASE_FILE} in configs directory {configs_dir}")
    problem = file_problem(base_path)
    if problem:
        return LoadResult(None, unreadable=f"{base_path} {problem}")
    schema_dir = schema_dir or default_schema_dir()
    result = LoadResult(None, findings={JSON_CHECK: [], SCHEMA_CHECK: []})
    try:
        _load_into(result, configs_dir, schema_dir)
    except SchemaUnavailable as exc:
        return LoadResult(None, unreadable=str(exc))
    return result


def _load_into(result: LoadResult, configs_dir: Path, schema_dir: Path) -> None:
    listing = list_team_files(configs_dir / TEAMS_DIR)
    result.findings[JSON_CHECK] += [
        Finding(reason, team=_team_of(file), file=file) for file, reason in listing.problems
    ]
    for file in [BASE_FILE, *listing.files]:
        try:
            result.documents[file] = read_json(configs_dir / file)
        except ConfigSyntaxError as exc:
            result.findings[JSON_CHECK].append(_finding(file, None, str(exc), None))
        except OSError as exc:
            result.findings[JSON_CHECK].append(_finding(file, None, f"cannot read: {exc}", None))

    valid: dict[str, Any] = {}
    for file, doc in result.documents.items():
        schema = BASE_SCHEMA if file == BASE_FILE else TEAM_SCHEMA
        problems = schema_problems(doc, schema_dir, schema)
        result.findings[SCHEMA_CHECK] += [_finding(file, p, r, doc) for p, r in problems]
        if not problems:
            valid[file] = doc

    base = valid.get(BASE_FILE)
    targets = set(base["targets"]) if base is not None else None
    if base is not None:
        problems = base_problems(base)
        result.findings[SCHEMA_CHECK] += [_finding(BASE_FILE, p, r, base) for p, r in problems]
    for file, doc in valid.items():
        if file != BASE_FILE:
            problems = team_problems(doc, Path(file).stem, targets)
            result.findings[SCHEMA_CHECK] += [_finding(file, p, r, doc) for p, r in problems]

    if any(result.findings.values()):
        return
    teams = {}
    for file, doc in valid.items():
        if file != BASE_FILE:
            team = build_team(file, doc)
            teams[team.team] = team
    result.configs = Configs(base=build_base(BASE_FILE, valid[BASE_FILE]), teams=teams)


def _finding(file: str, ptr: str | None, reason: str, doc: Any) -> Finding:
    """A finding with the team, task and table it concerns, where the pointer tells."""
    team = _team_of(file)
    task = table = None
    tokens = split(ptr or "")
    if len(tokens) >= 2 and tokens[0] == "tasks":
        task = tokens[1]
        if len(tokens) >= 4 and tokens[2] == "tables":
            table = _table_source(doc, task, tokens[3])
    return Finding(reason, team=team, task=task, table=table, file=file, pointer=ptr)


def _team_of(file: str) -> str | None:
    return Path(file).stem if file.startswith(f"{TEAMS_DIR}/") and file != TEAMS_DIR else None


def _table_source(doc: Any, task: str, index: str) -> str | None:
    try:
        source = doc["tasks"][task]["tables"][int(index)]["source"]
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return source if isinstance(source, str) else None

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
from dms_deploy.config import environments
from dms_deploy.config.build import build_base, build_team
from dms_deploy.config.environments import ENVIRONMENTS_FILE
from dms_deploy.config.models import Configs
from dms_deploy.config.parse import ConfigSyntaxError, read_json
from dms_deploy.config.pointers import split
from dms_deploy.config.schema import (
    BASE_SCHEMA,
    ENVIRONMENTS_SCHEMA,
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


def load_configs(
    configs_dir: Path, schema_dir: Path | None = None, environment: str | None = None
) -> LoadResult:
    """Load the configs for `environment` (None: the only one there is).

    An environment that environments.json does not list makes the input unusable.
    """
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
        _load_into(result, configs_dir, schema_dir, environment)
    except SchemaUnavailable as exc:
        return LoadResult(None, unreadable=str(exc))
    return result


def environment_names(configs_dir: Path) -> list[str]:
    """The environments environments.json lists; [] without the file or when it is broken."""
    path = Path(configs_dir) / ENVIRONMENTS_FILE
    if not path.exists() or file_problem(path):
        return []
    try:
        return environments.names(read_json(path))
    except (ConfigSyntaxError, OSError):
        return []


def environment_connection(configs_dir: Path, name: str | None) -> tuple[str | None, str | None]:
    """(Airflow connection id, region) of the environment `name` picks; (None, None) when
    there is none. Read raw: callers ask only after `load_configs` accepted the file."""
    path = Path(configs_dir) / ENVIRONMENTS_FILE
    if not path.is_file():
        return None, None
    try:
        doc = read_json(path)
    except (ConfigSyntaxError, OSError):
        return None, None
    chosen = environments.chosen(doc, name)
    spec = doc.get("environments", {}).get(chosen) if chosen else None
    if not isinstance(spec, dict):
        return None, None
    return spec.get("aws_conn_id"), spec.get("region")


def _load_into(
    result: LoadResult, configs_dir: Path, schema_dir: Path, environment: str | None
) -> None:
    listing = list_team_files(configs_dir / TEAMS_DIR)
    result.findings[JSON_CHECK] += [
        Finding(reason, team=_team_of(file), file=file) for file, reason in listing.problems
    ]
    files = [BASE_FILE, *listing.files]
    env_path = configs_dir / ENVIRONMENTS_FILE
    env_present = env_path.is_symlink() or env_path.exists()
    if env_present:
        problem = file_problem(env_path)
        if problem:
            result.findings[JSON_CHECK].append(Finding(problem, file=ENVIRONMENTS_FILE))
        else:
            files.append(ENVIRONMENTS_FILE)
    for file in files:
        try:
            result.documents[file] = read_json(configs_dir / file)
        except ConfigSyntaxError as exc:
            result.findings[JSON_CHECK].append(_finding(file, None, str(exc), None))
        except OSError as exc:
            result.findings[JSON_CHECK].append(_finding(file, None, f"cannot read: {exc}", None))

    valid: dict[str, Any] = {}
    for file, doc in result.documents.items():
        schema = _SCHEMAS.get(file, TEAM_SCHEMA)
        problems = schema_problems(doc, schema_dir, schema)
        result.findings[SCHEMA_CHECK] += [_finding(file, p, r, doc) for p, r in problems]
        if not problems:
            valid[file] = doc

    base = valid.get(BASE_FILE)
    targets = set(base["targets"]) if base is not None else None
    if base is not None:
        problems = base_problems(base)
        result.findings[SCHEMA_CHECK] += [_finding(BASE_FILE, p, r, base) for p, r in problems]
    team_docs = {Path(f).stem: doc for f, doc in valid.items() if f.startswith(f"{TEAMS_DIR}/")}
    for team, doc in team_docs.items():
        file = f"{TEAMS_DIR}/{team}.json"
        problems = team_problems(doc, team, targets)
        result.findings[SCHEMA_CHECK] += [_finding(file, p, r, doc) for p, r in problems]

    env_doc = valid.get(ENVIRONMENTS_FILE)
    if env_doc is not None:
        problems = environments.override_problems(env_doc, team_docs)
        result.findings[SCHEMA_CHECK] += [
            _finding(ENVIRONMENTS_FILE, p, r, env_doc) for p, r in problems
        ]
    if env_present and env_doc is None:
        return  # the environment cannot be chosen from a broken file: its findings say why
    unusable = environments.selection_problem(env_doc, environment)
    if unusable:
        result.unreadable = unusable
        return
    if any(result.findings.values()):
        return
    base_doc = valid[BASE_FILE]
    env = None
    name = environments.chosen(env_doc, environment)
    if env_doc is not None and name is not None:
        base_doc, team_docs = environments.apply_overrides(env_doc, name, base_doc, team_docs)
        env = environments.build_environment(env_doc, name)
    teams = {}
    for team_name, doc in team_docs.items():
        team = build_team(f"{TEAMS_DIR}/{team_name}.json", doc)
        teams[team.team] = team
    result.configs = Configs(base=build_base(BASE_FILE, base_doc), teams=teams, environment=env)


_SCHEMAS = {BASE_FILE: BASE_SCHEMA, ENVIRONMENTS_FILE: ENVIRONMENTS_SCHEMA}


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

"""Environments: the same configs, deployed to several AWS accounts.

`environments.json` (optional) names each environment's connection, region and account,
and overrides the few values that differ there. The override keys mirror the files they
override: `base` holds base.json keys, `teams/<team>/endpoints/<name>` a team file's
endpoint. Overrides are applied to the raw documents before the models are built, so
everything after loading (render, checks, plan) sees a config for one environment.
Without the file there is one environment, unnamed: the configs as written.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from dms_deploy.config.pointers import pointer

ENVIRONMENTS_FILE = "environments.json"
# Base keys an environment may override; team files override endpoints only.
BASE_OVERRIDES = ("bucket", "bucket_folder", "network_stack_name")


@dataclass(frozen=True)
class Environment:
    """Where one environment deploys, and the account it must be."""

    name: str
    aws_conn_id: str
    region: str
    account_id: str
    file: str = ENVIRONMENTS_FILE
    pointer: str = ""
    # (team, endpoint) -> pointer of the secret this environment sets, to locate findings.
    secret_pointers: dict[tuple[str, str], str] = field(
        default_factory=dict, hash=False, compare=True
    )


def names(doc: Any) -> list[str]:
    """The environments a parsed environments.json lists (none if it is not an object)."""
    envs = doc.get("environments") if isinstance(doc, dict) else None
    return sorted(envs) if isinstance(envs, dict) else []


def selection_problem(doc: Any, name: str | None) -> str | None:
    """Why `name` does not pick an environment of `doc` (None: it does, or no file)."""
    listed = names(doc)
    if doc is None:
        if name is None:
            return None
        return f"no environment {name!r}: the configs have no {ENVIRONMENTS_FILE}"
    if name is None:
        if len(listed) <= 1:
            return None
        return f"{ENVIRONMENTS_FILE} lists {', '.join(listed)}: name one (--env NAME)"
    if name not in listed:
        return f"no environment {name!r} in {ENVIRONMENTS_FILE} (it lists {', '.join(listed)})"
    return None


def chosen(doc: Any, name: str | None) -> str | None:
    """The environment to build: `name`, or the only one listed."""
    if name is not None or doc is None:
        return name
    listed = names(doc)
    return listed[0] if len(listed) == 1 else None


def override_problems(doc: dict[str, Any], teams: dict[str, Any]) -> list[tuple[str, str]]:
    """(pointer, reason) for every override naming a team or endpoint that does not exist.

    `teams` maps team name -> its schema-valid team document.
    """
    problems = []
    for env, spec in doc["environments"].items():
        for team, override in spec.get("teams", {}).items():
            where = ("environments", env, "teams", team)
            if team not in teams:
                known = ", ".join(sorted(teams)) or "none"
                problems.append((pointer(*where), f"no team {team!r} (teams: {known})"))
                continue
            endpoints = teams[team]["endpoints"]
            for name in override["endpoints"]:
                if name not in endpoints:
                    problems.append(
                        (
                            pointer(*where, "endpoints", name),
                            f"team {team!r} has no endpoint {name!r} "
                            f"(endpoints: {', '.join(sorted(endpoints))})",
                        )
                    )
    return problems


def build_environment(doc: dict[str, Any], name: str) -> Environment:
    spec = doc["environments"][name]
    secrets = {
        (team, endpoint): pointer(
            "environments", name, "teams", team, "endpoints", endpoint, "secret"
        )
        for team, override in spec.get("teams", {}).items()
        for endpoint, values in override["endpoints"].items()
        if "secret" in values
    }
    return Environment(
        name=name,
        aws_conn_id=spec["aws_conn_id"],
        region=spec["region"],
        account_id=spec["account_id"],
        pointer=pointer("environments", name),
        secret_pointers=secrets,
    )


def apply_overrides(
    doc: dict[str, Any], name: str, base: dict[str, Any], teams: dict[str, dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Copies of the base and team documents (team files by team name) with `name`'s
    overrides applied; the inputs are left as they are."""
    spec = doc["environments"][name]
    base = {**base, **{k: v for k, v in spec.get("base", {}).items() if k in BASE_OVERRIDES}}
    teams = dict(teams)
    for team, override in spec.get("teams", {}).items():
        team_doc = copy.deepcopy(teams[team])
        for endpoint, values in override["endpoints"].items():
            team_doc["endpoints"][endpoint].update(values)
        teams[team] = team_doc
    return base, teams

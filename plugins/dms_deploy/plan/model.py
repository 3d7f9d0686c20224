"""The Plan value: what was checked, what changes, and the ordered steps that apply executes.

`Plan.to_dict()` is the JSON contract of DESIGN.md (plus extra keys); `Plan.from_dict()` reads
it back, so the DAG can pass a reviewed plan between tasks unchanged.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields
from typing import Literal

from dms_deploy.checks.base import CheckResult, Finding

StackActionKind = Literal["create", "update", "none", "delete"]
# reload-target: every table of the task loads anew (all were bumped), so DMS reloads them all.
StartKind = Literal["start-replication", "resume-processing", "reload-target"]

# How a task change reaches DMS, from mildest to worst.
Classification = Literal[
    "none",  # nothing changes
    "config-only",  # only our bookkeeping (metadata) changes: no stop needed
    "new",  # the task is created, and loads every table
    "restart",  # a resource it uses changes: it must restart to pick that up
    "in-place",  # the task is modified: stop, deploy, resume
    "replacement",  # a new task replaces it: full reload of every table (disruptive)
    "deletion",  # the task is removed: replication stops (disruptive)
    "forbidden",  # CloudFormation cannot update it in place (a migration-type change)
]
DISRUPTIVE: frozenset[str] = frozenset({"replacement", "deletion"})


@dataclass(frozen=True)
class StackAction:
    name: str
    team: str  # "base" for the base stack
    action: StackActionKind
    # The exact template body to deploy in this step (None for none and delete).
    body: str | None = None
    # The body's SHA-256 when only that is known: the DAG's XCom names a body by it.
    body_sha256: str | None = None

    @property
    def body_digest(self) -> str | None:
        """The SHA-256 of the body, whether the body or only its digest is at hand."""
        if self.body is not None:
            return hashlib.sha256(self.body.encode()).hexdigest()
        return self.body_sha256

    def to_dict(self) -> dict:
        return {"name": self.name, "team": self.team, "action": self.action, "body": self.body}

    @classmethod
    def from_dict(cls, data: dict) -> StackAction:
        return cls(
            data["name"], data["team"], data["action"], data.get("body"), data.get("body_sha256")
        )


@dataclass(frozen=True)
class Step:
    name: str
    stacks: tuple[StackAction, ...]
    pause: tuple[str, ...] = ()
    resume: tuple[str, ...] = ()
    # How each resumed task starts: start-replication for a first run, else resume-processing.
    start: dict[str, StartKind] = field(default_factory=dict)
    # Teams this step touches (stacks deployed or tasks paused); "base" for the base stack.
    teams: tuple[str, ...] = ()
    # Task id -> team, so a per-team worker knows which of pause/resume are its own.
    task_teams: dict[str, str] = field(default_factory=dict)
    # Stack name -> identifiers of the DMS endpoints it creates or modifies in this step:
    # DMS tests their connections, and a resume waits for that test.
    changed_endpoints: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        data = {
            "name": self.name,
            "stacks": [s.to_dict() for s in self.stacks],
            "pause": list(self.pause),
            "resume": list(self.resume),
            "start": dict(self.start),
            "teams": list(self.teams),
            "task_teams": dict(self.task_teams),
        }
        if self.changed_endpoints:  # only then, so a plan without one keeps its digest
            data["changed_endpoints"] = {k: list(v) for k, v in self.changed_endpoints.items()}
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Step:
        return cls(
            name=data.get("name", ""),
            stacks=tuple(StackAction.from_dict(s) for s in data["stacks"]),
            pause=tuple(data.get("pause", ())),
            resume=tuple(data.get("resume", ())),
            start=dict(data.get("start", {})),
            teams=tuple(data.get("teams", ())),
            task_teams=dict(data.get("task_teams", {})),
            changed_endpoints={k: tuple(v) for k, v in data.get("changed_endpoints", {}).items()},
        )


@dataclass(frozen=True)
class Bump:
    source: str
    old: str
    new: str


@dataclass(frozen=True)
class TaskChange:
    """How one replication task changes, from what is deployed to what is configured."""

    team: str
    task: str  # the DMS task id, `<team>-<task>`
    stack: str
    classification: Classification
    added: tuple[str, ...] = ()  # "<endpoint>/<schema>/<table>@<version>"
    removed: tuple[str, ...] = ()
    bumped: tuple[Bump, ...] = ()
    paused_tables: tuple[str, ...] = ()
    unpaused_tables: tuple[str, ...] = ()
    # Paused in the deployed stack, active now at the same version: a silent gap (DMS107).
    unpaused_without_bump: tuple[str, ...] = ()
    # Versions lower than the deployed ones (DMS103).
    lowered: tuple[Bump, ...] = ()
    settings_changed: bool = False
    task_paused: bool = False  # the config newly pauses the task
    task_unpaused: bool = False  # the config newly lets it run
    configured_paused: bool = False  # the config says the task stays stopped
    # Table folders that receive a full load for the first time (DMS104).
    first_loads: tuple[str, ...] = ()
    # Why: the properties that change, or what forces a restart or replacement.
    reasons: tuple[str, ...] = ()

    @property
    def disruptive(self) -> bool:
        return self.classification in DISRUPTIVE

    @property
    def needs_stop(self) -> bool:
        """DMS rejects changes to a running task, and a deleted task must stop first."""
        return self.classification in {"restart", "in-place", "replacement", "deletion"}

    def to_dict(self) -> dict:
        return asdict(self) | {"disruptive": self.disruptive}

    @classmethod
    def from_dict(cls, data: dict) -> TaskChange:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for name in ("bumped", "lowered"):
            values[name] = tuple(Bump(**b) for b in values.get(name, ()))
        for f in fields(cls):
            if isinstance(values.get(f.name), list):
                values[f.name] = tuple(values[f.name])
        return cls(**values)


@dataclass(frozen=True)
class Plan:
    go: bool
    checks: tuple[CheckResult, ...]
    steps: tuple[Step, ...] = ()
    # Overall action per stack in scope (the steps say in which order and with which body).
    stacks: tuple[StackAction, ...] = ()
    changes: tuple[TaskChange, ...] = ()
    allow_disruptive: bool = False
    teams: tuple[str, ...] | None = None
    # The environment planned for; None without environments.json (the only environment).
    environment: str | None = None
    # It replaces or deletes a task, an instance or a team stack (what DMS106 reports): a run
    # deploys it only after approval, or acknowledged by allow_disruptive with its digest.
    disruptive: bool = False

    @property
    def acknowledged(self) -> bool:
        """The disruptions were accepted when the plan was made (allow_disruptive)."""
        return self.disruptive and self.allow_disruptive

    @property
    def no_changes(self) -> bool:
        return not self.steps

    @property
    def disruptions(self) -> tuple[TaskChange, ...]:
        return tuple(c for c in self.changes if c.disruptive or c.classification == "forbidden")

    def check(self, check_id: str) -> CheckResult:
        return next(c for c in self.checks if c.id == check_id)

    @property
    def digest(self) -> str:
        """What the plan would do, as a short hash: the steps with their exact template bodies,
        pauses and starts. The same configs against the same live state give the same
        digest, so a deploy can refuse to run anything but the plan a reviewer saw.

        A named environment is part of it, so staging's reviewed digest never matches
        production's plan; without one the digest is that of the steps alone. So is the
        acknowledgement of a disruptive plan: a digest reviewed without allow_disruptive never
        lets a run skip the approval of its disruptions."""
        steps: object = [_digest_view(s) for s in self.steps]
        if self.environment is not None:
            steps = {"environment": self.environment, "steps": steps}
        if self.acknowledged:  # only then, so every other plan keeps its digest
            steps = {"acknowledged": True, "steps": steps}
        text = json.dumps(steps, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def to_dict(self) -> dict:
        return {
            "go": self.go,
            "digest": self.digest,
            "no_changes": self.no_changes,
            "allow_disruptive": self.allow_disruptive,
            "teams": list(self.teams) if self.teams is not None else None,
            "environment": self.environment,
            "disruptive": self.disruptive,
            "checks": [_check_to_dict(c) for c in self.checks],
            "steps": [s.to_dict() for s in self.steps],
            "stacks": [{"name": s.name, "team": s.team, "action": s.action} for s in self.stacks],
            "changes": [c.to_dict() for c in self.changes],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Plan:
        teams = data.get("teams")
        return cls(
            go=data["go"],
            checks=tuple(_check_from_dict(c) for c in data["checks"]),
            steps=tuple(Step.from_dict(s) for s in data["steps"]),
            stacks=tuple(StackAction.from_dict(s) for s in data.get("stacks", ())),
            changes=tuple(TaskChange.from_dict(c) for c in data.get("changes", ())),
            allow_disruptive=data.get("allow_disruptive", False),
            teams=tuple(teams) if teams is not None else None,
            environment=data.get("environment"),
            disruptive=data.get("disruptive", False),
        )


def _digest_view(step: Step) -> dict:
    """A step as the digest sees it: each body by its SHA-256, so a plan read back from the
    DAG's XCom (bodies named by digest) has the digest of the plan made with the bodies."""
    data = step.to_dict()
    for stack, out in zip(step.stacks, data["stacks"], strict=True):
        out["body"] = stack.body_digest
    return data


def _check_to_dict(result: CheckResult) -> dict:
    data = result.to_dict()
    # Severity is not in the contract, but from_dict needs it to rebuild warn vs fail.
    for finding, out in zip(result.findings, data["findings"], strict=True):
        out["severity"] = finding.severity
    return data


def _check_from_dict(data: dict) -> CheckResult:
    return CheckResult(
        id=data["id"],
        title=data.get("title", ""),
        status=data["status"],
        findings=tuple(Finding(**f) for f in data.get("findings", ())),
    )

"""Typed, immutable models of the configs. Pure data: no I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field

from dms_deploy.config.environments import Environment

FULL_LOAD_AND_CDC = "full-load-and-cdc"
CDC = "cdc"
FULL_LOAD = "full-load"


@dataclass(frozen=True)
class Target:
    """An S3 target endpoint defined in the base stack (for example `s3-1min`)."""

    name: str
    cdc_max_batch_interval_seconds: int
    # S3Settings.CdcMinFileSize in KB; None keeps the DMS default.
    cdc_min_file_size_kb: int | None = None


@dataclass(frozen=True)
class BaseConfig:
    file: str
    stack_name: str
    network_stack_name: str
    bucket: str
    bucket_folder: str
    targets: dict[str, Target]
    description: str | None = None


@dataclass(frozen=True)
class Endpoint:
    """A source database. Credentials are only ever a Secrets Manager reference."""

    name: str
    engine: str  # "mysql" | "postgres"
    server: str
    port: int
    secret: str
    database: str | None = None
    pointer: str = ""

    def identifier(self, team: str) -> str:
        return f"{team}-{self.name}"


@dataclass(frozen=True)
class Instance:
    name: str
    instance_class: str
    storage_gb: int
    multi_az: bool = False
    pointer: str = ""

    def identifier(self, team: str) -> str:
        return f"{team}-{self.name}"


@dataclass(frozen=True)
class Table:
    """One source table, always named explicitly as `<endpoint>/<schema>/<table>`."""

    endpoint: str
    schema: str
    name: str
    version: str
    paused: bool = False
    # Opt-in for a table of a `cdc` task: its folder holds changes only, with no full load.
    cdc_only: bool = False
    pointer: str = ""

    @property
    def source(self) -> str:
        return f"{self.endpoint}/{self.schema}/{self.name}"


@dataclass(frozen=True)
class Task:
    team: str
    name: str
    instance: str
    endpoint: str
    target: str
    tables: tuple[Table, ...]
    paused: bool = False
    migration_type: str = FULL_LOAD_AND_CDC
    # Overrides merged over include/templates/task_settings.json.
    settings: dict = field(default_factory=dict, hash=False, compare=True)
    pointer: str = ""

    @property
    def identifier(self) -> str:
        """The DMS ReplicationTaskIdentifier."""
        return f"{self.team}-{self.name}"

    @property
    def active_tables(self) -> tuple[Table, ...]:
        """Tables that are in the TableMappings: paused tables are excluded."""
        return tuple(t for t in self.tables if not t.paused)


@dataclass(frozen=True)
class TeamConfig:
    file: str
    team: str
    endpoints: dict[str, Endpoint]
    instances: dict[str, Instance]
    tasks: dict[str, Task]

    @property
    def stack_name(self) -> str:
        return f"dms-{self.team}"


@dataclass(frozen=True)
class Configs:
    """Everything under a configs directory, after loading."""

    base: BaseConfig
    teams: dict[str, TeamConfig]
    # The environment these configs were built for; None without environments.json.
    environment: Environment | None = None

    def all_tasks(self) -> list[Task]:
        return [task for team in self.teams.values() for task in team.tasks.values()]

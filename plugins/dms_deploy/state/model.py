"""What the planner knows about live AWS: plain, JSON-serialisable dataclasses, no I/O.

The reader in `state.read` fills these; unit tests build them by hand.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

# Stack statuses from which CloudFormation accepts an update.
UPDATABLE_STACK_STATUSES = frozenset(
    {
        "CREATE_COMPLETE",
        "UPDATE_COMPLETE",
        "UPDATE_ROLLBACK_COMPLETE",
        "IMPORT_COMPLETE",
        "IMPORT_ROLLBACK_COMPLETE",
    }
)

# DMS table states during which a stop would interrupt a load.
LOADING_TABLE_STATES = frozenset({"Before load", "Full load", "Table is being reloaded"})

# DMS task statuses that count as "replicating now": stopping such a task is a pause.
RUNNING_TASK_STATUSES = frozenset({"running", "starting"})

# The StopReason of a full-load task that stopped by itself because its load finished
# ("Stop Reason FULL_LOAD_ONLY_FINISHED"):
# https://docs.aws.amazon.com/dms/latest/APIReference/API_ReplicationTask.html
FULL_LOAD_FINISHED = "FULL_LOAD_ONLY_FINISHED"


@dataclass(frozen=True)
class ObservedStack:
    name: str
    status: str
    # The deployed template as text (TemplateStage Original); JSON or YAML.
    template_body: str | None = None

    @property
    def updatable(self) -> bool:
        return self.status in UPDATABLE_STACK_STATUSES


@dataclass(frozen=True)
class ObservedTask:
    identifier: str
    arn: str
    status: str
    # The live TableMappings JSON text, as DMS reports it.
    table_mappings: str | None = None
    migration_type: str | None = None
    stop_reason: str | None = None
    # Whether DMS ever started it (ReplicationTaskStartDate): its first start must be
    # start-replication, every later one resume-processing.
    started: bool | None = None
    # The live ReplicationTaskSettings JSON text (DescribeReplicationTasks, WithoutSettings
    # False): DMS's defaults merged with what was deployed.
    settings: str | None = None

    @property
    def running(self) -> bool:
        return self.status in RUNNING_TASK_STATUSES

    @property
    def load_finished(self) -> bool:
        """A full-load task that stopped by itself after its load: not drift, not a pause."""
        return self.status == "stopped" and FULL_LOAD_FINISHED in (self.stop_reason or "")


@dataclass(frozen=True)
class TableStat:
    schema: str
    table: str
    state: str

    @property
    def loading(self) -> bool:
        return self.state in LOADING_TABLE_STATES


@dataclass(frozen=True)
class FolderListing:
    """Table folders under `<bucket_folder>/data/` that hold at least one object.

    Only folders whose name starts with `prefix` were listed; others are unknown.
    """

    prefix: str
    nonempty: frozenset[str] = frozenset()

    def covers(self, folder: str) -> bool:
        return folder.startswith(self.prefix)


@dataclass(frozen=True)
class ObservedState:
    # Existing stacks by name; a stack absent here does not exist (it will be created).
    stacks: dict[str, ObservedStack] = field(default_factory=dict)
    # CloudFormation exports of the account and region: name -> value.
    exports: dict[str, str] = field(default_factory=dict)
    # DMS replication tasks by ReplicationTaskIdentifier.
    tasks: dict[str, ObservedTask] = field(default_factory=dict)
    # Table statistics, read only for tasks that the plan would stop.
    table_stats: dict[str, tuple[TableStat, ...]] = field(default_factory=dict)
    # Which table folders already hold objects; None when not listed (nothing loads).
    folders: FolderListing | None = None
    # ValidateTemplate outcome by template digest: "" when valid, else the error message.
    validation: dict[str, str] = field(default_factory=dict)
    # Export name -> the stacks that import it (ListImports), read only for the exports the
    # plan removes or changes; None when none was read.
    imports: dict[str, tuple[str, ...]] | None = None
    # The account the credentials belong to (STS GetCallerIdentity); None when not asked.
    account_id: str | None = None
    # The region the clients call; None when not asked (no environment to compare with).
    region: str | None = None

    def to_dict(self) -> dict:
        data = asdict(self)
        if self.folders is not None:
            data["folders"]["nonempty"] = sorted(self.folders.nonempty)
        data["table_stats"] = {
            task: [asdict(s) for s in stats] for task, stats in self.table_stats.items()
        }
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ObservedState:
        folders = data.get("folders")
        return cls(
            stacks={k: ObservedStack(**v) for k, v in data.get("stacks", {}).items()},
            exports=dict(data.get("exports", {})),
            tasks={k: ObservedTask(**v) for k, v in data.get("tasks", {}).items()},
            table_stats={
                k: tuple(TableStat(**s) for s in v) for k, v in data.get("table_stats", {}).items()
            },
            folders=(
                FolderListing(folders["prefix"], frozenset(folders["nonempty"]))
                if folders is not None
                else None
            ),
            validation=dict(data.get("validation", {})),
            imports=(
                {k: tuple(v) for k, v in data["imports"].items()}
                if data.get("imports") is not None
                else None
            ),
        )

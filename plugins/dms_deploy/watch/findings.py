"""What the drift watch reports: one finding per problem, with what was seen and what to do."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

from dms_deploy.checks.base import printable

Kind = Literal[
    "drift",  # DMS108: live DMS differs from the deployed stack (mappings, settings, status)
    "task-stopped",  # a task the config says runs is stopped (or stopping, or never started)
    "task-failed",  # a task in `failed`
    "stack-unsettled",  # a stack of ours not in a *_COMPLETE status
    "table-error",  # a table in `Table error`
    "cdc-latency",  # CDCLatencySource or CDCLatencyTarget over the threshold
]


@dataclass(frozen=True)
class WatchFinding:
    kind: Kind
    # What it is about: "task payments-ledger", "stack dms-food", "table ...".
    resource: str
    seen: str
    action: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    def line(self) -> str:
        """One line, control characters escaped: `kind resource: seen. What to do: action`."""
        return printable(f"{self.kind} {self.resource}: {self.seen}. What to do: {self.action}")


@dataclass(frozen=True)
class WatchReport:
    findings: tuple[WatchFinding, ...] = ()
    # Why nothing could be compared (the configs do not load), or None.
    unreadable: str | None = None
    # What was looked at, so that "no findings" says what it covers.
    watched: dict[str, int] = field(default_factory=dict)
    # The credentials belong to another account than the environment's (DMS111): nothing
    # was compared, and nothing may be written there, not even the watch's record.
    other_account: bool = False

    @property
    def healthy(self) -> bool:
        return self.unreadable is None and not self.findings

    def to_dict(self) -> dict:
        return {
            "healthy": self.healthy,
            "unreadable": self.unreadable,
            "watched": dict(self.watched),
            "findings": [f.to_dict() for f in self.findings],
        }

    def summary(self) -> str:
        """The failure message of the DAG and the plain-text output of `dmsctl drift`."""
        if self.unreadable:
            return f"drift watch: cannot compare: {self.unreadable}"
        if not self.findings:
            return "drift watch: no findings"
        lines = [f"drift watch: {len(self.findings)} finding(s)"]
        lines += [f"- {f.line()}" for f in self.findings]
        return "\n".join(lines)

    def markdown(self) -> str:
        if self.unreadable:
            return f"# Drift watch\n\nCannot compare: {printable(self.unreadable)}\n"
        watched = ", ".join(f"{n} {what}" for what, n in sorted(self.watched.items()))
        head = f"# Drift watch\n\nWatched: {watched or 'nothing'}.\n\n"
        if not self.findings:
            return head + "No findings.\n"
        rows = ["| kind | resource | seen | what to do |", "|---|---|---|---|"]
        rows += [
            "| " + " | ".join(_cell(v) for v in (f.kind, f.resource, f.seen, f.action)) + " |"
            for f in self.findings
        ]
        return head + "\n".join(rows) + "\n"


def _cell(text: str) -> str:
    return printable(text).replace("|", "\\|")

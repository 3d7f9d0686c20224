"""The shape every check shares: an id, a title, a rationale, and findings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Status = Literal["pass", "fail", "warn", "skip"]


@dataclass(frozen=True)
class Finding:
    message: str
    team: str | None = None
    task: str | None = None
    table: str | None = None
    file: str | None = None
    pointer: str | None = None
    # A warning does not block the deploy; an error does.
    severity: Literal["error", "warning"] = "error"

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("severity")
        return data

    def location(self) -> str:
        """`file#pointer`, on one line even when a bad key holds a newline."""
        where = self.file or ""
        if self.pointer is not None:
            where += f"#{self.pointer}" if where else self.pointer
        return printable(where)


def printable(text: str) -> str:
    """`text` with control characters escaped (a newline becomes the two characters `\\n`)."""
    return "".join(
        ch.encode("unicode_escape").decode("ascii") if _is_control(ch) else ch for ch in text
    )


def _is_control(ch: str) -> bool:
    return ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F


@dataclass(frozen=True)
class CheckResult:
    id: str
    title: str
    status: Status
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass(frozen=True)
class CheckInfo:
    """Static description of a check, in the style of a cfn-lint rule."""

    id: str
    title: str
    rationale: str


def result_of(info: CheckInfo, findings: list[Finding] | tuple[Finding, ...]) -> CheckResult:
    """Fail if any finding is an error, warn if only warnings, pass otherwise."""
    if any(f.severity == "error" for f in findings):
        status: Status = "fail"
    elif findings:
        status = "warn"
    else:
        status = "pass"
    return CheckResult(info.id, info.title, status, tuple(findings))


def skipped(info: CheckInfo, reason: str) -> CheckResult:
    return CheckResult(info.id, info.title, "skip", (Finding(reason, severity="warning"),))

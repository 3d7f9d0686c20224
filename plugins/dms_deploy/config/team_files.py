"""Which entries of teams/ are team configs, and why any other entry is an error.

A team stack is deleted when its file leaves teams/, so listing teams must never lose one
silently. teams/ must exist and be readable, and every entry in it must be a regular
`<team>.json` file (a symlink to one is fine). A broken symlink, a directory, a FIFO or
`food.JSON` is an error naming the path, never a skip: otherwise "all checks passed" and
the plan would delete that team. Hidden entries (`.gitkeep`, editor swap files) are
ignored; git keeps an emptied teams/ only with such a file in it.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

TEAMS_DIR = "teams"
SUFFIX = ".json"


@dataclass(frozen=True)
class TeamFiles:
    # "teams/<team>.json" for every usable entry, sorted.
    files: tuple[str, ...]
    # (path relative to the configs directory, reason) for every entry that is not.
    problems: tuple[tuple[str, str], ...]


def list_team_files(teams_dir: Path) -> TeamFiles:
    try:
        with os.scandir(teams_dir) as entries:
            names = sorted(entry.name for entry in entries)
    except OSError as exc:
        reason = f"{teams_dir} {_directory_problem(teams_dir, exc)}; every team would be deleted"
        return TeamFiles((), ((TEAMS_DIR, reason),))
    files, problems = [], []
    for name in names:
        if name.startswith("."):
            continue
        path = f"{TEAMS_DIR}/{name}"
        reason = _entry_problem(teams_dir / name)
        if reason is None:
            files.append(path)
        elif name.lower().endswith(SUFFIX):
            problems.append((path, f"{reason}; team {Path(name).stem!r} would be deleted"))
        else:
            problems.append((path, reason))
    return TeamFiles(tuple(files), tuple(problems))


def file_problem(path: Path) -> str | None:
    """Why `path` cannot be read as a config file, or None when it is a regular file."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return _stat_problem(path, exc)
    if stat.S_ISDIR(mode):
        return "is a directory, not a file"
    if not stat.S_ISREG(mode):
        return f"is a {_kind(mode)}, not a regular file"
    return None


def _entry_problem(path: Path) -> str | None:
    name = path.name
    if not name.endswith(SUFFIX):
        if name.lower().endswith(SUFFIX):
            stem = name[: -len(SUFFIX)]
            return f"team files end in lowercase {SUFFIX}: rename it to {stem}{SUFFIX}"
        return (
            f"not a team file: {TEAMS_DIR}/ holds only <team>{SUFFIX} files "
            "(hidden files are ignored)"
        )
    return file_problem(path)


def _directory_problem(path: Path, exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        if path.is_symlink():
            return f"is a broken symlink (to {os.readlink(path)})"
        return (
            f"does not exist; a configs directory needs a {TEAMS_DIR}/ directory, even one "
            "with no team in it (keep a .gitkeep there)"
        )
    if isinstance(exc, NotADirectoryError):
        return "is not a directory"
    return _stat_problem(path, exc)


def _stat_problem(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "is a symlink loop"
    if isinstance(exc, FileNotFoundError) and path.is_symlink():
        return f"is a broken symlink (to {os.readlink(path)})"
    if isinstance(exc, PermissionError):
        return "cannot be read: permission denied"
    return f"cannot be read: {exc.strerror or exc}"


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"

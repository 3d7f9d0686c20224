"""A directory of cfn-lint results that processes can share, keyed by what decides a result.

A result depends only on the template's text, the cfn-lint release (which ships the AWS
resource schemas it validates against) and the rule configuration, so the key is a SHA-256
over those three: an unchanged template is not linted again, and a new cfn-lint or another
rule set misses every old entry.

Safe to share between processes (CI jobs, the Airflow workers of one host):

- **Content-addressed.** An entry's file name is its key, so two writers of one name write
  the same result; there is nothing to lock.
- **Atomic.** Each entry is written to a temporary file in the same directory and renamed
  into place, so a reader sees a whole entry or none.
- **Checked, not trusted.** An entry carries its key and a digest of its matches. One that
  does not parse, has another key, has another shape or fails its digest is ignored (and
  replaced by a fresh lint), so a torn or damaged file cannot hide a finding.

It is a cache, not a lock on the truth: whoever can write to the directory can make DMS003
pass, so share it only between processes that deploy the same configs. It is created
private to its user (0700).

Location: `$DMS_DEPLOY_CACHE_DIR/cfn-lint/`, else `$XDG_CACHE_HOME/dms-deploy/cfn-lint/`,
else `~/.cache/dms-deploy/cfn-lint/`. `DMS_DEPLOY_CACHE_DIR=off` turns it off. A directory
that cannot be created or written turns it off for that run: linting goes on, uncached.
Entries are small (a clean template's is ~150 bytes); delete the directory at any time.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Bump when the entry layout or the meaning of a stored match changes.
FORMAT = 1
ENV = "DMS_DEPLOY_CACHE_DIR"
OFF = "off"
MATCH_FIELDS = {
    "rule": str,
    "severity": str,
    "message": str,
    "line": int,
    "pointer": (str, type(None)),
}


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode("utf-8")


def cache_key(template: str, linter_version: str, rule_config: dict[str, Any]) -> str:
    """The SHA-256 of everything that decides a lint result."""
    return hashlib.sha256(
        _canonical(
            {
                "format": FORMAT,
                "linter": linter_version,
                "rules": rule_config,
                "template": hashlib.sha256(template.encode("utf-8")).hexdigest(),
            }
        )
    ).hexdigest()


def default_directory() -> Path | None:
    """Where the cache lives by default (see the module docstring); None when turned off."""
    configured = os.environ.get(ENV, "").strip()
    if configured.lower() == OFF:
        return None
    if configured:
        return Path(configured).expanduser() / "cfn-lint"
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    try:
        base = Path(xdg) if xdg else Path.home() / ".cache"
    except RuntimeError:  # no home directory to speak of (some service accounts)
        return None
    return base / "dms-deploy" / "cfn-lint"


def _valid_matches(matches: Any) -> bool:
    return isinstance(matches, list) and all(
        isinstance(m, dict)
        and m.keys() == MATCH_FIELDS.keys()
        and all(
            isinstance(m[name], kind) and not isinstance(m[name], bool)
            for name, kind in MATCH_FIELDS.items()
        )
        for m in matches
    )


@dataclass
class LintCache:
    """Lint results by key. `directory=None` is a cache that is off: every lookup misses."""

    directory: Path | None
    # Why the cache stopped being used in this run (a write failed), for the curious.
    disabled_reason: str | None = None

    @classmethod
    def default(cls) -> LintCache:
        return cls(default_directory())

    @property
    def enabled(self) -> bool:
        return self.directory is not None and self.disabled_reason is None

    def path(self, key: str) -> Path:
        assert self.directory is not None
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> list[dict[str, Any]] | None:
        """The stored matches of this key, or None: absent, unreadable or not to be trusted."""
        if not self.enabled:
            return None
        try:
            entry = json.loads(self.path(key).read_bytes())
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("format") != FORMAT:
            return None
        matches = entry.get("matches")
        if entry.get("key") != key or not _valid_matches(matches):
            return None
        if entry.get("digest") != hashlib.sha256(_canonical(matches)).hexdigest():
            return None
        return matches

    def put(self, key: str, matches: list[dict[str, Any]]) -> None:
        """Store the matches of this key; on any failure, stop using the cache this run."""
        if not self.enabled:
            return
        entry = {
            "format": FORMAT,
            "key": key,
            "digest": hashlib.sha256(_canonical(matches)).hexdigest(),
            "matches": matches,
        }
        target = self.path(key)
        assert self.directory is not None
        try:
            # mkdir(parents=True) would give the parents the default mode: make each one.
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            target.parent.mkdir(exist_ok=True, mode=0o700)
            fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as file:
                    file.write(_canonical(entry))
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as exc:
            self.disabled_reason = f"cannot write to {self.directory}: {exc.strerror or exc}"

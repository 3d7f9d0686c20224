"""`dmsctl sandbox ...`: run the local AWS sandbox (`python -m sandbox ...`).

The product never imports the sandbox; this command replaces the process with it,
with the repo root on PYTHONPATH, passing every argument through unchanged.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from dms_deploy.commands.common import EXIT_UNUSABLE
from dms_deploy.paths import REPO_ROOT

NAME = "sandbox"
# Every argument after `sandbox` belongs to the sandbox, options included.
PASSTHROUGH = True


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        NAME,
        help="run the local AWS sandbox (arguments go to `python -m sandbox`)",
        add_help=False,  # `dmsctl sandbox --help` is the sandbox's own help
    )
    parser.add_argument("passthrough", nargs=argparse.REMAINDER)


def sandbox_command(
    args: list[str], repo_root: Path = REPO_ROOT
) -> tuple[list[str], dict[str, str]]:
    """The argv and environment that run the sandbox."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(repo_root), env.get("PYTHONPATH")) if p)
    return [sys.executable, "-m", "sandbox", *args], env


def run(args: argparse.Namespace) -> int:
    repo_root = REPO_ROOT
    if not (repo_root / "sandbox").is_dir():
        print(f"dmsctl sandbox: no sandbox package at {repo_root / 'sandbox'}", file=sys.stderr)
        return EXIT_UNUSABLE
    argv, env = sandbox_command(args.passthrough, repo_root)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(argv[0], argv, env)
    return EXIT_UNUSABLE  # not reached: execve replaces the process

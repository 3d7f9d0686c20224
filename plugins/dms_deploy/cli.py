"""`dmsctl`: the command line. Subcommands live in `dms_deploy.commands`."""

from __future__ import annotations

import argparse
import os
import sys
from types import ModuleType

from dms_deploy.commands import drift, history, plan, render, sandbox, trigger, validate
from dms_deploy.commands.common import EXIT_UNUSABLE

# One line per subcommand.
COMMANDS: tuple[ModuleType, ...] = (validate, render, plan, drift, sandbox, trigger, history)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dmsctl", description="AWS DMS replication configuration as code."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(subparsers)
    return parser


def parse(argv: list[str]) -> argparse.Namespace:
    # argparse cannot hand leading options (`sandbox --help`) to a REMAINDER argument,
    # so a pass-through command takes the rest of the line verbatim.
    for command in COMMANDS:
        if argv[:1] == [command.NAME] and getattr(command, "PASSTHROUGH", False):
            return argparse.Namespace(command=command.NAME, passthrough=argv[1:])
    return build_parser().parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return run(parse(sys.argv[1:] if argv is None else argv))


def run(args: argparse.Namespace) -> int:
    command = next(c for c in COMMANDS if args.command == c.NAME)
    try:
        return command.run(args)
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        # A file or directory the user named cannot be used: a reason, not a traceback.
        print(f"dmsctl {args.command}: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE


# Airflow configures its logging once per process, from this variable, when the provider
# hooks are first imported.
LOG_LEVEL = "AIRFLOW__LOGGING__LOGGING_LEVEL"


def console() -> None:
    """The installed `dmsctl`: a one-shot process, so Airflow's INFO lines ("Found
    credentials ...") are quieted for all of it, where they would bury the one line that
    says what went wrong, unless the command is run with --verbose. A user's own setting
    wins. `main()` leaves a long-lived caller's logging alone."""
    # Parsed before any command runs: Airflow reads the level when its hooks are imported.
    args = parse(sys.argv[1:])
    if not getattr(args, "verbose", False):
        os.environ.setdefault(LOG_LEVEL, "WARNING")
    sys.exit(run(args))


if __name__ == "__main__":
    console()

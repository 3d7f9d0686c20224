"""`dmsctl trigger`: run the `dms_deploy` DAG through the Airflow REST API and follow it.

For CI: exit 0 when the run succeeds, 1 when it fails (or is still going at --timeout),
2 when the API cannot be used (unreachable, refused credentials, unknown run).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from dms_deploy.airflow_follow import RunFollower, state_of, ti_key
from dms_deploy.commands.common import EXIT_FAIL, EXIT_OK, EXIT_UNUSABLE

if TYPE_CHECKING:
    from airflow_client.client import TaskInstanceResponse

    from dms_deploy.airflow_api import AirflowApi

NAME = "trigger"
DAG_ID = "dms_deploy"


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        NAME,
        help="trigger the dms_deploy DAG through the Airflow REST API and follow the run",
        description="Trigger dms_deploy (or clear a failed run's steps) and follow the run, "
        "printing each task's state, the plan and the outcome. Exit 0 on success, 1 on "
        "failure, 2 when the API cannot be used.",
    )
    env = os.environ.get
    api = parser.add_argument_group("Airflow API (flags override the environment)")
    api.add_argument(
        "--api-url",
        default=env("AIRFLOW_API_URL", "http://localhost:8080"),
        help="base URL of the API server (default: $AIRFLOW_API_URL or http://localhost:8080)",
    )
    api.add_argument("--username", default=env("AIRFLOW_USERNAME"), help="($AIRFLOW_USERNAME)")
    api.add_argument("--password", default=env("AIRFLOW_PASSWORD"), help="($AIRFLOW_PASSWORD)")
    api.add_argument(
        "--token", default=env("AIRFLOW_API_TOKEN"), help="a JWT instead ($AIRFLOW_API_TOKEN)"
    )
    run = parser.add_argument_group("the run")
    run.add_argument(
        "--git-sha",
        default=env("GITHUB_SHA", ""),
        help="the commit being deployed, recorded in the run (default: $GITHUB_SHA)",
    )
    run.add_argument(
        "--note", help="a note on the new run, shown in the Airflow UI (e.g. a pull request URL)"
    )
    run.add_argument("--dry-run", action="store_true", help="plan only, deploy nothing")
    run.add_argument("--teams", help='"all" (default) or a comma-separated list of teams')
    run.add_argument(
        "--allow-disruptive",
        action="store_true",
        help="with --plan-digest of `dmsctl plan --allow-disruptive`: the task replacements "
        "and deletions were reviewed, so approve_plan does not wait for an approver",
    )
    run.add_argument(
        "--plan-digest",
        help="deploy only if the plan is still this one (the digest `dmsctl plan` printed "
        "for review); otherwise check_state fails and nothing changes",
    )
    run.add_argument(
        "--env",
        metavar="NAME",
        help="the environment of environments.json to deploy (its Airflow deploys through "
        "that environment's connection)",
    )
    run.add_argument(
        "--rehearse",
        action="store_true",
        help="after the deploy, rehearse it (changed tasks run, CDC latency holds for the "
        "soak window); a failed rehearsal fails the run, so do not promote",
    )
    run.add_argument(
        "--clear-failed",
        metavar="RUN_ID",
        help="instead of a new run: clear this run's failed steps (with their downstream) "
        "and follow the rerun",
    )
    run.add_argument(
        "--unpause", action="store_true", help="unpause the DAG if it is paused in Airflow"
    )
    follow = parser.add_argument_group("following")
    follow.add_argument(
        "--wait",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="follow the run to its end (default) or return once it is queued",
    )
    follow.add_argument(
        "--verbose",
        action="store_true",
        help="print every task's state, also tasks not scheduled yet, and every check "
        "of the plan, also those that passed",
    )
    follow.add_argument(
        "--timeout", type=float, default=7200, help="seconds to follow the run (default 7200)"
    )
    follow.add_argument(
        "--poll-interval", type=float, default=5, help="seconds between polls (default 5)"
    )
    follow.add_argument(
        "--request-timeout", type=float, default=30, help="seconds per API request (default 30)"
    )


def run_conf(args: argparse.Namespace) -> dict[str, Any]:
    """The run's `conf`, which the DAG validates against its params."""
    conf: dict[str, Any] = {
        "dry_run": bool(args.dry_run),
        "allow_disruptive": bool(args.allow_disruptive),
    }
    if args.git_sha:
        conf["git_sha"] = args.git_sha
    if args.teams:
        conf["teams"] = args.teams
    if args.plan_digest:
        conf["plan_digest"] = args.plan_digest
    if args.env:
        conf["environment"] = args.env
    if args.rehearse:
        conf["rehearse"] = True
    return conf


def fail(reason: str) -> int:
    print(f"dmsctl trigger: {reason}", file=sys.stderr)
    return EXIT_UNUSABLE


def run(args: argparse.Namespace) -> int:
    if not args.token and not (args.username and args.password):
        return fail("set AIRFLOW_API_TOKEN, or AIRFLOW_USERNAME and AIRFLOW_PASSWORD")
    if args.clear_failed and (args.dry_run or args.teams or args.allow_disruptive or args.note):
        # A rerun keeps the params of the run it clears.
        return fail("--dry-run, --teams, --allow-disruptive and --note apply to a new run only")
    # Imported here: the official client takes ~0.9 s to import, which every `dmsctl` call
    # would pay.
    from dms_deploy.airflow_api import AirflowApi, AirflowApiError, NotFoundError

    api = AirflowApi(
        args.api_url,
        token=args.token,
        username=args.username,
        password=args.password,
        timeout=args.request_timeout,
    )
    try:
        with api:
            return _run(api, args)
    except NotFoundError as exc:
        return fail(f"{exc} (is the DAG parsed and the run id right?)")
    except AirflowApiError as exc:
        return fail(str(exc))


def _run(api: AirflowApi, args: argparse.Namespace) -> int:
    if api.get_dag(DAG_ID).is_paused:
        if not args.unpause:
            return fail(f"{DAG_ID} is paused in Airflow: unpause it in the UI, or pass --unpause")
        api.unpause(DAG_ID)
        print(f"unpaused {DAG_ID}")
    if args.clear_failed:
        follower = RunFollower(
            api,
            DAG_ID,
            args.clear_failed,
            poll_seconds=args.poll_interval,
            verbose=args.verbose,
        )
        status = _clear_failed(follower)
        if status is not None:
            return status
    else:
        conf = run_conf(args)
        run_id = api.trigger(DAG_ID, conf, note=args.note).dag_run_id
        print(f"triggered {DAG_ID} run {run_id} with conf {conf}", flush=True)
        follower = RunFollower(
            api, DAG_ID, run_id, poll_seconds=args.poll_interval, verbose=args.verbose
        )
    print(f"follow it at {api.base_url}/dags/{DAG_ID}/runs/{follower.run_id}", flush=True)
    if not args.wait:
        return EXIT_OK
    return _outcome(follower, *follower.follow(args.timeout), args.timeout)


def _clear_failed(follower: RunFollower) -> int | None:
    """Clear the run's failed task instances; an exit code when there is nothing to do.

    A run can fail with no task left `failed`, only `upstream_failed` ones: the failed task
    was marked success or cleared on its own since. Those are then cleared, and Airflow
    clears their setups with them, so the steps that never ran run now.
    """
    _, tis = follower.poll()
    failed = [ti for ti in tis if state_of(ti) == "failed"] or [
        ti for ti in tis if state_of(ti) == "upstream_failed"
    ]
    if not failed:
        return fail(
            f"run {follower.run_id} has no failed task to clear, nor one that is "
            "upstream_failed: start a new run instead"
        )
    # A mapped task is named with its map index, so only the failed team's step reruns.
    task_ids: list[str | list[str | int]] = [
        [task_id, index] if index >= 0 else task_id for task_id, index in map(ti_key, failed)
    ]
    cleared = follower.api.clear_task_instances(DAG_ID, follower.run_id, task_ids)
    kind = state_of(failed[0])
    print(f"cleared {len(cleared)} task instances of run {follower.run_id} ({kind} and after)")
    return None


def _outcome(
    follower: RunFollower, state: str, tis: list[TaskInstanceResponse], timeout: float
) -> int:
    if state == "success":
        print(f"run {follower.run_id} succeeded")
        return EXIT_OK
    if state != "failed":
        print(f"run {follower.run_id} is still {state} after {timeout:g} s; stopped following")
        return EXIT_FAIL
    follower.report_failures(tis)
    print(f"run {follower.run_id} failed")
    print(f"after fixing the cause: dmsctl trigger --clear-failed {follower.run_id}")
    return EXIT_FAIL

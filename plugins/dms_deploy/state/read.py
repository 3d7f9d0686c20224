"""Read live AWS state for a plan, read-only and with few calls.

Calls (each paginated): one ListStacks, one GetTemplate per stack of ours, one ListExports,
ListImports only for each export the plan would remove or change,
DescribeReplicationTasks (scales with tasks, not tables), DescribeTableStatistics only for
the tasks the plan would stop, one delimiter listing of `<folder>/data/` for every "is this
folder empty" question, and ValidateTemplate per template body the plan deploys.

It reads in two phases: the first reading gives a preliminary plan, which says which tasks
would stop, which folders would load, and which bodies would deploy; the second reads just
those.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from botocore.exceptions import ClientError

from dms_deploy.plan.analysis import Desired, analyse, base_in_plan, diff_base_stack, in_scope
from dms_deploy.plan.exports_in_use import changing_exports
from dms_deploy.plan.make import make_plan
from dms_deploy.plan.model import Plan
from dms_deploy.plan.templates import digest, fits_inline
from dms_deploy.render.stacks import BASE_TEAM, team_stack_name
from dms_deploy.state.clients import AwsClients
from dms_deploy.state.model import (
    FolderListing,
    ObservedStack,
    ObservedState,
    ObservedTask,
    TableStat,
)

# Every status except DELETE_COMPLETE: a deleted stack is one that does not exist.
LIVE_STACK_STATUSES = [
    "CREATE_IN_PROGRESS", "CREATE_FAILED", "CREATE_COMPLETE",
    "ROLLBACK_IN_PROGRESS", "ROLLBACK_FAILED", "ROLLBACK_COMPLETE",
    "DELETE_IN_PROGRESS", "DELETE_FAILED",
    "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_COMPLETE",
    "UPDATE_FAILED", "UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_FAILED",
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE",
    "REVIEW_IN_PROGRESS",
    "IMPORT_IN_PROGRESS", "IMPORT_COMPLETE", "IMPORT_ROLLBACK_IN_PROGRESS",
    "IMPORT_ROLLBACK_FAILED", "IMPORT_ROLLBACK_COMPLETE",
]  # fmt: skip

# Page sizes: the largest each API allows.
_DMS_PAGE = 100
_STATS_PAGE = 500


def read_state(
    desired: Desired,
    clients: AwsClients,
    teams: Iterable[str] | None = None,
    validate: bool = True,
    account_id: str | None = None,
    region: str | None = None,
) -> ObservedState:
    """Everything the planner needs to know about AWS, for the stacks in scope.

    `account_id` is the account the credentials belong to, already asked of STS, and
    `region` the one the clients call."""
    scope = frozenset(teams) if teams is not None else None
    observed = ObservedState(
        account_id=account_id,
        region=region,
        stacks=read_stacks(clients.cloudformation, _stack_filter(desired, scope)),
        exports=read_exports(clients.cloudformation),
        tasks=read_tasks(clients.dms),
    )
    if desired.configs is None:
        return observed
    if not in_scope(BASE_TEAM, scope) and base_in_plan(diff_base_stack(desired, observed), scope):
        # The changed base stack joins the plan, and it restarts tasks of every team.
        observed = replace(
            observed,
            stacks=read_stacks(
                clients.cloudformation, _stack_filter(desired, None), known=observed.stacks
            ),
        )
    analysis = analyse(desired, observed, scope)
    preliminary = make_plan(desired, observed, teams=scope, analysis=analysis)
    bucket_folder = desired.configs.base.bucket_folder
    changing = changing_exports(analysis)
    return replace(
        observed,
        imports=read_imports(clients.cloudformation, changing) if changing else None,
        table_stats=read_table_stats(clients.dms, observed, _tasks_to_stop(preliminary)),
        folders=read_folders(
            clients.s3, desired.configs.base.bucket, bucket_folder, _first_loads(preliminary)
        ),
        validation=validate_bodies(clients.cloudformation, _bodies(preliminary))
        if validate
        else {},
    )


def _stack_filter(desired: Desired, scope: frozenset[str] | None):
    """Which listed stacks to read the template of: the base stack and team stacks in scope.

    With the base stack in scope, every team stack is read: a changed target endpoint
    restarts tasks of any team.
    """
    base = desired.base_stack_name
    team_prefix = team_stack_name("")

    def wanted(name: str) -> bool:
        if name == base:
            return True
        if not name.startswith(team_prefix):
            return False
        return in_scope(BASE_TEAM, scope) or in_scope(name.removeprefix(team_prefix), scope)

    return wanted


def read_stacks(
    cfn: Any, wanted, known: dict[str, ObservedStack] | None = None
) -> dict[str, ObservedStack]:
    """The wanted stacks with their templates; a template already in `known` is reused."""
    known = known or {}
    stacks = {}
    paginator = cfn.get_paginator("list_stacks")
    for page in paginator.paginate(StackStatusFilter=LIVE_STACK_STATUSES):
        for summary in page.get("StackSummaries", []):
            name = summary["StackName"]
            if wanted(name):
                stacks[name] = ObservedStack(name, summary["StackStatus"])
    return {
        name: known[name]
        if name in known and known[name].status == stack.status
        else replace(stack, template_body=_template(cfn, name))
        for name, stack in stacks.items()
    }


def _template(cfn: Any, name: str) -> str | None:
    try:
        body = cfn.get_template(StackName=name, TemplateStage="Original").get("TemplateBody")
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    # boto3 hands back a JSON template already parsed; keep text, as the model promises.
    return body if isinstance(body, str) or body is None else json.dumps(body)


def read_exports(cfn: Any) -> dict[str, str]:
    exports = {}
    for page in cfn.get_paginator("list_exports").paginate():
        for export in page.get("Exports", []):
            exports[export["Name"]] = export["Value"]
    return exports


def read_imports(cfn: Any, export_names: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Export name -> the stacks importing it. ListImports answers an export that nobody
    imports with a ValidationError ("... is not imported by any stack"):
    https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListImports.html
    """
    found: dict[str, tuple[str, ...]] = {}
    paginator = cfn.get_paginator("list_imports")
    for name in sorted(export_names):
        stacks: list[str] = []
        try:
            for page in paginator.paginate(ExportName=name):
                stacks += page.get("Imports", [])
        except ClientError as exc:
            error = exc.response.get("Error", {})
            if error.get("Code") != "ValidationError" or "not imported" not in str(
                error.get("Message", "")
            ):
                raise
        found[name] = tuple(sorted(stacks))
    return found


def read_tasks(dms: Any) -> dict[str, ObservedTask]:
    tasks = {}
    paginator = dms.get_paginator("describe_replication_tasks")
    try:
        for page in paginator.paginate(
            WithoutSettings=False, PaginationConfig={"PageSize": _DMS_PAGE}
        ):
            for task in page.get("ReplicationTasks", []):
                ident = task["ReplicationTaskIdentifier"]
                tasks[ident] = ObservedTask(
                    identifier=ident,
                    arn=task["ReplicationTaskArn"],
                    status=task["Status"],
                    table_mappings=task.get("TableMappings"),
                    migration_type=task.get("MigrationType"),
                    stop_reason=task.get("StopReason"),
                    started=task.get("ReplicationTaskStartDate") is not None,
                    settings=task.get("ReplicationTaskSettings"),
                )
    except ClientError as exc:
        # DMS answers "no tasks" with a fault instead of an empty list.
        if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundFault":
            raise
    return tasks


def read_table_stats(
    dms: Any, observed: ObservedState, task_ids: Iterable[str]
) -> dict[str, tuple[TableStat, ...]]:
    stats = {}
    paginator = dms.get_paginator("describe_table_statistics")
    for ident in task_ids:
        arn = observed.tasks[ident].arn
        found = []
        for page in paginator.paginate(
            ReplicationTaskArn=arn, PaginationConfig={"PageSize": _STATS_PAGE}
        ):
            found += [
                TableStat(s["SchemaName"], s["TableName"], s["TableState"])
                for s in page.get("TableStatistics", [])
            ]
        stats[ident] = tuple(found)
    return stats


def read_folders(
    s3: Any, bucket: str, bucket_folder: str, folders: list[str]
) -> FolderListing | None:
    """Which of the folders hold objects, from one delimiter listing of `data/`.

    The listing is narrowed to the folders' common prefix: the answer is the same, and a
    few new tables among thousands cost one page instead of one page per thousand.
    """
    if not folders:
        return None
    common = os.path.commonprefix(folders)  # noqa: RUF071 - character-wise is the point
    data = f"{bucket_folder.strip('/')}/data/" if bucket_folder.strip("/") else "data/"
    nonempty = set()
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=data + common, Delimiter="/"):
        for prefix in page.get("CommonPrefixes", []):
            nonempty.add(prefix["Prefix"][len(data) :].rstrip("/"))
    return FolderListing(common, frozenset(nonempty))


def validate_bodies(cfn: Any, bodies: Iterable[str]) -> dict[str, str]:
    """ValidateTemplate of each body that fits inline. A larger body would need an S3 URL,
    which a read-only plan does not write; cfn-lint still checks it, and the online DMS003
    says so in a warning."""
    results = {}
    for body in bodies:
        if not fits_inline(body):
            continue
        try:
            cfn.validate_template(TemplateBody=body)
            results[digest(body)] = ""
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ValidationError":
                raise
            results[digest(body)] = exc.response["Error"].get("Message", str(exc))
    return results


def _tasks_to_stop(plan: Plan) -> list[str]:
    return sorted({t for step in plan.steps for t in step.pause})


def _first_loads(plan: Plan) -> list[str]:
    return sorted({f for change in plan.changes for f in change.first_loads})


def _bodies(plan: Plan) -> list[str]:
    return list(dict.fromkeys(s.body for step in plan.steps for s in step.stacks if s.body))

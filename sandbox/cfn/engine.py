"""Timed CloudFormation stack operations, rollbacks, change sets and exports over moto.

Stack statuses and events follow:
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/view-stack-events.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-changesets.html

Resources change when the operation starts (moto applies them synchronously); the stack stays
``*_IN_PROGRESS`` for a scaled duration and the completing events appear when it ends. An
update that AWS would refuse (a running task, an injected fault) is detected before anything
changes, so the rollback leaves the old resources exactly as they were.
"""

from __future__ import annotations

import contextlib
import itertools
import uuid
from collections.abc import Callable
from typing import Any

from botocore import xform_name
from moto.cloudformation import parsing
from moto.cloudformation.exceptions import CloudFormationError, ValidationError
from moto.cloudformation.models import CloudFormationBackend, Event, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow

from sandbox import clock as durations
from sandbox.cfn import changes as change_sets
from sandbox.cfn import exports
from sandbox.cfn.dms_resources import DMS_RESOURCE_TYPES, DmsResource
from sandbox.state import STATE

_operations = itertools.count(1)
_original: dict[str, Callable[..., Any]] = {}


class InvalidChangeSetStatus(CloudFormationError):
    code = "InvalidChangeSetStatus"


class _Shape:
    """A dict seen as an object: moto's serializer reads attributes named after the model."""

    def __init__(self, data: dict[str, Any]) -> None:
        for key, value in data.items():
            if isinstance(value, dict):
                value = _Shape(value)
            elif isinstance(value, list):
                value = [_Shape(v) if isinstance(v, dict) else v for v in value]
            setattr(self, key, value)
            setattr(self, xform_name(key), value)


def _event(
    stack: Stack,
    logical_id: str,
    physical_id: str | None,
    rtype: str,
    status: str,
    reason: str | None = None,
) -> None:
    if logical_id != stack.name:
        # Each resource has its own status, as DescribeStackResources shows it.
        resource_status(stack)[logical_id] = status
    stack.events.append(
        Event(
            stack_id=stack.stack_id,
            stack_name=stack.name,
            logical_resource_id=logical_id,
            physical_resource_id=physical_id or "",
            resource_type=rtype,
            resource_status=status,
            resource_status_reason=reason,
            resource_properties=None,
        )
    )


def resource_status(stack: Stack) -> dict[str, str]:
    if not hasattr(stack, "sandbox_resource_status"):
        stack.sandbox_resource_status = {}
    return stack.sandbox_resource_status  # type: ignore[no-any-return]


def _stack_event(stack: Stack, status: str, reason: str | None = None) -> None:
    _event(stack, stack.name, stack.stack_id, "AWS::CloudFormation::Stack", status, reason)
    stack.status = status
    stack.status_reason = reason


def _schedule(stack: Stack, phases: list[tuple[float, Callable[[float], None]]]) -> None:
    """Run ``phases`` one after another, each ``delay`` AWS seconds after the previous one.

    Each phase schedules the next when it runs, so a held stack (``hold_stack`` fault) simply
    waits at its current phase, still ``*_IN_PROGRESS``, and resumes where it stood.
    """
    operation = next(_operations)
    stack.sandbox_operation = operation
    stack.sandbox_phases = list(phases)
    _arm(stack, operation, 0, STATE.clock.now())


def _arm(stack: Stack, operation: int, index: int, previous: float) -> None:
    phases = stack.sandbox_phases
    if index >= len(phases):
        return

    def run(at: float) -> None:
        if getattr(stack, "sandbox_operation", None) != operation:
            return  # superseded (a delete) or finished at once (bootstrap)
        if stack.name in STATE.faults.held_stacks:
            # Like hold_full_load: look again a little later, keeping the stack in progress.
            STATE.clock.at(STATE.clock.now() + max(STATE.clock.scaled(1.0), 0.001), run)
            return
        phases[index][1](at)
        _arm(stack, operation, index + 1, at)

    STATE.clock.at(previous + STATE.clock.scaled(phases[index][0]), run)


def _then(stack: Stack, action: Callable[[float], None]) -> None:
    """Run ``action`` right after the last phase of the stack's current operation."""
    stack.sandbox_phases.append((0.0, action))


def finish_now(stack: Stack) -> None:
    """Complete a stack's pending operation immediately (used by the bootstrap)."""
    phases = getattr(stack, "sandbox_phases", [])
    stack.sandbox_operation = None
    now = STATE.clock.now()
    for _, action in phases:
        action(now)
    stack.sandbox_phases = []


def _physical_ids(stack: Stack) -> dict[str, str]:
    ids = {}
    for name, resource in stack.resource_map._parsed_resources.items():
        if hasattr(resource, "physical_resource_id") and hasattr(resource, "logical_resource_id"):
            ids[name] = resource.physical_resource_id
    return ids


def _resource_rows(stack: Stack) -> list[tuple[str, str, str]]:
    rows = []
    for name in change_sets.dependency_order(stack.template_dict.get("Resources") or {}):
        resource = stack.resource_map._parsed_resources.get(name)
        rtype = stack.template_dict["Resources"][name].get("Type", "")
        rows.append((name, getattr(resource, "physical_resource_id", ""), rtype))
    return rows


def _register_exports(backend: CloudFormationBackend, stack: Stack) -> None:
    for name in [n for n, e in backend.exports.items() if e.exporting_stack_id == stack.stack_id]:
        del backend.exports[name]
    for export in stack.exports:
        backend.exports[export.name] = export


# AWS refuses to update a stack that failed to roll back or to delete; only a delete (or
# ContinueUpdateRollback, for UPDATE_ROLLBACK_FAILED) gets it out of that state.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html#troubleshooting-errors-update-rollback-failed
_NOT_UPDATABLE = frozenset(
    {"UPDATE_ROLLBACK_FAILED", "ROLLBACK_FAILED", "DELETE_FAILED", "IMPORT_ROLLBACK_FAILED"}
)


def _check_not_busy(stack: Stack) -> None:
    busy = stack.status.endswith("_IN_PROGRESS") and stack.status != "REVIEW_IN_PROGRESS"
    if busy or stack.status in _NOT_UPDATABLE:
        raise ValidationError(
            stack.stack_id,
            message=f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated.",
        )


# --- create -----------------------------------------------------------------------------------


def create_stack(
    self: CloudFormationBackend,
    name: str,
    template: str,
    parameters: dict[str, Any],
    *args: Any,
    **kwargs: Any,
) -> Stack:
    try:
        stack = _original["create_stack"](self, name, template, parameters, *args, **kwargs)
    except CloudFormationError:
        raise
    except Exception as exc:
        stack = next((s for s in self.stacks.values() if s.name == name), None)
        if stack is None:
            raise
        _fail_create(self, stack, exc)
        return stack
    # moto completed synchronously; present the creation as in progress until it is done.
    stack.events = [e for e in stack.events if e.resource_status != "CREATE_COMPLETE"]
    stack.status = "CREATE_IN_PROGRESS"
    _schedule_create_complete(self, stack)
    return stack


def _schedule_create_complete(backend: CloudFormationBackend, stack: Stack) -> None:
    def resources_done(_: float) -> None:
        for logical_id, physical_id, rtype in _resource_rows(stack):
            _event(stack, logical_id, None, rtype, "CREATE_IN_PROGRESS")
            _event(
                stack,
                logical_id,
                physical_id,
                rtype,
                "CREATE_IN_PROGRESS",
                "Resource creation Initiated",
            )
            _event(stack, logical_id, physical_id, rtype, "CREATE_COMPLETE")

    def complete(_: float) -> None:
        _register_exports(backend, stack)
        _stack_event(stack, "CREATE_COMPLETE")

    _schedule(
        stack,
        [
            (durations.STACK_OPERATION * 0.8, resources_done),
            (durations.STACK_OPERATION * 0.2, complete),
        ],
    )


def _fail_create(backend: CloudFormationBackend, stack: Stack, exc: Exception) -> None:
    reason = f'Resource handler returned message: "{exc}"'
    stack.status = "CREATE_IN_PROGRESS"
    for export in stack.exports if stack.output_map._output_json_map else []:
        backend.exports.pop(export.name, None)

    def failed(_: float) -> None:
        _event(
            stack, stack.name, stack.stack_id, "AWS::CloudFormation::Stack", "CREATE_FAILED", reason
        )
        _stack_event(
            stack,
            "ROLLBACK_IN_PROGRESS",
            "The following resource(s) failed to create. Rollback requested by user.",
        )

    def rolled_back(_: float) -> None:
        with contextlib.suppress(Exception):
            stack.resource_map.delete()
        _stack_event(stack, "ROLLBACK_COMPLETE")

    _schedule(
        stack, [(durations.STACK_OPERATION / 2, failed), (durations.STACK_ROLLBACK, rolled_back)]
    )


# --- update -----------------------------------------------------------------------------------


def _handler_message(code: str, message: str) -> str:
    # The shape of a registry resource handler failure in a stack event.
    return (
        f'Resource handler returned message: "{message} (Service: DatabaseMigration, '
        f'Status Code: 400, Error Code: {code}, Request ID: {uuid.uuid4()})" '
        f"(RequestToken: {uuid.uuid4()}, HandlerErrorCode: InvalidRequest)"
    )


def _precheck(stack: Stack, rows: list[dict[str, Any]]) -> tuple[str, str, str] | None:
    for row in rows:
        cls = DMS_RESOURCE_TYPES.get(row["ResourceType"])
        if cls is None or row["Action"] != "Modify":
            continue
        original = stack.resource_map._parsed_resources.get(row["LogicalResourceId"])
        if original is None:
            continue
        refusal = cls.precheck_update(original, row.get("Replacement") == "True")
        if refusal:
            code, message = refusal
            return row["LogicalResourceId"], row["ResourceType"], _handler_message(code, message)
    return None


def run_update(
    backend: CloudFormationBackend,
    stack: Stack,
    template: str,
    parameters: dict[str, Any],
    rows: list[dict[str, Any]],
    role_arn: str | None = None,
    tags: dict[str, str] | None = None,
) -> None:
    _check_not_busy(stack)
    creating = stack.status == "REVIEW_IN_PROGRESS"
    verb = "CREATE" if creating else "UPDATE"
    _stack_event(stack, f"{verb}_IN_PROGRESS", "User Initiated")
    if not creating:
        # DescribeStacks' LastUpdatedTime: when the stack was last updated.
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Stack.html
        stack.last_updated_time = utcnow()

    refusal = None
    injected = STATE.faults.take_failed_stack_update(stack.name)
    rollback_failure = None if creating else STATE.faults.take_failed_rollback(stack.name)
    first = (
        rows[0]
        if rows
        else {"LogicalResourceId": stack.name, "ResourceType": "AWS::CloudFormation::Stack"}
    )
    if injected and not creating:
        refusal = (first["LogicalResourceId"], first["ResourceType"], injected)
    elif not creating:
        refusal = _precheck(stack, rows)
    if refusal is None and rollback_failure is not None:
        # fail_rollback: the update itself must fail for a rollback to happen at all.
        refusal = (first["LogicalResourceId"], first["ResourceType"], "Injected failure")
    if refusal is None and not creating:
        conflict = exports.update_conflict(
            stack, backend, Stack.parse_template(template), parameters or {}, rows
        )
        if conflict:
            refusal = (stack.name, "AWS::CloudFormation::Stack", conflict)
    if refusal is None:
        new_dict = Stack.parse_template(template)
        ordered = dict(
            sorted(
                (new_dict.get("Resources") or {}).items(),
                key=lambda kv: change_sets.dependency_order(new_dict["Resources"]).index(kv[0]),
            )
        )
        new_dict["Resources"] = ordered
        # moto gives a stack made by a CREATE change set no view of the account's exports,
        # so Fn::ImportValue would fail; AWS resolves imports account-wide.
        stack.cross_stack_resources = backend.exports
        stack.resource_map.cross_stack_resources = backend.exports
        # moto swaps in the new template and parameters before it can fail; a rollback must
        # leave the stack's template and parameters exactly as they were (no phantom
        # parameter that breaks every later update).
        saved = {
            k: (v.copy() if isinstance(v, dict | list) else v)
            for k, v in vars(stack.resource_map).items()
        }
        try:
            stack.resource_map.update(new_dict, parameters or None)
        except Exception as exc:  # a failure moto raised midway: report it, as AWS would
            vars(stack.resource_map).update(saved)
            refusal = (stack.name, "AWS::CloudFormation::Stack", f"{exc}")
    if refusal is not None:
        _schedule_rollback(stack, verb, *refusal, rollback_failure=rollback_failure)
        return

    stack.template = template
    stack._parse_template()
    stack.description = stack.template_dict.get("Description")
    if parameters:
        stack.parameters = parameters
    if role_arn:
        stack.role_arn = role_arn
    if tags is not None:
        stack.tags = tags
    stack.output_map = stack._create_output_map()
    _register_exports(backend, stack)

    def resources_done(_: float) -> None:
        physical = _physical_ids(stack)
        for row in rows:
            name, rtype = row["LogicalResourceId"], row["ResourceType"]
            if row["Action"] == "Add":
                _event(stack, name, physical.get(name), rtype, "CREATE_IN_PROGRESS")
                _event(stack, name, physical.get(name), rtype, "CREATE_COMPLETE")
            elif row["Action"] == "Modify":
                reason = (
                    "Requested update requires the creation of a new physical resource; "
                    "hence creating one."
                    if row.get("Replacement") == "True"
                    else None
                )
                _event(stack, name, physical.get(name), rtype, "UPDATE_IN_PROGRESS", reason)
                _event(stack, name, physical.get(name), rtype, "UPDATE_COMPLETE")

    def cleanup(_: float) -> None:
        _stack_event(
            stack, f"{verb}_COMPLETE_CLEANUP_IN_PROGRESS" if not creating else "CREATE_IN_PROGRESS"
        )
        for row in rows:
            if row["Action"] == "Remove" or row.get("Replacement") == "True":
                _event(
                    stack,
                    row["LogicalResourceId"],
                    row.get("PhysicalResourceId"),
                    row["ResourceType"],
                    "DELETE_COMPLETE",
                )

    def complete(_: float) -> None:
        _stack_event(stack, f"{verb}_COMPLETE")

    _schedule(
        stack,
        [
            (durations.STACK_OPERATION * 0.7, resources_done),
            (durations.STACK_OPERATION * 0.2, cleanup),
            (durations.STACK_OPERATION * 0.1, complete),
        ],
    )


def _schedule_rollback(
    stack: Stack,
    verb: str,
    logical_id: str,
    rtype: str,
    reason: str,
    rollback_failure: str | None = None,
) -> None:
    physical = _physical_ids(stack).get(logical_id)

    def failed(_: float) -> None:
        if verb == "CREATE":
            _event(stack, logical_id, physical, rtype, "CREATE_FAILED", reason)
            _stack_event(
                stack,
                "ROLLBACK_IN_PROGRESS",
                f"The following resource(s) failed to create: [{logical_id}]. "
                "Rollback requested by user.",
            )
            return
        if logical_id == stack.name:
            # A stack-level refusal (an export in use): the rollback names the reason.
            _stack_event(stack, "UPDATE_ROLLBACK_IN_PROGRESS", f"Update canceled. {reason}")
            return
        _event(stack, logical_id, physical, rtype, "UPDATE_IN_PROGRESS")
        _event(stack, logical_id, physical, rtype, "UPDATE_FAILED", reason)
        _stack_event(
            stack,
            "UPDATE_ROLLBACK_IN_PROGRESS",
            f"The following resource(s) failed to update: [{logical_id}]. ",
        )

    def rolled_back(_: float) -> None:
        if verb == "CREATE":
            _stack_event(stack, "ROLLBACK_COMPLETE")
            return
        if rollback_failure is not None:
            # The rollback's own update of the resource fails: the stack is stuck until
            # ContinueUpdateRollback (or a delete), as in AWS's troubleshooting guide.
            _event(stack, logical_id, physical, rtype, "UPDATE_FAILED", rollback_failure)
            _stack_event(
                stack,
                "UPDATE_ROLLBACK_FAILED",
                f"The following resource(s) failed to update: [{logical_id}]. ",
            )
            return
        _stack_event(stack, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
        _stack_event(stack, "UPDATE_ROLLBACK_COMPLETE")

    _schedule(
        stack, [(durations.STACK_OPERATION / 2, failed), (durations.STACK_ROLLBACK, rolled_back)]
    )


def continue_update_rollback(
    self: CloudFormationBackend, stack_name: str, resources_to_skip: list[str]
) -> None:
    """ContinueUpdateRollback: UPDATE_ROLLBACK_FAILED -> UPDATE_ROLLBACK_COMPLETE.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ContinueUpdateRollback.html
    """
    stack = self.get_stack(stack_name)
    if stack.status != "UPDATE_ROLLBACK_FAILED":
        raise ValidationError(
            stack.stack_id,
            message=f"Stack:{stack.stack_id} is in {stack.status} state and can not "
            "continue the update rollback.",
        )
    _stack_event(stack, "UPDATE_ROLLBACK_IN_PROGRESS", "User Initiated")

    def rolled_back(_: float) -> None:
        for logical_id in resources_to_skip:
            resource = stack.resource_map._parsed_resources.get(logical_id)
            rtype = (stack.template_dict.get("Resources") or {}).get(logical_id, {}).get("Type")
            _event(
                stack,
                logical_id,
                getattr(resource, "physical_resource_id", ""),
                rtype or "",
                "UPDATE_COMPLETE",
                "Resource skipped during UpdateRollback",
            )
        _stack_event(stack, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
        _stack_event(stack, "UPDATE_ROLLBACK_COMPLETE")

    _schedule(stack, [(durations.STACK_ROLLBACK, rolled_back)])


def _response_continue_update_rollback(self: CloudFormationResponse) -> Any:
    # moto has no ContinueUpdateRollback; its output shape is empty.
    self.cloudformation_backend.continue_update_rollback(
        self._get_param("StackName"), self._get_param("ResourcesToSkip", [])
    )
    return EmptyResult()


def _rows_for(stack: Stack, template: str, parameters: dict[str, Any]) -> list[dict[str, Any]]:
    new_dict = Stack.parse_template(template)
    return change_sets.compute(
        stack.template_dict or {},
        dict(stack.resource_map.resolved_parameters),
        new_dict,
        change_sets.template_parameters(new_dict, parameters),
        _physical_ids(stack),
    )


def _no_changes(
    stack: Stack, template: str, parameters: dict[str, Any], rows: list[dict[str, Any]]
) -> bool:
    new_dict = Stack.parse_template(template)
    return (
        not rows
        and (stack.template_dict or {}).get("Outputs") == new_dict.get("Outputs")
        and dict(stack.resource_map.resolved_parameters)
        == change_sets.template_parameters(new_dict, parameters)
    )


def update_stack(
    self: CloudFormationBackend,
    name: str,
    template: str,
    role_arn: str | None,
    parameters: list[dict[str, Any]],
    tags: dict[str, str] | None,
) -> Stack:
    stack = self.get_stack(name)
    _check_not_busy(stack)
    resolved = self._resolve_update_parameters(instance=stack, incoming_params=parameters)
    rows = _rows_for(stack, template, resolved)
    # New stack tags are an update too (they propagate to the resources).
    retagged = tags is not None and dict(tags) != dict(stack.tags or {})
    if not retagged and _no_changes(stack, template, resolved, rows):
        raise ValidationError(stack.stack_id, message="No updates are to be performed.")
    run_update(self, stack, template, resolved, rows, role_arn, tags)
    return stack


def delete_stack(self: CloudFormationBackend, name_or_stack_id: str) -> None:
    stack = next(
        (s for s in self.stacks.values() if name_or_stack_id in (s.name, s.stack_id)), None
    )
    if stack is None or stack.status == "DELETE_IN_PROGRESS":
        return
    stack.sandbox_operation = None
    _stack_event(stack, "DELETE_IN_PROGRESS", "User Initiated")

    in_use = exports.delete_conflict(self, stack)
    if in_use:

        def refused(_: float) -> None:
            _stack_event(stack, "DELETE_FAILED", in_use)

        _schedule(stack, [(durations.STACK_OPERATION / 2, refused)])
        return

    rows: list[tuple[str, str, str]] = []
    deleting: list[DmsResource] = []

    def resources_deleted(_: float) -> None:
        # CloudFormation reports a resource DELETE_COMPLETE only once it is really gone (a
        # task's "deleting" has ended), so resources are deleted well before the stack is.
        rows[:] = _resource_rows(stack)
        for logical_id, physical_id, rtype in reversed(rows):
            _event(stack, logical_id, physical_id, rtype, "DELETE_IN_PROGRESS")
            resource = stack.resource_map._parsed_resources.get(logical_id)
            if isinstance(resource, DmsResource):
                # Kept in the resource map (outputs still resolve until the stack is gone);
                # moto's delete at the end finds them already deleted.
                resource.destroy()
                deleting.append(resource)

    def deleted(_: float) -> None:
        for resource in deleting:
            resource.finish_delete()
        for logical_id, physical_id, rtype in reversed(rows):
            _event(stack, logical_id, physical_id, rtype, "DELETE_COMPLETE")
        seen = len(stack.events)
        _original["delete_stack"](self, stack.stack_id)
        # moto's delete writes its own stack DELETE_IN_PROGRESS: one is already there.
        stack.events[seen:] = [
            e
            for e in stack.events[seen:]
            if not (
                e.logical_resource_id == stack.name and e.resource_status == "DELETE_IN_PROGRESS"
            )
        ]

    _schedule(
        stack,
        [
            (durations.STACK_OPERATION / 2, resources_deleted),
            (durations.STACK_OPERATION / 2, deleted),
        ],
    )


# --- change sets ------------------------------------------------------------------------------


def create_change_set(
    self: CloudFormationBackend,
    stack_name: str,
    change_set_name: str,
    template: str,
    parameters: dict[str, str],
    description: str,
    change_set_type: str,
    *args: Any,
    **kwargs: Any,
) -> tuple[str, str]:
    change_set_id, stack_id = _original["create_change_set"](
        self,
        stack_name,
        change_set_name,
        template,
        parameters,
        description,
        change_set_type,
        *args,
        **kwargs,
    )
    change_set = self.change_sets[change_set_id]
    stack = self.stacks[stack_id]
    rows = _rows_for(stack, template, parameters)
    # Tags given in the request (moto sees {} either way): a change of the stack's tags alone
    # is a change; no Tags leaves the stack's tags as they are.
    change_set.sandbox_tags_given = _REQUEST["tags_given"]
    retagged = change_set.sandbox_tags_given and dict(change_set.tags or {}) != dict(
        stack.tags or {}
    )
    empty = (
        change_set_type == "UPDATE"
        and not retagged
        and _no_changes(stack, template, parameters, rows)
    )
    # moto's response wraps each entry as {Type: Resource, ResourceChange: entry}.
    change_set.changes = [_Shape(r) for r in rows]
    change_set.sandbox_rows = rows
    change_set.status = "CREATE_IN_PROGRESS"
    change_set.execution_status = "UNAVAILABLE"
    change_set.status_reason = None

    def created(_: float) -> None:
        if empty:
            change_set.status = "FAILED"
            change_set.status_reason = (
                "The submitted information didn't contain changes. "
                "Submit different information to create a change set."
            )
        else:
            change_set.status = "CREATE_COMPLETE"
            change_set.execution_status = "AVAILABLE"

    STATE.clock.after(durations.CHANGE_SET_CREATE, created)
    return change_set_id, stack_id


def execute_change_set(
    self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None
) -> None:
    change_set = self.change_sets.get(change_set_name) or next(
        (
            c
            for c in self.change_sets.values()
            if c.change_set_name == change_set_name
            and (stack_name is None or stack_name in (c.stack_name, c.stack_id))
        ),
        None,
    )
    if change_set is None:
        raise ValidationError(message=f"ChangeSet [{change_set_name}] does not exist")
    if change_set.status != "CREATE_COMPLETE" or change_set.execution_status != "AVAILABLE":
        raise InvalidChangeSetStatus(
            f"ChangeSet [{change_set.change_set_id}] cannot be executed in its current status "
            f"of [{change_set.status}]"
        )
    stack = self.stacks[change_set.stack_id]
    _check_not_busy(stack)
    parameters = change_set_parameters(stack, change_set)
    run_update(
        self,
        stack,
        change_set.template,
        parameters,
        change_set.sandbox_rows,
        change_set.role_arn,
        change_set.tags if change_set.sandbox_tags_given else None,
    )
    change_set.execution_status = "EXECUTE_IN_PROGRESS"

    def executed(_: float) -> None:
        failed = "ROLLBACK" in stack.status
        change_set.execution_status = "EXECUTE_FAILED" if failed else "EXECUTE_COMPLETE"

    _then(stack, executed)
    # AWS deletes the stack's other change sets once one is executed.
    for other_id in [
        cid
        for cid, c in self.change_sets.items()
        if c.stack_id == stack.stack_id and c is not change_set
    ]:
        del self.change_sets[other_id]


def change_set_parameters(stack: Stack, change_set: Any) -> dict[str, Any]:
    template = Stack.parse_template(change_set.template)
    return change_sets.template_parameters(template, change_set.parameters or {})


# What the backend cannot see of the request being served (requests are serialised).
_REQUEST: dict[str, Any] = {"tags_given": False}


def _response_create_change_set(self: CloudFormationResponse) -> Any:
    _REQUEST["tags_given"] = self._get_param("Tags") is not None
    # ChangeSetType defaults to UPDATE on AWS (moto defaults to CREATE).
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateChangeSet.html
    if not self._get_param("ChangeSetType"):
        self.params["ChangeSetType"] = "UPDATE"
    return _original["response_create_change_set"](self)


def _response_list_change_sets(self: CloudFormationResponse) -> ActionResult:
    # ListChangeSets lists the change sets of the named stack only.
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListChangeSets.html
    stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
    found = [
        c for c in self.cloudformation_backend.change_sets.values() if c.stack_id == stack.stack_id
    ]
    return ActionResult({"Summaries": found})


def _response_get_template(self: CloudFormationResponse) -> ActionResult:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_GetTemplate.html
    template = self.cloudformation_backend.get_template(self._get_param("StackName"))
    return ActionResult({"TemplateBody": template, "StagesAvailable": ["Original", "Processed"]})


def _response_list_stack_resources(self: CloudFormationResponse) -> ActionResult:
    stack, resources = self.cloudformation_backend.list_stack_resources(
        self._get_param("StackName")
    )
    statuses = resource_status(stack)
    summaries = []
    for resource in resources:
        logical_id = getattr(resource, "logical_resource_id", "")
        summaries.append(
            {
                "ResourceStatus": statuses.get(logical_id, "CREATE_COMPLETE"),
                "LogicalResourceId": logical_id,
                "LastUpdatedTimestamp": getattr(stack, "last_updated_time", stack.creation_time),
                "PhysicalResourceId": getattr(resource, "physical_resource_id", ""),
                "ResourceType": getattr(resource, "cf_resource_type", ""),
            }
        )
    return ActionResult({"StackResourceSummaries": summaries})


def _resource_dto(original: Callable[..., None]) -> Callable[..., None]:
    def init(self: Any, stack: Stack, resource: Any) -> None:
        original(self, stack, resource)
        self.resource_status = resource_status(stack).get(
            self.logical_resource_id or "", self.resource_status
        )

    return init


def _response_set_stack_policy(self: CloudFormationResponse) -> Any:
    # A policy URL is read like a template URL; its errors name StackPolicyURL.
    try:
        return _original["response_set_stack_policy"](self)
    except ValidationError as exc:
        message = str(getattr(exc, "message", exc)).replace("TemplateURL", "StackPolicyURL")
        raise ValidationError(message=message) from exc


# --- installation -----------------------------------------------------------------------------


def install() -> None:
    if _original:
        return
    original_map = parsing.get_model_map
    original_names = parsing.get_name_type_map

    def get_model_map() -> dict[str, Any]:
        return {**original_map(), **DMS_RESOURCE_TYPES}

    def get_name_type_map() -> dict[str, str]:
        names = dict(original_names())
        names.update({t: c.NAME_PROPERTY for t, c in DMS_RESOURCE_TYPES.items()})
        return names

    exports.install()
    parsing.get_model_map = get_model_map  # type: ignore[assignment]
    parsing.get_name_type_map = get_name_type_map  # type: ignore[assignment]
    for name in ("create_stack", "delete_stack", "create_change_set"):
        _original[name] = getattr(CloudFormationBackend, name)
    _original["response_create_change_set"] = CloudFormationResponse.create_change_set
    CloudFormationResponse.create_change_set = _response_create_change_set  # type: ignore[method-assign]
    from moto.cloudformation import responses as cfn_responses

    _original["response_set_stack_policy"] = CloudFormationResponse.set_stack_policy
    CloudFormationResponse.set_stack_policy = _response_set_stack_policy  # type: ignore[method-assign]
    CloudFormationResponse.list_change_sets = _response_list_change_sets  # type: ignore[method-assign]
    CloudFormationResponse.get_template = _response_get_template  # type: ignore[method-assign]
    CloudFormationResponse.list_stack_resources = _response_list_stack_resources  # type: ignore[method-assign]
    cfn_responses.StackResourceDTO.__init__ = _resource_dto(  # type: ignore[method-assign]
        cfn_responses.StackResourceDTO.__init__
    )
    CloudFormationBackend.create_stack = create_stack  # type: ignore[method-assign]
    CloudFormationBackend.update_stack = update_stack  # type: ignore[method-assign]
    CloudFormationBackend.delete_stack = delete_stack  # type: ignore[method-assign]
    CloudFormationBackend.create_change_set = create_change_set  # type: ignore[method-assign]
    CloudFormationBackend.execute_change_set = execute_change_set  # type: ignore[method-assign]
    CloudFormationBackend.continue_update_rollback = continue_update_rollback  # type: ignore[attr-defined]
    CloudFormationResponse.continue_update_rollback = _response_continue_update_rollback  # type: ignore[attr-defined]
    # An identical template makes a FAILED change set on AWS, not an error; the update path
    # raises "No updates are to be performed." itself.
    CloudFormationResponse._validate_different_update = (  # type: ignore[method-assign]
        lambda self, *args, **kwargs: None
    )
    Stack.status_reason = None  # type: ignore[attr-defined]

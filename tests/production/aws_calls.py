"""Which AWS API calls the code makes, found with `ast`, as IAM actions.

A call is `<client>.<operation>(...)`, `<client>.get_paginator("<operation>")` or
`<client>.get_waiter("<waiter>")`, where the operation is one of botocore's for a service the
code uses. An operation name two services share is resolved by the receiver's name
(`cfn.describe_events` vs `dms.describe_events`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import botocore.session
from botocore import xform_name

SERVICES = ("cloudformation", "dms", "s3", "cloudwatch")
# How a receiver names its service, for an operation two services share.
RECEIVER_HINTS = {
    "cloudformation": ("cfn", "cloudformation"),
    "dms": ("dms",),
    "s3": ("s3",),
    "cloudwatch": ("cloudwatch",),
}
# S3 authorises some operations under another action name.
S3_ACTIONS = {
    "ListObjectsV2": "ListBucket",
    "ListObjects": "ListBucket",
    "HeadBucket": "ListBucket",
    "HeadObject": "GetObject",
    "ListObjectVersions": "ListBucketVersions",
}


@cache
def operations() -> dict[str, dict[str, str]]:
    """snake_case method name -> {service: OperationName}."""
    session = botocore.session.get_session()
    found: dict[str, dict[str, str]] = {}
    for service in SERVICES:
        for operation in session.get_service_model(service).operation_names:
            found.setdefault(xform_name(operation), {})[service] = operation
    return found


@cache
def waiter_operations() -> dict[str, dict[str, str]]:
    """snake_case waiter name -> {service: the OperationName it polls}."""
    session = botocore.session.get_session()
    found: dict[str, dict[str, str]] = {}
    for service in SERVICES:
        try:
            model = session.get_waiter_model(service)
        except Exception:  # a service without waiters
            continue
        for name in model.waiter_names:
            operation = model.get_waiter(name).operation
            found.setdefault(xform_name(name), {})[service] = operation
    return found


def iam_action(service: str, operation: str) -> str:
    if service == "s3":
        operation = S3_ACTIONS.get(operation, operation)
    return f"{service}:{operation}"


def _resolve(candidates: dict[str, str], receiver: str, where: str) -> tuple[str, str]:
    if len(candidates) == 1:
        return next(iter(candidates.items()))
    lowered = receiver.lower()
    matching = [
        (service, operation)
        for service, operation in candidates.items()
        if any(hint in lowered for hint in RECEIVER_HINTS[service])
    ]
    if len(matching) != 1:
        raise ValueError(f"{where}: cannot tell which service `{receiver}` calls")
    return matching[0]


def calls_in(source: str, filename: str) -> set[str]:
    """The IAM actions of every AWS call in one module."""
    actions: set[str] = set()
    for node in ast.walk(ast.parse(source, filename)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method = node.func.attr
        receiver = ast.unparse(node.func.value)
        where = f"{filename}:{node.lineno}"
        literal = (
            node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else None
        )
        if method == "get_paginator" and isinstance(literal, str):
            candidates = operations().get(literal, {})
        elif method == "get_waiter" and isinstance(literal, str):
            candidates = waiter_operations().get(literal, {})
        else:
            candidates = operations().get(method, {})
        if candidates:
            actions.add(iam_action(*_resolve(candidates, receiver, where)))
    return actions


def actions_used(paths: Iterable[Path]) -> set[str]:
    """Every IAM action the Python files under these paths need."""
    actions: set[str] = set()
    for root in paths:
        files = [root] if root.is_file() else sorted(root.rglob("*.py"))
        for path in files:
            actions |= calls_in(path.read_text(encoding="utf-8"), str(path))
    return actions

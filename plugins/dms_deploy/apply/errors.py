"""Errors an apply step raises when it must stop safely."""


class ApplyError(Exception):
    """A step cannot go on without risk; the message says why, for the task log, and ends
    with what to do next where the operator that raises it does not add that itself."""


class PreconditionFailed(ApplyError):
    """Something changed since the plan was made (a full load started, a stack got busy)."""

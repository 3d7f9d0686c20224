"""Errors an apply step raises when it must stop safely."""


class ApplyError(Exception):
    """A step cannot go on without risk; the message says why, for the task log."""


class PreconditionFailed(ApplyError):
    """Something changed since the plan was made (a full load started, a stack got busy)."""

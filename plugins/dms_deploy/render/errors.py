"""The one error type rendering raises for a problem the user can act on."""


class RenderError(Exception):
    """A template or mapping cannot be produced; the message says why."""

"""Install the sandbox's extensions into moto (idempotent)."""

from __future__ import annotations


def install() -> None:
    from sandbox.cfn import engine, templates, validation
    from sandbox.dms import api

    api.install()
    engine.install()
    validation.install()
    # After the engine's response overrides, so the size limit is checked before them.
    templates.install()

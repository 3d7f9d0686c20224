"""Install the sandbox's extensions into moto (idempotent)."""

from __future__ import annotations


def install() -> None:
    from sandbox.cfn import engine
    from sandbox.dms import api

    api.install()
    engine.install()

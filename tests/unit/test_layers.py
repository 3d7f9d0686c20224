"""The core's imports flow one way: config <- render <- checks <- plan <- state/apply."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "plugins" / "dms_deploy"

# A module in the key may not import from any of the listed packages.
FORBIDDEN = {
    "config": ("render", "checks", "plan", "state", "apply", "operators"),
    "render": ("checks", "plan", "state", "apply", "operators"),
    "checks": ("plan", "state", "apply", "operators"),
    "plan": ("apply", "operators", "sensors", "triggers"),
}
# The finding type is the shared vocabulary of every layer that reports a problem.
SHARED = {"dms_deploy.checks.base"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_above_it(layer: str) -> None:
    bad = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for module in _imports(path) - SHARED:
            for above in FORBIDDEN[layer]:
                if module == f"dms_deploy.{above}" or module.startswith(f"dms_deploy.{above}."):
                    bad.append(f"{path.relative_to(PACKAGE)} imports {module}")
    assert not bad, "\n".join(bad)


def test_every_online_check_lives_under_plan_checks() -> None:
    offline = sorted(p.name for p in (PACKAGE / "checks").glob("dms1*.py"))
    online = sorted(p.name for p in (PACKAGE / "plan" / "checks").glob("dms1*.py"))
    assert offline == []
    assert [name[:6] for name in online] == [f"dms1{i:02d}" for i in range(1, 12)]

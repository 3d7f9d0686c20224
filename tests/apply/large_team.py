"""A copy of the example configs whose food team renders over CloudFormation's inline limit."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from dms_deploy.paths import REPO_ROOT
from dms_deploy.plan.templates import fits_inline

TEAM = "food"
STACK = "dms-food"
TASK = "foodsearch"


def write_large_configs(root: Path, extra_tables: int = 80) -> Path:
    """`dms_configs/` copied under `root`, with `extra_tables` more tables in food's
    foodsearch task. Each adds about 600 bytes to the team template (22.7 KB without them),
    so 80 make about 70 KB."""
    configs = root / "dms_configs"
    shutil.copytree(REPO_ROOT / "dms_configs", configs)
    team_file = configs / "teams" / f"{TEAM}.json"
    team = json.loads(team_file.read_text(encoding="utf-8"))
    team["tasks"][TASK]["tables"] += [
        {"source": f"fooddb/foodsearch/extra_table_{i:03d}", "version": "v202401010000"}
        for i in range(extra_tables)
    ]
    team_file.write_text(json.dumps(team, indent=2), encoding="utf-8")
    return configs


def assert_too_large(body: str) -> None:
    assert not fits_inline(body), f"{len(body.encode()):,} bytes fits inline; add tables"

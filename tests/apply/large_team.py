"""The example configs with a food team too large for CloudFormation's inline limit, on disk
(`write_large_configs`), or of 2,000 tables, in memory (`with_bulk_tables`)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

from dms_deploy.config.models import Configs, Table
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


def with_bulk_tables(configs: Configs, tables: int = 2000, tasks: int = 10) -> Configs:
    """`configs` with `tasks` more tasks in food, of `tables / tasks` tables each (2,000 by
    default) named short as `bench/deploy_scale.py` names them: a team template of ~1.2 MB."""
    team = configs.teams[TEAM]
    like = team.tasks[TASK]
    added = {
        f"bulk{k:02d}": replace(
            like,
            name=f"bulk{k:02d}",
            paused=False,
            tables=tuple(
                Table(like.endpoint, f"s{k}", f"t{n}", "v202001010000")
                for n in range(tables // tasks)
            ),
        )
        for k in range(tasks)
    }
    food = replace(team, tasks={**team.tasks, **added})
    return replace(configs, teams={**configs.teams, TEAM: food})

"""A teams/ directory or team file that cannot be read is an error, never a deleted team.

Each case breaks a copy of the example configs one way, then runs `dmsctl validate` and
`dmsctl plan` (which needs no AWS when the configs do not load): exit 1, a DMS001 finding
naming the path, no plan step (so no team stack is deleted), and no traceback.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from dms_deploy.cli import main
from dms_deploy.config import team_files
from dms_deploy.config.load import load_configs

Break = Callable[[Path], None]


def _missing(configs: Path) -> None:
    shutil.rmtree(configs / "teams")


def _loop(configs: Path) -> None:
    shutil.rmtree(configs / "teams")
    (configs / "teams").symlink_to("teams")


def _dangling_dir(configs: Path) -> None:
    shutil.rmtree(configs / "teams")
    (configs / "teams").symlink_to("gone")


def _a_file(configs: Path) -> None:
    shutil.rmtree(configs / "teams")
    (configs / "teams").write_text("{}")


def _broken_symlink(configs: Path) -> None:
    (configs / "teams" / "food.json").unlink()
    (configs / "teams" / "food.json").symlink_to("../elsewhere/food.json")


def _directory(configs: Path) -> None:
    (configs / "teams" / "food.json").unlink()
    (configs / "teams" / "food.json").mkdir()


def _fifo(configs: Path) -> None:
    (configs / "teams" / "food.json").unlink()
    os.mkfifo(configs / "teams" / "food.json")


def _upper_case(configs: Path) -> None:
    (configs / "teams" / "food.json").rename(configs / "teams" / "food.JSON")


def _stray_file(configs: Path) -> None:
    (configs / "teams" / "food.json").rename(configs / "teams" / "food.json.bak")


CASES: dict[str, tuple[Break, str, str]] = {
    "missing teams/": (_missing, "teams", "does not exist"),
    "teams/ is a symlink loop": (_loop, "teams", "is a symlink loop"),
    "teams/ is a broken symlink": (_dangling_dir, "teams", "is a broken symlink"),
    "teams is a file": (_a_file, "teams", "is not a directory"),
    "team file is a broken symlink": (_broken_symlink, "teams/food.json", "broken symlink"),
    "team file is a directory": (_directory, "teams/food.json", "is a directory"),
    "team file is a FIFO": (_fifo, "teams/food.json", "is a FIFO"),
    "team file named .JSON": (_upper_case, "teams/food.JSON", "rename it to food.json"),
    "stray file in teams/": (_stray_file, "teams/food.json.bak", "not a team file"),
}


@pytest.fixture
def configs(tmp_path: Path, examples_dir: Path) -> Path:
    copy = tmp_path / "configs"
    shutil.copytree(examples_dir, copy, ignore=shutil.ignore_patterns("schema"))
    return copy


def _dms001_lines(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if line.strip().startswith("DMS001 ")]


@pytest.mark.parametrize("case", sorted(CASES))
def test_validate_fails_naming_the_path(case: str, configs: Path, capsys) -> None:
    breaks, path, reason = CASES[case]
    breaks(configs)
    code = main(["validate", "--no-lint", "--configs", str(configs)])
    out, err = capsys.readouterr()
    assert code == 1, out + err
    assert "Traceback" not in out + err
    assert any(f"{path}: " in line and reason in line for line in _dms001_lines(out)), out


@pytest.mark.parametrize("case", sorted(CASES))
def test_plan_is_a_no_go_that_deletes_nothing(case: str, configs: Path, capsys) -> None:
    breaks, path, reason = CASES[case]
    breaks(configs)
    code = main(["plan", "--format", "json", "--configs", str(configs)])
    out, err = capsys.readouterr()
    assert code == 1, out + err
    assert "Traceback" not in out + err
    plan = json.loads(out)
    assert plan["go"] is False
    assert plan["steps"] == []
    dms001 = next(c for c in plan["checks"] if c["id"] == "DMS001")
    assert dms001["status"] == "fail"
    assert any(f["file"] == path and reason in f["message"] for f in dms001["findings"])


def test_an_unreadable_teams_directory_is_an_error(
    configs: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    # Root reads a chmod-000 directory anyway, so the denial is injected where listing starts.
    teams = configs / "teams"
    real_scandir = os.scandir

    def scandir(path):
        if Path(path) == teams:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(team_files.os, "scandir", scandir)
    code = main(["validate", "--no-lint", "--configs", str(configs)])
    out, _ = capsys.readouterr()
    assert code == 1
    assert any("teams: " in line and "permission denied" in line for line in _dms001_lines(out))


def test_hidden_files_are_ignored_and_symlinked_team_files_load(configs: Path) -> None:
    teams = configs / "teams"
    (teams / ".gitkeep").touch()
    (teams / ".food.json.swp").write_bytes(b"\x00binary")
    elsewhere = configs.parent / "shared"
    elsewhere.mkdir()
    (teams / "food.json").rename(elsewhere / "food.json")
    (teams / "food.json").symlink_to(elsewhere / "food.json")
    result = load_configs(configs)
    assert result.ok, result.findings
    assert set(result.configs.teams) == {"food", "logistics", "payments"}


def test_an_empty_readable_teams_directory_means_no_teams(configs: Path) -> None:
    for team_file in (configs / "teams").glob("*.json"):
        team_file.unlink()
    (configs / "teams" / ".gitkeep").touch()
    result = load_configs(configs)
    assert result.ok, result.findings
    assert result.configs.teams == {}


def test_a_broken_base_json_is_named(configs: Path) -> None:
    (configs / "base.json").unlink()
    os.mkfifo(configs / "base.json")
    assert "base.json is a FIFO" in load_configs(configs).unreadable

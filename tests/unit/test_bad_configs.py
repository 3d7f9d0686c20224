"""Every broken config in tests/bad_configs fails `dmsctl validate` with the right check."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from dms_deploy.paths import REPO_ROOT

CASES_DIR = REPO_ROOT / "tests" / "bad_configs"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if (p / "expect.json").is_file())
DMSCTL = [sys.executable, "-m", "dms_deploy.cli"]


def _prepare(case: str, work: Path) -> tuple[list[str], dict]:
    """The command line for one case; generated cases are built in `work` first."""
    source = CASES_DIR / case
    expect = json.loads((source / "expect.json").read_text())
    configs = source
    if "generate_tables" in expect:
        configs = work / case
        shutil.copytree(source, configs)
        team_file = sorted((configs / "teams").glob("*.json"))[0]
        doc = json.loads(team_file.read_text())
        task = next(iter(doc["tasks"].values()))
        task["tables"] += [
            {
                "source": f"{task['endpoint']}/generated/table_{i:05d}_{'x' * 40}",
                "version": "v202001010000",
            }
            for i in range(expect["generate_tables"])
        ]
        team_file.write_text(json.dumps(doc))
    cmd = [*DMSCTL, "validate", "--no-lint", "--configs", str(configs)]
    if "templates" in expect:
        cmd += ["--templates", str(source / expect["templates"])]
    return cmd, expect


@pytest.fixture(scope="module")
def outcomes(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, tuple[subprocess.CompletedProcess, dict]]:
    """Run every case once, a few at a time, so the suite stays fast."""
    work = tmp_path_factory.mktemp("bad_configs")

    def run(case: str) -> tuple[subprocess.CompletedProcess, dict]:
        cmd, expect = _prepare(case, work)
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        return proc, expect

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(CASES, pool.map(run, CASES), strict=True))


def test_there_are_at_least_thirty_cases() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES)
def test_bad_config_fails_with_expected_check(case: str, outcomes) -> None:
    proc, expect = outcomes[case]
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output
    assert proc.returncode == 1, output
    lines = [line for line in proc.stdout.splitlines() if line.strip().startswith(expect["check"])]
    assert any(expect["message"] in line for line in lines), (
        f"no {expect['check']} finding containing {expect['message']!r}:\n{output}"
    )

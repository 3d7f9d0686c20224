"""`dmsctl`: exit codes, output, render output and the sandbox pass-through."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from dms_deploy.checks.dms003_cfn_lint import lint_stack
from dms_deploy.cli import console, main
from dms_deploy.commands import sandbox
from dms_deploy.render.stacks import RenderedStack


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, examples_dir, templates_dir) -> tuple[int, Path]:
    out = tmp_path_factory.mktemp("render") / "out"
    code = main(
        [
            "render",
            "--configs",
            str(examples_dir),
            "--templates",
            str(templates_dir),
            "--out",
            str(out),
            "--no-lint",
        ]
    )
    return code, out


def test_validate_examples_exits_zero(capsys, examples_dir) -> None:
    assert main(["validate", "--configs", str(examples_dir), "--no-lint"]) == 0
    out = capsys.readouterr().out
    assert "DMS010 pass" in out
    assert out.rstrip().endswith("all checks passed")


def test_validate_prints_id_file_pointer_and_reason(
    capsys, write_configs, base_doc, team_doc
) -> None:
    team_doc["tasks"]["foodsearch"]["tables"][1]["version"] = "v1"
    assert (
        main(
            ["validate", "--configs", str(write_configs(base_doc, {"food": team_doc})), "--no-lint"]
        )
        == 1
    )
    out = capsys.readouterr().out
    assert (
        "DMS002 error  teams/food.json#/tasks/foodsearch/tables/1/version: 'v1' is not valid" in out
    )
    assert "FAILED: DMS002" in out


def test_validate_json_format(capsys, examples_dir) -> None:
    assert main(["validate", "--configs", str(examples_dir), "--no-lint", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True
    assert [c["id"] for c in data["checks"]][:2] == ["DMS001", "DMS002"]


def test_unreadable_input_exits_two_with_a_reason(capsys, tmp_path) -> None:
    assert main(["validate", "--configs", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "Traceback" not in err


def test_usage_error_exits_two(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", "--bogus"])
    assert exit_info.value.code == 2


def test_render_writes_one_template_per_stack(rendered, example_report) -> None:
    code, out = rendered
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "dms-base.yaml",
        "dms-food.yaml",
        "dms-logistics.yaml",
        "dms-payments.yaml",
    ]
    for stack in example_report.stacks:
        assert (out / f"{stack.name}.yaml").read_text() == stack.body


def test_rendered_templates_pass_cfn_lint(rendered) -> None:
    _, out = rendered
    for path in sorted(out.glob("*.yaml")):
        stack = RenderedStack(path.stem, "-", path.read_text(), {})
        assert lint_stack(stack) == [], path.name


def test_render_writes_nothing_when_a_check_fails(
    capsys, tmp_path, write_configs, base_doc, team_doc
) -> None:
    team_doc["tasks"]["foodsearch"]["settings"] = {
        "FullLoadSettings": {"TargetTablePrepMode": "DROP_AND_CREATE"}
    }
    out = tmp_path / "out"
    configs = write_configs(base_doc, {"food": team_doc})
    assert main(["render", "--configs", str(configs), "--out", str(out), "--no-lint"]) == 1
    assert not out.exists()
    assert "DMS008" in capsys.readouterr().out


def test_sandbox_command_runs_the_sandbox_module(tmp_path) -> None:
    argv, env = sandbox.sandbox_command(["start", "--port", "5000"], tmp_path)
    assert argv == [sys.executable, "-m", "sandbox", "start", "--port", "5000"]
    assert env["PYTHONPATH"].split(os.pathsep)[0] == str(tmp_path)


def test_sandbox_passes_every_argument_through(monkeypatch, tmp_path) -> None:
    (tmp_path / "sandbox").mkdir()
    monkeypatch.setattr(sandbox, "REPO_ROOT", tmp_path)
    calls = []
    monkeypatch.setattr(os, "execve", lambda path, argv, env: calls.append((path, argv, env)))
    main(["sandbox", "--help", "--port", "1"])
    [(_, argv, env)] = calls
    assert argv[1:] == ["-m", "sandbox", "--help", "--port", "1"]
    assert env["PYTHONPATH"].startswith(str(tmp_path))


def test_sandbox_without_the_package_exits_two(monkeypatch, capsys, tmp_path) -> None:
    monkeypatch.setattr(sandbox, "REPO_ROOT", tmp_path)
    assert main(["sandbox", "start"]) == 2
    assert "no sandbox package" in capsys.readouterr().err


def test_plan_in_process_leaves_the_airflow_log_level_alone(
    tmp_path, examples_dir, monkeypatch
) -> None:
    """Airflow reads its level once per process, so only the installed one-shot `dmsctl`
    quiets it; a long-lived caller of `main()` keeps its own logging."""
    monkeypatch.delenv("AIRFLOW__LOGGING__LOGGING_LEVEL", raising=False)
    configs = tmp_path / "configs"
    (configs / "teams").mkdir(parents=True)
    (configs / "base.json").write_text((examples_dir / "base.json").read_text())
    (configs / "teams" / "food.json").write_text("{")  # a no-go before any AWS call
    assert main(["plan", "--format", "json", "--configs", str(configs)]) == 1
    assert "AIRFLOW__LOGGING__LOGGING_LEVEL" not in os.environ


@pytest.mark.parametrize(("flag", "level"), [([], "WARNING"), (["--verbose"], None)])
def test_installed_dmsctl_quiets_airflow_info_lines_unless_verbose(
    flag, level, tmp_path, monkeypatch
) -> None:
    # Set first, so that monkeypatch restores the environment whatever console() sets.
    monkeypatch.setenv("AIRFLOW__LOGGING__LOGGING_LEVEL", "INFO")
    monkeypatch.delenv("AIRFLOW__LOGGING__LOGGING_LEVEL")
    configs = tmp_path / "configs"
    (configs / "teams").mkdir(parents=True)
    (configs / "base.json").write_text("{")  # unreadable before any AWS call
    monkeypatch.setattr(sys, "argv", ["dmsctl", "plan", *flag, "--configs", str(configs)])
    with pytest.raises(SystemExit):
        console()
    assert os.environ.get("AIRFLOW__LOGGING__LOGGING_LEVEL") == level

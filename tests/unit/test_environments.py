"""Environments: overrides build each environment's configs; errors name file and pointer."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dms_deploy.checks.offline import run_offline
from dms_deploy.cli import main
from dms_deploy.config.load import load_configs
from dms_deploy.config.schema import ENVIRONMENTS_SCHEMA, default_schema_dir, schema_problems
from dms_deploy.paths import REPO_ROOT
from dms_deploy.plan.make import desired_from_offline, make_plan
from dms_deploy.plan.markdown import render_markdown
from dms_deploy.plan.model import Plan, StackAction, Step
from dms_deploy.state.model import ObservedState

EXAMPLE = REPO_ROOT / "docs" / "examples" / "environments.json"
TEMPLATES = REPO_ROOT / "include" / "templates"
STAGING_ACCOUNT = "210987654321"


def configs_with(tmp_path: Path, environments: dict | None = None) -> Path:
    """A copy of dms_configs/ with `environments` (default: the documented example)."""
    configs = tmp_path / "configs"
    shutil.copytree(REPO_ROOT / "dms_configs", configs)
    doc = environments if environments is not None else json.loads(EXAMPLE.read_text())
    doc["$schema"] = "schema/environments.schema.json"
    (configs / "environments.json").write_text(json.dumps(doc, indent=2))
    return configs


def example() -> dict:
    return json.loads(EXAMPLE.read_text())


def test_overrides_apply_to_their_environment_only(tmp_path):
    configs = configs_with(tmp_path)
    staging = load_configs(configs, environment="staging").configs
    production = load_configs(configs, environment="production").configs
    assert staging.base.bucket == "acme-data-lake-staging"
    assert staging.base.network_stack_name == "network-staging"
    assert staging.base.bucket_folder == "dms"  # not overridden
    recipes = staging.teams["food"].endpoints["recipesdb"]
    assert (recipes.server, recipes.port) == ("recipesdb.staging.internal", 5433)
    assert recipes.secret.split(":")[4] == STAGING_ACCOUNT
    assert recipes.database == "recipes"  # what is not overridden stays
    assert staging.environment.account_id == STAGING_ACCOUNT
    assert staging.environment.aws_conn_id == "aws_staging"
    # Tables, versions and tasks are the same everywhere.
    assert staging.all_tasks() == production.all_tasks()
    unchanged = load_configs(REPO_ROOT / "dms_configs").configs
    assert production.base == unchanged.base
    assert production.teams == unchanged.teams


def test_without_environments_json_there_is_one_unnamed_environment():
    result = load_configs(REPO_ROOT / "dms_configs")
    assert result.ok and result.configs.environment is None
    unknown = load_configs(REPO_ROOT / "dms_configs", environment="staging")
    assert "no environments.json" in unknown.unreadable


def test_the_only_environment_is_chosen_without_a_name(tmp_path):
    doc = example()
    del doc["environments"]["staging"]
    configs = load_configs(configs_with(tmp_path, doc)).configs
    assert configs.environment.name == "production"


def test_override_of_unknown_endpoint_names_file_and_pointer(tmp_path):
    doc = example()
    doc["environments"]["staging"]["teams"]["food"]["endpoints"]["foodbd"] = {"port": 1}
    doc["environments"]["staging"]["teams"]["nobody"] = {"endpoints": {"x": {"port": 1}}}
    result = load_configs(configs_with(tmp_path, doc), environment="staging")
    where = {(f.file, f.pointer): f.message for f in result.findings["DMS002"]}
    bad_endpoint = where[("environments.json", "/environments/staging/teams/food/endpoints/foodbd")]
    assert "no endpoint 'foodbd'" in bad_endpoint
    assert "no team 'nobody'" in where[("environments.json", "/environments/staging/teams/nobody")]
    assert result.configs is None


def test_schema_rejects_unknown_keys_and_a_short_account(tmp_path):
    doc = example()
    doc["environments"]["production"]["account_id"] = "1234"
    doc["environments"]["production"]["tables"] = []
    result = load_configs(configs_with(tmp_path, doc), environment="production")
    where = {f.pointer: f.message for f in result.findings["DMS002"]}
    assert "12-digit" in where["/environments/production/account_id"]
    assert "unknown key 'tables'" in where["/environments/production/tables"]


def _dms011(configs: Path, environment: str) -> list:
    report = run_offline(configs, TEMPLATES, lint=False, environment=environment)
    result = report.result("DMS011")
    assert result.status == "fail"
    return list(result.findings)


def test_dms011_secret_of_another_account_in_the_team_file(tmp_path):
    doc = example()
    # Staging no longer overrides the payments secrets: production's ARNs stay.
    del doc["environments"]["staging"]["teams"]["payments"]
    findings = _dms011(configs_with(tmp_path, doc), "staging")
    assert {(f.file, f.pointer) for f in findings} == {
        ("teams/payments.json", "/endpoints/paymentsdb/secret"),
        ("teams/payments.json", "/endpoints/ledgerdb/secret"),
    }
    assert f"account 123456789012, not {STAGING_ACCOUNT}" in findings[0].message


def test_dms011_secret_override_in_another_region(tmp_path):
    doc = example()
    endpoints = doc["environments"]["staging"]["teams"]["food"]["endpoints"]
    endpoints["fooddb"]["secret"] = endpoints["fooddb"]["secret"].replace("us-east-1", "eu-west-1")
    (finding,) = _dms011(configs_with(tmp_path, doc), "staging")
    assert finding.file == "environments.json"
    assert finding.pointer == "/environments/staging/teams/food/endpoints/fooddb/secret"
    assert "region eu-west-1, not us-east-1" in finding.message


def test_dms011_passes_for_the_example_and_without_environments(tmp_path):
    configs = configs_with(tmp_path)
    for env in ("staging", "production"):
        report = run_offline(configs, TEMPLATES, lint=False, environment=env)
        assert report.ok, [r for r in report.results if r.status == "fail"]
    plain = run_offline(REPO_ROOT / "dms_configs", TEMPLATES, lint=False)
    assert plain.result("DMS011").status == "pass"


def test_dms005_paths_are_unique_per_environment_bucket(tmp_path):
    """Two teams writing one folder is an error in every environment, in its own bucket."""
    configs = configs_with(tmp_path)
    food = json.loads((configs / "teams" / "food.json").read_text())
    logistics = json.loads((configs / "teams" / "logistics.json").read_text())
    # food gets an endpoint named like one of logistics', with one of its tables.
    food["endpoints"]["shipmentsdb"] = dict(food["endpoints"]["fooddb"])
    table = next(iter(logistics["tasks"].values()))["tables"][0]
    food["tasks"]["clash"] = {
        "instance": "food-1",
        "endpoint": "shipmentsdb",
        "target": "s3-1min",
        "tables": [table],
    }
    (configs / "teams" / "food.json").write_text(json.dumps(food))
    doc = json.loads((configs / "environments.json").read_text())
    doc["environments"]["staging"]["teams"]["food"]["endpoints"]["shipmentsdb"] = {
        "secret": f"arn:aws:secretsmanager:us-east-1:{STAGING_ACCOUNT}:secret:dms/x"
    }
    (configs / "environments.json").write_text(json.dumps(doc))
    for env, bucket in (("staging", "acme-data-lake-staging"), ("production", "acme-data-lake")):
        report = run_offline(configs, TEMPLATES, lint=False, environment=env)
        (finding,) = report.result("DMS005").findings
        assert f"s3://{bucket}/" in finding.message


@pytest.mark.parametrize("command", ["validate", "render", "plan"])
def test_unknown_environment_is_one_line_and_exit_2(tmp_path, capsys, command):
    configs = configs_with(tmp_path)
    extra = ["--out", str(tmp_path / "out")] if command == "render" else []
    assert main([command, "--configs", str(configs), "--env", "prod", *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"dmsctl {command}: no environment 'prod' in environments.json "
        "(it lists production, staging)"
    ]


def test_render_and_plan_need_a_name_when_there_are_several(tmp_path, capsys):
    configs = configs_with(tmp_path)
    assert main(["render", "--configs", str(configs), "--out", str(tmp_path / "o")]) == 2
    assert "name one (--env NAME)" in capsys.readouterr().err


def test_validate_checks_every_environment(tmp_path, capsys):
    doc = example()
    del doc["environments"]["staging"]["teams"]["payments"]
    configs = configs_with(tmp_path, doc)
    assert main(["validate", "--no-lint", "--configs", str(configs)]) == 1
    out = capsys.readouterr().out
    production, staging = out.split("environment staging:")
    assert "DMS011 fail" in staging and "DMS011 pass" in production


def test_render_writes_the_environment_values(tmp_path):
    configs = configs_with(tmp_path)
    out = tmp_path / "out"
    args = ["--no-lint", "--configs", str(configs), "--env", "staging", "--out", str(out)]
    assert main(["render", *args]) == 0
    assert "network-staging-VpcId" in (out / "dms-base.yaml").read_text()
    assert "recipesdb.staging.internal" in (out / "dms-food.yaml").read_text()


def test_digest_names_the_environment():
    step = Step("deploy", (StackAction("dms-food", "food", "update", "body"),))
    staging = Plan(True, (), steps=(step,), environment="staging")
    production = Plan(True, (), steps=(step,), environment="production")
    unnamed = Plan(True, (), steps=(step,))
    assert len({staging.digest, production.digest, unnamed.digest}) == 3
    assert Plan.from_dict(staging.to_dict()).digest == staging.digest
    assert staging.to_dict()["environment"] == "staging"
    assert unnamed.to_dict()["environment"] is None


def test_the_documented_example_is_schema_valid():
    """The JSON block of docs/config.md's Environments section, through the real schema."""
    section = (REPO_ROOT / "docs" / "config.md").read_text().split("## Environments", 1)[1]
    block = section.split("```json\n", 1)[1].split("```", 1)[0]
    assert schema_problems(json.loads(block), default_schema_dir(), ENVIRONMENTS_SCHEMA) == []


def test_markdown_verdict_names_the_environment():
    assert render_markdown(Plan(True, (), environment="staging")).startswith(
        "## GO in staging: no changes"
    )
    assert render_markdown(Plan(True, ())).startswith("## GO: no changes")


def _dms111(
    configs: Path, environment: str | None, account: str | None, region: str | None = "us-east-1"
):
    report = run_offline(configs, TEMPLATES, lint=False, environment=environment)
    observed = ObservedState(account_id=account, region=region)
    plan = make_plan(desired_from_offline(report, TEMPLATES), observed)
    return plan, plan.check("DMS111")


def test_dms111_without_environments_passes_with_a_note():
    plan, guard = _dms111(REPO_ROOT / "dms_configs", None, None)
    assert guard.status == "pass"
    assert "no environments.json" in guard.findings[0].message
    assert plan.environment is None


def test_dms111_another_account_is_a_no_go_with_no_steps(tmp_path):
    configs = configs_with(tmp_path)
    plan, guard = _dms111(configs, "staging", "123456789012")
    assert guard.status == "fail" and not plan.go and plan.steps == ()
    assert guard.findings[0].pointer == "/environments/staging/account_id"
    others = [c.status for c in plan.checks if c.id.startswith("DMS1") and c.id != "DMS111"]
    assert set(others) == {"skip"}
    plan, guard = _dms111(configs, "staging", STAGING_ACCOUNT)
    assert guard.status == "pass" and plan.steps  # an empty account: everything is created
    _, guard = _dms111(configs, "staging", None)  # an account nobody asked for is not a match
    assert guard.status == "fail"
    plan, guard = _dms111(configs, "staging", STAGING_ACCOUNT, "eu-west-1")
    assert guard.status == "fail" and plan.steps == ()
    assert guard.findings[0].pointer == "/environments/staging/region"


def test_an_environments_json_that_is_not_a_file_is_a_finding(tmp_path):
    configs = configs_with(tmp_path)
    (configs / "environments.json").unlink()
    (configs / "environments.json").mkdir()
    result = load_configs(configs, environment="staging")
    assert result.unreadable is None
    (finding,) = result.findings["DMS001"]
    assert finding.file == "environments.json" and "directory" in finding.message

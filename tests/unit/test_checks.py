"""Each offline check passes on the examples and fails on a config made to break it."""

from __future__ import annotations

import copy

import pytest

from dms_deploy.checks.dms003_cfn_lint import lint_stack
from dms_deploy.checks.dms009_plaintext_secrets import scan
from dms_deploy.checks.offline import OFFLINE_CHECKS, run_offline
from dms_deploy.render.stacks import RenderedStack

IDS = [f"DMS{n:03d}" for n in range(1, 12)]


def test_one_result_per_check_in_id_order(example_report) -> None:
    assert [c.info.id for c in OFFLINE_CHECKS] == IDS
    assert [r.id for r in example_report.results] == IDS


@pytest.mark.parametrize("check_id", [i for i in IDS if i != "DMS003"])
def test_examples_pass(example_report, check_id: str) -> None:
    assert example_report.result(check_id).status == "pass"


def test_examples_pass_cfn_lint(example_report) -> None:
    # DMS003 is switched off in the shared report; the rendered output is linted in test_cli.
    assert example_report.result("DMS003").status == "skip"
    assert example_report.ok


def _fails(report, check_id: str, fragment: str):
    result = report.result(check_id)
    assert result.status == "fail", result
    matching = [f for f in result.findings if fragment in f.message]
    assert matching, result.findings
    return matching[0]


def test_dms001_bad_json_skips_the_checks_that_need_models(check_offline, base_doc) -> None:
    report = check_offline(base_doc, {"food": '{"team": '})
    _fails(report, "DMS001", "invalid JSON at line 1")
    assert report.result("DMS002").status == "pass"
    assert {report.result(i).status for i in ("DMS003", "DMS004", "DMS010")} == {"skip"}


def test_dms002_schema(check_offline, base_doc, team_doc) -> None:
    team_doc["instances"]["food-1"]["storage_gb"] = 99999
    finding = _fails(check_offline(base_doc, {"food": team_doc}), "DMS002", "at most 6144")
    assert (finding.file, finding.pointer) == ("teams/food.json", "/instances/food-1/storage_gb")


def test_dms003_reports_cfn_lint_errors_with_the_stack_name() -> None:
    body = (
        'AWSTemplateFormatVersion: "2010-09-09"\n'
        "Resources:\n"
        "  Task:\n"
        "    Type: AWS::DMS::ReplicationTask\n"
        "    Properties:\n"
        "      MigrationType: full-load-and-cdc\n"
    )
    stack = RenderedStack("dms-food", "food", body, {})
    findings = lint_stack(stack)
    assert findings and all(f.message.startswith("stack dms-food: E") for f in findings)
    assert any("TableMappings" in f.message for f in findings)


def test_dms003_reports_a_template_that_cannot_render(
    write_configs, base_doc, team_doc, edited_templates
) -> None:
    custom = edited_templates("team.yaml.j2", lambda _: "{{ missing }}")
    report = run_offline(write_configs(base_doc, {"food": team_doc}), custom, lint=False)
    _fails(report, "DMS003", "'missing' is undefined")
    assert report.result("DMS010").status == "pass"  # the base stack still rendered


def test_dms004_duplicate_table(check_offline, base_doc, team_doc) -> None:
    tables = team_doc["tasks"]["foodsearch"]["tables"]
    tables.append({"source": "fooddb/foodsearch/barcodes", "version": "v202101010000"})
    finding = _fails(check_offline(base_doc, {"food": team_doc}), "DMS004", "listed twice")
    assert finding.pointer == "/tasks/foodsearch/tables/2"
    assert finding.table == "fooddb/foodsearch/barcodes"


def test_dms005_same_path_in_two_teams(check_offline, base_doc, team_doc) -> None:
    other = copy.deepcopy(team_doc)
    other["team"] = "grocery"
    report = check_offline(base_doc, {"food": team_doc, "grocery": other})
    finding = _fails(report, "DMS005", "s3://acme-data-lake/dms/data/fooddb__foodsearch__barcodes")
    assert finding.team == "grocery"
    assert "food-foodsearch" in finding.message


def test_dms005_reload_under_a_new_version_in_a_second_task_passes(
    check_offline, base_doc, team_doc
) -> None:
    reload = copy.deepcopy(team_doc["tasks"]["foodsearch"])
    reload["tables"] = [{"source": "fooddb/foodsearch/barcodes", "version": "v202611200800"}]
    team_doc["tasks"]["foodsearch-reload"] = reload
    report = check_offline(base_doc, {"food": team_doc})
    assert report.ok


def test_dms006_empty_task_even_when_paused(check_offline, base_doc, team_doc) -> None:
    task = team_doc["tasks"]["foodsearch"]
    task["paused"] = True
    task["tables"][0]["paused"] = True
    _fails(check_offline(base_doc, {"food": team_doc}), "DMS006", "has no active table")


def test_dms006_too_many_tasks_on_one_instance(check_offline, base_doc, team_doc) -> None:
    task = team_doc["tasks"]["foodsearch"]
    for i in range(200):
        team_doc["tasks"][f"t{i}"] = dict(
            task, tables=[{"source": f"fooddb/s{i}/t", "version": "v202008040000"}]
        )
    finding = _fails(check_offline(base_doc, {"food": team_doc}), "DMS006", "runs 201 tasks")
    assert finding.pointer == "/instances/food-1"


def test_dms006_mapping_over_two_megabytes(check_offline, base_doc, team_doc) -> None:
    team_doc["tasks"]["foodsearch"]["tables"] = [
        {"source": f"fooddb/s/table_{i:05d}_{'x' * 60}", "version": "v202008040000"}
        for i in range(4000)
    ]
    _fails(check_offline(base_doc, {"food": team_doc}), "DMS006", "over the DMS limit of 2097152")


def test_dms007_table_of_another_endpoint(check_offline, base_doc, team_doc) -> None:
    team_doc["tasks"]["foodsearch"]["tables"][0]["source"] = "otherdb/foodsearch/barcodes"
    finding = _fails(
        check_offline(base_doc, {"food": team_doc}), "DMS007", "reads from endpoint 'fooddb'"
    )
    assert finding.pointer == "/tasks/foodsearch/tables/0/source"


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        ({"FullLoadSettings": {"TargetTablePrepMode": "DROP_AND_CREATE"}}, "TargetTablePrepMode"),
        ({"TargetMetadata": {"TargetSchema": "raw"}}, "TargetSchema"),
        ({"ChangeProcessingDdlHandlingPolicy": {"HandleSourceTableTruncated": True}}, "Truncated"),
    ],
)
def test_dms008_unsafe_settings(check_offline, base_doc, team_doc, settings, fragment) -> None:
    team_doc["tasks"]["foodsearch"]["settings"] = settings
    finding = _fails(check_offline(base_doc, {"food": team_doc}), "DMS008", fragment)
    assert finding.pointer.startswith("/tasks/foodsearch/settings/")


def test_dms008_unsafe_default_file(check_offline, base_doc, team_doc, edited_templates) -> None:
    custom = edited_templates(
        "task_settings.json", lambda text: text.replace('"DO_NOTHING"', '"TRUNCATE_BEFORE_LOAD"')
    )
    finding = _fails(check_offline(base_doc, {"food": team_doc}, custom), "DMS008", "TRUNCATE")
    assert finding.file.endswith("task_settings.json")


def test_dms008_an_absent_prep_mode_is_unsafe(
    check_offline, base_doc, team_doc, edited_templates
) -> None:
    custom = edited_templates(
        "task_settings.json", lambda text: text.replace('"TargetTablePrepMode": "DO_NOTHING",', "")
    )
    _fails(check_offline(base_doc, {"food": team_doc}, custom), "DMS008", "DROP_AND_CREATE")


def test_dms009_runs_even_when_the_schema_fails(check_offline, base_doc, team_doc) -> None:
    team_doc["endpoints"]["fooddb"]["Password"] = "hunter2"
    report = check_offline(base_doc, {"food": team_doc})
    finding = _fails(report, "DMS009", "plaintext credential")
    assert finding.pointer == "/endpoints/fooddb/Password"
    _fails(report, "DMS002", "unknown key 'Password'")


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ({"db_password": "x"}, "plaintext credential"),
        ({"a": {"secret_string": "x"}}, "plaintext credential"),
        ({"secret": "hunter2"}, "must be a Secrets Manager ARN"),
        ({"note": "AKIAABCDEFGHIJKLMNOP"}, "AWS access key id"),
        ({"url": "mysql://admin:hunter2@db:3306/x"}, "embedded password"),
        ({"x": ["-----BEGIN RSA PRIVATE KEY-----"]}, "private key"),
    ],
)
def test_dms009_scan_finds_secrets(document, fragment) -> None:
    assert any(fragment in reason for _, reason in scan(document))


def test_dms009_scan_allows_secret_arns_and_ordinary_values() -> None:
    clean = {
        "secret": "arn:aws:secretsmanager:us-east-1:123456789012:secret:dms/fooddb",
        "server": "fooddb.internal",
        "tables": [{"source": "fooddb/auth/passwords_reset", "version": "v202008040000"}],
    }
    assert scan(clean) == []


def test_dms010_role_that_may_delete(check_offline, base_doc, team_doc, edited_templates) -> None:
    custom = edited_templates(
        "base.yaml.j2", lambda text: text.replace("- s3:PutObject", '- "s3:*"', 1)
    )
    finding = _fails(check_offline(base_doc, {"food": team_doc}, custom), "DMS010", "'s3:*' grants")
    assert finding.pointer.startswith("/Resources/DmsS3Role/")


def test_missing_templates_directory_is_unusable(examples_dir, tmp_path) -> None:
    report = run_offline(examples_dir, tmp_path / "none")
    assert "does not exist" in report.unreadable
    assert not report.ok
    assert [r.status for r in report.results] == ["skip"] * len(IDS)

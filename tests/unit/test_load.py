"""Loading: every error in every file, with file, pointer and a plain reason."""

from __future__ import annotations

import json

from dms_deploy.config.load import load_configs
from dms_deploy.config.models import Configs


def test_examples_load_into_models(examples_dir) -> None:
    result = load_configs(examples_dir)
    assert result.unreadable is None
    assert result.findings == {"DMS001": [], "DMS002": []}
    configs = result.configs
    assert isinstance(configs, Configs)
    assert sorted(configs.teams) == ["food", "logistics", "payments"]
    tables = [t for task in configs.all_tasks() for t in task.tables]
    assert len(tables) >= 40
    assert len(configs.all_tasks()) >= 5
    assert any(task.paused for task in configs.all_tasks())
    assert any(t.paused for t in tables)
    assert configs.base.targets["s3-1min"].cdc_max_batch_interval_seconds == 60


def test_examples_reload_a_table_in_a_second_task_under_a_newer_version(examples_dir) -> None:
    configs = load_configs(examples_dir).configs
    versions: dict[str, list[tuple[str, str]]] = {}
    for task in configs.all_tasks():
        for table in task.tables:
            versions.setdefault(table.source, []).append((task.name, table.version))
    reloads = {s: v for s, v in versions.items() if len({task for task, _ in v}) > 1}
    assert reloads
    for entries in reloads.values():
        assert len({version for _, version in entries}) == len(entries)


def test_models_carry_flags_settings_and_pointers(base_doc, team_doc, write_configs) -> None:
    task = team_doc["tasks"]["foodsearch"]
    task["settings"] = {"Logging": {"EnableLogging": False}}
    configs = load_configs(write_configs(base_doc, {"food": team_doc})).configs
    built = configs.teams["food"].tasks["foodsearch"]
    assert built.identifier == "food-foodsearch"
    assert built.migration_type == "full-load-and-cdc"
    assert built.settings == {"Logging": {"EnableLogging": False}}
    assert [t.paused for t in built.tables] == [False, True]
    assert [t.name for t in built.active_tables] == ["barcodes"]
    assert built.tables[1].pointer == "/tasks/foodsearch/tables/1"
    assert configs.teams["food"].stack_name == "dms-food"


def test_all_errors_across_files_are_collected(base_doc, team_doc, write_configs) -> None:
    other = json.loads(json.dumps(team_doc))
    base_doc["bucket"] = 42
    team_doc["tasks"]["foodsearch"]["tables"][1]["version"] = "v1"
    team_doc["tasks"]["foodsearch"]["tables"][0]["colour"] = "blue"
    other["team"] = "grocery"
    other["instances"]["food-1"]["storage_gb"] = "big"
    broken = '{"team": "bad",'
    result = load_configs(
        write_configs(base_doc, {"food": team_doc, "grocery": other, "zzz": broken})
    )
    assert result.configs is None
    found = {(f.file, f.pointer) for f in result.findings["DMS002"]}
    assert found == {
        ("base.json", "/bucket"),
        ("teams/food.json", "/tasks/foodsearch/tables/1/version"),
        ("teams/food.json", "/tasks/foodsearch/tables/0/colour"),
        ("teams/grocery.json", "/instances/food-1/storage_gb"),
    }
    [syntax] = result.findings["DMS001"]
    assert syntax.file == "teams/zzz.json"
    assert "line 1 column" in syntax.message


def test_findings_name_team_task_and_table(base_doc, team_doc, write_configs) -> None:
    team_doc["tasks"]["foodsearch"]["tables"][1]["version"] = "v2020"
    [finding] = load_configs(write_configs(base_doc, {"food": team_doc})).findings["DMS002"]
    assert (finding.team, finding.task, finding.table) == (
        "food",
        "foodsearch",
        "fooddb/foodsearch/foods",
    )
    assert "'v2020' is not valid" in finding.message
    assert "12 digits" in finding.message


def test_unknown_key_lists_the_allowed_keys(base_doc, team_doc, write_configs) -> None:
    team_doc["endpoints"]["fooddb"]["hostname"] = "x"
    [finding] = load_configs(write_configs(base_doc, {"food": team_doc})).findings["DMS002"]
    assert finding.pointer == "/endpoints/fooddb/hostname"
    assert finding.message.startswith("unknown key 'hostname' (allowed: database, engine")


def test_cross_references_are_checked_in_every_file(base_doc, team_doc, write_configs) -> None:
    task = team_doc["tasks"]["foodsearch"]
    task.update(instance="nope", endpoint="nodb", target="s3-5min")
    findings = load_configs(write_configs(base_doc, {"food": team_doc})).findings["DMS002"]
    assert {f.pointer: f.message for f in findings} == {
        "/tasks/foodsearch/instance": "unknown instance 'nope' (this file defines: food-1)",
        "/tasks/foodsearch/endpoint": "unknown endpoint 'nodb' (this file defines: fooddb)",
        "/tasks/foodsearch/target": (
            "unknown target 's3-5min' (base.json defines: s3-10min, s3-1min)"
        ),
    }


def test_json_pointers_escape_slashes_and_tildes(base_doc, team_doc, write_configs) -> None:
    team_doc["tasks"]["a/b~c"] = team_doc["tasks"]["foodsearch"]
    findings = load_configs(write_configs(base_doc, {"food": team_doc})).findings["DMS002"]
    assert [f.pointer for f in findings] == ["/tasks/a~1b~0c"]


def test_unreadable_directories(tmp_path, base_doc, write_configs) -> None:
    assert "does not exist" in load_configs(tmp_path / "missing").unreadable
    assert "no base.json" in load_configs(tmp_path).unreadable
    assert load_configs(write_configs(base_doc, {})).unreadable is None


def test_strict_json_refuses_duplicate_keys_and_nan(base_doc, write_configs) -> None:
    text = json.dumps(base_doc)
    dup = load_configs(write_configs(text[:-1] + ', "bucket": "other"}', {}))
    assert "duplicate key 'bucket'" in dup.findings["DMS001"][0].message
    nan = load_configs(write_configs(text.replace("60", "NaN"), {}))
    assert "NaN is not valid JSON" in nan.findings["DMS001"][0].message

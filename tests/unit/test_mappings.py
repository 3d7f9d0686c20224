"""TableMappings, table folders and task settings."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from dms_deploy.config.models import Table, Task
from dms_deploy.render import mappings
from dms_deploy.render.errors import RenderError
from dms_deploy.render.mappings import (
    mapping_json,
    parse_table_folder,
    table_folder,
    table_mappings,
)
from dms_deploy.render.settings import task_settings


def _table(name: str, schema: str = "foodsearch", version: str = "v202008040000", **kw) -> Table:
    return Table(endpoint="fooddb", schema=schema, name=name, version=version, **kw)


def _task(*tables: Table) -> Task:
    return Task(
        team="food",
        name="foodsearch",
        instance="food-1",
        endpoint="fooddb",
        target="s3-10min",
        tables=tables,
    )


def _rules_by_name(task: Task) -> dict[str, str]:
    """Each rule as its exact serialised text, by rule name."""
    return {r["rule-name"]: json.dumps(r, sort_keys=True) for r in table_mappings(task)["rules"]}


def test_table_folder_format_and_round_trip() -> None:
    table = _table("food_nutrients", schema="my_schema")
    folder = table_folder(table)
    assert folder == "fooddb__my_schema__food_nutrients__v202008040000"
    assert parse_table_folder(folder) == ("fooddb", "my_schema", "food_nutrients", "v202008040000")


@pytest.mark.parametrize(
    "folder",
    [
        "fooddb__s__t",
        "fooddb__s__t__v1",
        "fooddb__s___t__v202008040000",
        "food_db__s__t__v202008040000",
        "fooddb__s__t__v202008040000__x",
        "data",
        "fooddb__s__t__v202008040000\n",
        "fooddb__s__t\n__v202008040000",
    ],
)
def test_parse_table_folder_rejects_other_names(folder: str) -> None:
    assert parse_table_folder(folder) is None


def test_mapping_selects_each_active_table_explicitly() -> None:
    task = _task(
        _table("barcodes"), _table("foods", paused=True), _table("stores", schema="catalog")
    )
    rules = table_mappings(task)["rules"]
    selections = [r for r in rules if r["rule-type"] == "selection"]
    assert [(r["object-locator"], r["rule-action"]) for r in selections] == [
        ({"schema-name": "catalog", "table-name": "stores"}, "explicit"),
        ({"schema-name": "foodsearch", "table-name": "barcodes"}, "explicit"),
    ]
    renames = [r for r in rules if r["rule-type"] == "transformation"]
    schema_rules = [r for r in renames if r["rule-target"] == "schema"]
    assert sorted(r["object-locator"]["schema-name"] for r in schema_rules) == [
        "catalog",
        "foodsearch",
    ]
    assert {r["value"] for r in schema_rules} == {"data"}
    table_rules = {r["value"]: r for r in renames if r["rule-target"] == "table"}
    assert set(table_rules) == {
        "fooddb__catalog__stores__v202008040000",
        "fooddb__foodsearch__barcodes__v202008040000",
    }
    assert all("v202008040000" in r["rule-name"] for r in table_rules.values())


def test_one_schema_rule_however_many_tables() -> None:
    task = _task(*(_table(f"t{i}") for i in range(5)))
    rules = table_mappings(task)["rules"]
    assert sum(r.get("rule-target") == "schema" for r in rules) == 1


def test_transformations_match_underscores_literally() -> None:
    rules = table_mappings(_task(_table("food_nutrients", schema="my_schema")))["rules"]
    rename = next(r for r in rules if r.get("rule-target") == "table")
    assert rename["object-locator"] == {
        "schema-name": "my[_]schema",
        "table-name": "food[_]nutrients",
    }
    selection = next(r for r in rules if r["rule-type"] == "selection")
    assert selection["object-locator"]["table-name"] == "food_nutrients"


def test_rule_ids_are_unique_numeric_strings() -> None:
    rules = table_mappings(_task(*(_table(f"t{i}") for i in range(200))))["rules"]
    ids = [r["rule-id"] for r in rules]
    assert len(set(ids)) == len(ids) == 401
    assert all(i.isdigit() and 0 < int(i) < 2**31 for i in ids)


def test_unchanged_tables_render_byte_identical_rules() -> None:
    before = _rules_by_name(_task(_table("barcodes"), _table("foods")))
    after = _rules_by_name(_task(_table("aardvarks"), _table("barcodes"), _table("foods")))
    assert {name: after[name] for name in before} == before
    assert len(after) == len(before) + 2


def test_version_bump_changes_only_that_table() -> None:
    before = _rules_by_name(_task(_table("barcodes"), _table("foods")))
    after = _rules_by_name(_task(_table("barcodes", version="v202611200800"), _table("foods")))
    assert set(before) ^ set(after) == {
        "select__fooddb__foodsearch__barcodes__v202008040000",
        "rename-table__fooddb__foodsearch__barcodes__v202008040000",
        "select__fooddb__foodsearch__barcodes__v202611200800",
        "rename-table__fooddb__foodsearch__barcodes__v202611200800",
    }


def test_a_rule_id_collision_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mappings, "rule_id", lambda name: 7)
    with pytest.raises(RenderError, match="same rule-id 7"):
        table_mappings(_task(_table("barcodes")))


def test_mapping_json_is_compact_and_sorted() -> None:
    task = _task(_table("barcodes"))
    text = mapping_json(task)
    assert json.loads(text) == table_mappings(task)
    assert text == json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))


def test_task_settings_default_to_do_nothing(templates_dir) -> None:
    settings = task_settings(_task(_table("barcodes")), templates_dir)
    assert settings["FullLoadSettings"]["TargetTablePrepMode"] == "DO_NOTHING"
    assert settings["Logging"]["EnableLogging"] is True


def test_task_settings_deep_merge_overrides(templates_dir) -> None:
    task = replace(_task(_table("barcodes")), settings={"FullLoadSettings": {"CommitRate": 500}})
    settings = task_settings(task, templates_dir)
    assert settings["FullLoadSettings"]["CommitRate"] == 500
    assert settings["FullLoadSettings"]["TargetTablePrepMode"] == "DO_NOTHING"
    # the defaults are not changed for the next task
    assert task_settings(_task(_table("x")), templates_dir)["FullLoadSettings"]["CommitRate"] != 500

"""A failed task's message ends with the next step: what to fix, then what to clear."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from airflow.sdk.exceptions import AirflowFailException

from dms_deploy.apply.errors import PreconditionFailed
from dms_deploy.apply.stacks import delete_stack
from dms_deploy.operators.offline import ValidateConfigsOperator


def _validate(configs: Path, templates_dir: Path) -> str:
    task = ValidateConfigsOperator(
        task_id="validate_configs", configs_dir=str(configs), templates_dir=str(templates_dir)
    )
    with pytest.raises(AirflowFailException) as failed:
        task.execute({"params": {}})
    return str(failed.value)


def test_an_unreadable_config_says_fix_the_file_then_clear(tmp_path, templates_dir) -> None:
    configs = tmp_path / "configs"
    (configs / "teams").mkdir(parents=True)  # no base.json
    message = _validate(configs, templates_dir)
    assert message.startswith("cannot read the configs")
    assert message.endswith("fix the file, then clear this task")


def test_failed_config_checks_say_where_the_findings_are_and_what_to_clear(
    tmp_path, examples_dir, templates_dir
) -> None:
    configs = tmp_path / "configs"
    shutil.copytree(examples_dir, configs)
    next((configs / "teams").glob("*.json")).write_text("{")
    message = _validate(configs, templates_dir)
    assert message.startswith("config checks failed: DMS001")
    assert message.endswith("`dmsctl validate` shows the same findings), then clear this task")


class _BusyStacks:
    def describe_stacks(self, StackName: str) -> dict:
        return {"Stacks": [{"StackName": StackName, "StackStatus": "UPDATE_IN_PROGRESS"}]}


def test_deleting_a_busy_stack_says_when_to_clear() -> None:
    with pytest.raises(PreconditionFailed) as busy:
        delete_stack(_BusyStacks(), "dms-food")
    assert str(busy.value).endswith("Clear this step's deploy_stack when that operation is over")

"""What deploy_stack and verify_no_s3_overwrite log: a change set's changes, as a table."""

from __future__ import annotations

from dms_deploy.apply.stacks import change_rows
from dms_deploy.operators.text_table import text_table

CHANGES = [
    {
        "Type": "Resource",
        "ResourceChange": {
            "Action": "Modify",
            "LogicalResourceId": "TaskRecipes",
            "ResourceType": "AWS::DMS::ReplicationTask",
            "Replacement": "False",
        },
    },
    {
        "Type": "Resource",
        "ResourceChange": {
            "Action": "Add",
            "LogicalResourceId": "TaskRecipesReload",
            "ResourceType": "AWS::DMS::ReplicationTask",
        },
    },
]


def test_each_resource_change_is_a_row_with_its_replacement():
    assert change_rows(CHANGES) == (
        ("TaskRecipes", "AWS::DMS::ReplicationTask", "Modify", "False"),
        ("TaskRecipesReload", "AWS::DMS::ReplicationTask", "Add", "-"),
    )


def test_the_table_pads_columns_and_aligns_numbers_right():
    table = text_table(("folder", "unchanged", "new"), [("dms/data/a/", 3, 12), ("b/", 120, 0)])
    assert table.splitlines() == [
        "folder       unchanged  new",
        "-----------  ---------  ---",
        "dms/data/a/          3   12",
        "b/                 120    0",
    ]
    changes = text_table(("logical id", "type", "action", "replacement"), change_rows(CHANGES))
    assert changes.splitlines()[2].split() == [
        "TaskRecipes",
        "AWS::DMS::ReplicationTask",
        "Modify",
        "False",
    ]

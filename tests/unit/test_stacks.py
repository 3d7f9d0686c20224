"""Rendering stacks: names, contents, escaping, strictness, and shared export names."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dms_deploy.config.load import load_configs
from dms_deploy.render.errors import RenderError
from dms_deploy.render.stacks import render_all, render_base_stack, render_team_stack


@pytest.fixture
def configs(base_doc, team_doc, write_configs):
    return load_configs(write_configs(base_doc, {"food": team_doc})).configs


def _resources(stack, kind: str) -> dict:
    return {k: v for k, v in stack.template["Resources"].items() if v["Type"] == kind}


def test_render_all_orders_base_then_teams(example_report) -> None:
    stacks = example_report.stacks
    assert [(s.name, s.team) for s in stacks] == [
        ("dms-base", "base"),
        ("dms-food", "food"),
        ("dms-logistics", "logistics"),
        ("dms-payments", "payments"),
    ]


def test_base_stack_contents(configs, templates_dir) -> None:
    stack = render_base_stack(configs, templates_dir)
    endpoints = _resources(stack, "AWS::DMS::Endpoint")
    s3 = {
        e["Properties"]["EndpointIdentifier"]: e["Properties"]["S3Settings"]
        for e in endpoints.values()
    }
    assert set(s3) == {"dms-base-s3-1min", "dms-base-s3-10min"}
    assert s3["dms-base-s3-1min"]["CdcMaxBatchInterval"] == 60
    assert s3["dms-base-s3-1min"]["BucketName"] == "acme-data-lake"
    [subnets] = _resources(stack, "AWS::DMS::ReplicationSubnetGroup").values()
    assert subnets["Properties"]["SubnetIds"] == {
        "Fn::Split": [",", {"Fn::ImportValue": "network-PrivateSubnetIds"}]
    }
    [group] = _resources(stack, "AWS::EC2::SecurityGroup").values()
    assert group["Properties"]["VpcId"] == {"Fn::ImportValue": "network-VpcId"}
    assert "SecretsAccessRole" not in stack.template["Resources"]


def test_team_stack_reads_only_its_own_secrets(configs, templates_dir) -> None:
    """Each team's endpoints use a role of the team's own stack, limited to its secrets:
    adding an endpoint changes that team's stack only, never the shared base stack."""
    stack = render_team_stack(configs, "food", templates_dir)
    secrets_policy = stack.template["Resources"]["SecretsAccessRole"]["Properties"]["Policies"][0]
    resources = secrets_policy["PolicyDocument"]["Statement"][0]["Resource"]
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:dms/fooddb"
    assert resources == [arn, f"{arn}-??????"]
    for endpoint in _resources(stack, "AWS::DMS::Endpoint").values():
        settings = endpoint["Properties"]["MySqlSettings"]
        assert settings["SecretsManagerAccessRoleArn"] == {
            "Fn::GetAtt": ["SecretsAccessRole", "Arn"]
        }


def test_team_stack_contents(configs, templates_dir) -> None:
    stack = render_team_stack(configs, "food", templates_dir)
    assert (stack.name, stack.team) == ("dms-food", "food")
    [task] = _resources(stack, "AWS::DMS::ReplicationTask").values()
    props = task["Properties"]
    assert props["ReplicationTaskIdentifier"] == "food-foodsearch"
    assert props["MigrationType"] == "full-load-and-cdc"
    assert props["TargetEndpointArn"] == {"Fn::ImportValue": "dms-base-TargetEndpointArn-s3-10min"}
    assert {"Key": "task", "Value": "foodsearch"} in props["Tags"]
    assert isinstance(props["TableMappings"], str) and isinstance(
        props["ReplicationTaskSettings"], str
    )
    [instance] = _resources(stack, "AWS::DMS::ReplicationInstance").values()
    assert instance["Properties"]["ReplicationInstanceIdentifier"] == "food-food-1"
    assert instance["Properties"]["PubliclyAccessible"] is False
    assert props["ReplicationInstanceArn"] == {
        "Ref": next(iter(_resources(stack, "AWS::DMS::ReplicationInstance")))
    }
    [endpoint] = _resources(stack, "AWS::DMS::Endpoint").values()
    assert endpoint["Properties"]["MySqlSettings"]["SecretsManagerSecretId"].endswith("dms/fooddb")
    assert "Password" not in endpoint["Properties"]


def test_every_import_of_a_team_stack_is_exported_by_the_base_stack(example_report) -> None:
    base, *teams = example_report.stacks
    exported = {o["Export"]["Name"] for o in base.template["Outputs"].values()}

    def imports(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "Fn::ImportValue":
                    yield value
                else:
                    yield from imports(value)
        elif isinstance(node, list):
            for item in node:
                yield from imports(item)

    needed = {name for team in teams for name in imports(team.template)}
    assert needed and needed <= exported


def test_values_are_inserted_as_data_never_as_code(
    base_doc, team_doc, write_configs, templates_dir
) -> None:
    tricky = 'it\'s "quoted" {{ 7*7 }} {% if %}\n- key: [x] # not a comment &anchor'
    base_doc["description"] = tricky
    configs = load_configs(write_configs(base_doc, {"food": team_doc})).configs
    stack = render_base_stack(configs, templates_dir)
    assert stack.template["Description"] == tricky


def test_strict_undefined_refuses_a_missing_variable(configs, edited_templates) -> None:
    custom = edited_templates("base.yaml.j2", lambda text: text + "\n# {{ no_such_variable }}\n")
    with pytest.raises(RenderError, match="no_such_variable"):
        render_base_stack(configs, custom)


def test_paused_tasks_are_still_in_the_template(configs, templates_dir) -> None:
    team = configs.teams["food"]
    task = replace(team.tasks["foodsearch"], paused=True)
    paused = replace(configs, teams={"food": replace(team, tasks={"foodsearch": task})})
    stack = render_team_stack(paused, "food", templates_dir)
    assert len(_resources(stack, "AWS::DMS::ReplicationTask")) == 1


def test_tasks_record_what_is_configured_paused(configs, templates_dir) -> None:
    """The deployed template remembers paused tasks and tables (metadata), and pausing a
    task changes a property (a tag), so CloudFormation performs the update."""
    team = configs.teams["food"]
    task = team.tasks["foodsearch"]
    first = task.tables[0]
    tables = (replace(first, paused=True), *task.tables[1:])
    edited = replace(task, paused=True, tables=tables)
    paused = replace(configs, teams={"food": replace(team, tasks={"foodsearch": edited})})
    before = _resources(
        render_team_stack(configs, "food", templates_dir), "AWS::DMS::ReplicationTask"
    )
    after = _resources(
        render_team_stack(paused, "food", templates_dir), "AWS::DMS::ReplicationTask"
    )
    (old,) = before.values()
    (new,) = after.values()
    already = sorted(f"{t.source}@{t.version}" for t in task.tables if t.paused)
    assert f"{first.source}@{first.version}" not in already
    assert old["Metadata"]["DmsDeploy"] == {
        "Team": "food",
        "Task": "foodsearch",
        "Paused": False,
        "PausedTables": already,
    }
    assert new["Metadata"]["DmsDeploy"]["Paused"] is True
    assert new["Metadata"]["DmsDeploy"]["PausedTables"] == sorted(
        [*already, f"{first.source}@{first.version}"]
    )
    assert {"Key": "paused", "Value": "false"} in old["Properties"]["Tags"]
    assert {"Key": "paused", "Value": "true"} in new["Properties"]["Tags"]


def test_render_all_matches_single_renders(configs, templates_dir) -> None:
    stacks = render_all(configs, templates_dir)
    assert [s.body for s in stacks] == [
        render_base_stack(configs, templates_dir).body,
        render_team_stack(configs, "food", templates_dir).body,
    ]

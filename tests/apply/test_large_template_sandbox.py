"""A team template over CloudFormation's 51,200-byte inline limit deploys through S3."""

from __future__ import annotations

import boto3
import pytest

from dms_deploy.apply.polling import wait_until
from dms_deploy.apply.stacks import deploy_stack, is_deployed, parse_template, stack_progress
from dms_deploy.apply.template_store import TemplateStore, store_templates, template_key
from dms_deploy.config.load import load_configs
from dms_deploy.paths import default_templates_dir
from dms_deploy.plan.templates import digest
from dms_deploy.render.stacks import render_base_stack, render_team_stack
from tests.apply.large_team import STACK, TEAM, assert_too_large, write_large_configs

pytestmark = pytest.mark.sandbox

S3_OBJECT_WRITES = {"PutObject", "CopyObject", "DeleteObject", "DeleteObjects"}


def settle(cfn, name: str) -> str:
    def done() -> str | None:
        progress = stack_progress(cfn, name)
        if progress.done and not progress.ok:
            raise AssertionError(progress.describe())
        return progress.status if progress.done else None

    return wait_until(done, what=name, timeout_seconds=60, poll_seconds=0.05)


def keys(s3, bucket: str, prefix: str) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def s3_operations(sandbox) -> list[str]:
    return [c["operation"] for c in sandbox.calls() if c["service"] == "s3"]


def test_a_large_team_template_deploys_by_url_once_and_reruns_unchanged(
    bootstrapped_sandbox, tmp_path
) -> None:
    sandbox = bootstrapped_sandbox
    configs = load_configs(write_large_configs(tmp_path)).configs
    assert configs is not None
    cfn, s3 = boto3.client("cloudformation"), boto3.client("s3")
    bucket, folder = configs.base.bucket, configs.base.bucket_folder
    store = TemplateStore(s3, bucket, folder)
    templates = default_templates_dir()
    sandbox.clear_calls()

    base = render_base_stack(configs, templates)
    assert deploy_stack(cfn, base.name, base.body, store=store, poll_seconds=0.05).expect_change
    assert settle(cfn, base.name) == "CREATE_COMPLETE"
    assert s3_operations(sandbox) == [], "a body within the limit goes inline"

    body = render_team_stack(configs, TEAM, templates).body
    assert_too_large(body)
    outcome = deploy_stack(cfn, STACK, body, store=store, poll_seconds=0.05)
    assert outcome.action == "executed"
    assert settle(cfn, STACK) == "CREATE_COMPLETE"
    assert is_deployed(cfn, STACK, body)
    deployed = cfn.get_template(StackName=STACK, TemplateStage="Original")["TemplateBody"]
    assert parse_template(deployed) == parse_template(body)

    key = template_key(folder, STACK, body)
    assert key.startswith(f"{folder}/cloudformation/{STACK}/")
    assert keys(s3, bucket, f"{folder}/cloudformation/") == [key]
    assert keys(s3, bucket, "") == [key], "the upload wrote nothing else, under data/ or anywhere"
    stored = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    assert stored == body.encode("utf-8")

    # A rerun of the step: the stack already holds the template, nothing is uploaded again.
    assert deploy_stack(cfn, STACK, body, store=store, poll_seconds=0.05).action == "unchanged"
    writes = [op for op in s3_operations(sandbox) if op in S3_OBJECT_WRITES]
    assert writes == ["PutObject"]


def test_a_rerun_after_the_upload_finds_the_object_and_does_not_put_it_again(
    bootstrapped_sandbox, tmp_path
) -> None:
    """The object is there but the change set was never created (the step failed in
    between): the rerun creates the change set from the object already uploaded."""
    sandbox = bootstrapped_sandbox
    configs = load_configs(write_large_configs(tmp_path)).configs
    assert configs is not None
    cfn, s3 = boto3.client("cloudformation"), boto3.client("s3")
    store = TemplateStore(s3, configs.base.bucket, configs.base.bucket_folder)
    templates = default_templates_dir()
    base = render_base_stack(configs, templates)
    deploy_stack(cfn, base.name, base.body, store=store, poll_seconds=0.05)
    settle(cfn, base.name)

    body = render_team_stack(configs, TEAM, templates).body
    key = template_key(store.bucket_folder, STACK, body)
    s3.put_object(Bucket=store.bucket, Key=key, Body=body.encode("utf-8"))
    sandbox.clear_calls()

    assert deploy_stack(cfn, STACK, body, store=store, poll_seconds=0.05).action == "executed"
    assert settle(cfn, STACK) == "CREATE_COMPLETE"
    assert "HeadObject" in s3_operations(sandbox)
    assert not [op for op in s3_operations(sandbox) if op in S3_OBJECT_WRITES]

    # An update of a large template goes the same way, to a key of its own.
    updated = body.replace("extra_table_000", "extra_table_999")
    assert deploy_stack(cfn, STACK, updated, store=store, poll_seconds=0.05).action == "executed"
    assert settle(cfn, STACK) == "UPDATE_COMPLETE"
    assert is_deployed(cfn, STACK, updated)
    assert sorted(keys(s3, store.bucket, "")) == sorted(
        [key, template_key(store.bucket_folder, STACK, updated)]
    )


def test_the_deploy_operator_reads_the_planned_template_from_the_items_bucket_folder(
    bootstrapped_sandbox, tmp_path
) -> None:
    """DeployStackOperator reads the template check_state stored in the item's bucket and
    folder, by its SHA-256, and deploys it by the URL of that same object."""
    from dms_deploy.operators.step import DeployStackOperator

    configs = load_configs(write_large_configs(tmp_path)).configs
    assert configs is not None
    cfn, s3 = boto3.client("cloudformation"), boto3.client("s3")
    templates = default_templates_dir()
    base = render_base_stack(configs, templates)
    deploy_stack(cfn, base.name, base.body, poll_seconds=0.05)
    settle(cfn, base.name)

    body = render_team_stack(configs, TEAM, templates).body
    bucket, folder = configs.base.bucket, configs.base.bucket_folder
    (key,) = store_templates(TemplateStore(s3, bucket, folder), [(STACK, body)])
    item = {
        "stack": {"name": STACK, "action": "create", "body_sha256": digest(body)},
        "announced": [],
        "pause": [],
        "s3": {"bucket": bucket, "bucket_folder": folder},
    }
    operator = DeployStackOperator(task_id="deploy_stack", item=item, poll_seconds=0.05)
    result = operator.execute({})
    assert result["action"] == "executed"
    assert settle(cfn, STACK) == "CREATE_COMPLETE"
    assert keys(s3, bucket, "") == [key] == [template_key(folder, STACK, body)]

"""Create what a real account already has before our base stack is deployed.

Reads ``<configs>/base.json`` and ``<configs>/teams/*.json`` as plain JSON (the sandbox never
imports the product), then creates, idempotently:

* a CloudFormation stack (``network_stack_name``, default ``network``) with a VPC and two
  private subnets, exporting ``<network>-VpcId`` and ``<network>-PrivateSubnetIds``;
* the data-lake bucket (``bucket``);
* a Secrets Manager secret for every endpoint ``secret`` ARN in the team configs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sandbox import ACCOUNT_ID, REGION
from sandbox.state import STATE

DEFAULT_CONFIGS = Path(__file__).resolve().parent.parent / "dms_configs"


def network_template() -> dict[str, Any]:
    def subnet(cidr: str, az: str) -> dict[str, Any]:
        return {
            "Type": "AWS::EC2::Subnet",
            "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": cidr, "AvailabilityZone": az},
        }

    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Sandbox network: the VPC and private subnets an account already has",
        "Resources": {
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
            "PrivateSubnetA": subnet("10.0.1.0/24", f"{REGION}a"),
            "PrivateSubnetB": subnet("10.0.2.0/24", f"{REGION}b"),
        },
        "Outputs": {
            "VpcId": {
                "Value": {"Ref": "Vpc"},
                "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-VpcId"}},
            },
            "PrivateSubnetIds": {
                "Value": {
                    "Fn::Join": [",", [{"Ref": "PrivateSubnetA"}, {"Ref": "PrivateSubnetB"}]]
                },
                "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-PrivateSubnetIds"}},
            },
        },
    }


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def secret_names(configs: Path) -> list[str]:
    names: set[str] = set()
    for team_file in sorted((configs / "teams").glob("*.json")):
        endpoints = _read_json(team_file).get("endpoints") or {}
        if not isinstance(endpoints, dict):
            continue
        for endpoint in endpoints.values():
            arn = endpoint.get("secret") if isinstance(endpoint, dict) else None
            if isinstance(arn, str) and ":secret:" in arn:
                names.add(arn.split(":secret:", 1)[1])
    return sorted(names)


def bootstrap(configs_dir: str | None = None) -> dict[str, Any]:
    from moto.cloudformation.models import cloudformation_backends
    from moto.s3.models import s3_backends
    from moto.secretsmanager.models import secretsmanager_backends

    from sandbox.cfn import engine

    configs = Path(configs_dir) if configs_dir else DEFAULT_CONFIGS
    base = _read_json(configs / "base.json")
    network = base.get("network_stack_name") or "network"
    bucket = base.get("bucket")
    summary: dict[str, Any] = {
        "configs": str(configs),
        "network_stack": network,
        "bucket": bucket,
        "secrets": [],
    }
    with STATE.lock:
        cfn = cloudformation_backends[ACCOUNT_ID][REGION]
        if not any(s.name == network for s in cfn.stacks.values()):
            stack = cfn.create_stack(
                name=network, template=json.dumps(network_template()), parameters={}
            )
            engine.finish_now(stack)
        if bucket:
            s3 = s3_backends[ACCOUNT_ID]["aws"]
            if bucket not in s3.buckets:
                s3.create_bucket(bucket, REGION)
        secrets = secretsmanager_backends[ACCOUNT_ID][REGION]
        for name in secret_names(configs):
            if not secrets.secrets.get(name):
                secrets.create_secret(
                    name=name,
                    secret_string=json.dumps({"username": "sandbox", "password": "sandbox"}),
                    secret_binary=None,
                    description="Created by the sandbox bootstrap",
                    tags=None,
                    kms_key_id=None,
                    client_request_token=None,
                    replica_regions=[],
                    force_overwrite=False,
                )
            summary["secrets"].append(name)
    return summary

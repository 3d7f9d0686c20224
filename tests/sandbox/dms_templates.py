"""A small base + team template pair, in the shape the product renders, for contract tests."""

from __future__ import annotations

import json
from typing import Any


def table_mappings(tables: list[tuple[str, str, str]]) -> str:
    """Selection + rename rules: (schema, table, target table folder)."""
    rules: list[dict[str, Any]] = []
    rid = 1
    for schema in sorted({s for s, _, _ in tables}):
        rules.append(
            {
                "rule-type": "transformation",
                "rule-id": str(rid),
                "rule-name": f"s-{schema}",
                "rule-target": "schema",
                "object-locator": {"schema-name": schema},
                "rule-action": "rename",
                "value": "data",
            }
        )
        rid += 1
    for schema, table, folder in tables:
        rules.append(
            {
                "rule-type": "selection",
                "rule-id": str(rid),
                "rule-name": f"sel-{folder}",
                "object-locator": {"schema-name": schema, "table-name": table.replace("_", "[_]")},
                "rule-action": "include",
            }
        )
        rid += 1
        rules.append(
            {
                "rule-type": "transformation",
                "rule-id": str(rid),
                "rule-name": f"ren-{folder}",
                "rule-target": "table",
                "object-locator": {"schema-name": schema, "table-name": table.replace("_", "[_]")},
                "rule-action": "rename",
                "value": folder,
            }
        )
        rid += 1
    return json.dumps({"rules": rules})


def team_template(
    tables: list[tuple[str, str, str]],
    *,
    bucket: str = "acme-data-lake",
    cdc_interval: int = 60,
    instance: str = "InstanceA",
    task_id: str = "food-orders",
    migration_type: str = "full-load-and-cdc",
    s3_settings: dict[str, Any] | None = None,
) -> str:
    resources: dict[str, Any] = {
        "InstanceA": {
            "Type": "AWS::DMS::ReplicationInstance",
            "Properties": {
                "ReplicationInstanceIdentifier": "food-ri-a",
                "ReplicationInstanceClass": "dms.t3.medium",
                "AllocatedStorage": 50,
                "PubliclyAccessible": False,
            },
        },
        "InstanceB": {
            "Type": "AWS::DMS::ReplicationInstance",
            "Properties": {
                "ReplicationInstanceIdentifier": "food-ri-b",
                "ReplicationInstanceClass": "dms.t3.medium",
                "PubliclyAccessible": False,
            },
        },
        "Source": {
            "Type": "AWS::DMS::Endpoint",
            "Properties": {
                "EndpointIdentifier": "fooddb",
                "EndpointType": "source",
                "EngineName": "mysql",
                "ServerName": "fooddb.internal",
                "Port": 3306,
                "MySqlSettings": {"SecretsManagerSecretId": "dms/fooddb"},
            },
        },
        "Target": {
            "Type": "AWS::DMS::Endpoint",
            "Properties": {
                "EndpointIdentifier": "s3-target",
                "EndpointType": "target",
                "EngineName": "s3",
                "S3Settings": {
                    "BucketName": bucket,
                    "BucketFolder": "dms",
                    "CdcMaxBatchInterval": cdc_interval,
                    "ServiceAccessRoleArn": "arn:aws:iam::123456789012:role/dms",
                    **(s3_settings or {}),
                },
            },
        },
        "Task": {
            "Type": "AWS::DMS::ReplicationTask",
            "Properties": {
                "ReplicationTaskIdentifier": task_id,
                "MigrationType": migration_type,
                "ReplicationInstanceArn": {"Ref": instance},
                "SourceEndpointArn": {"Ref": "Source"},
                "TargetEndpointArn": {"Ref": "Target"},
                "TableMappings": table_mappings(tables),
                "ReplicationTaskSettings": json.dumps(
                    {"FullLoadSettings": {"TargetTablePrepMode": "DO_NOTHING"}}
                ),
            },
        },
    }
    outputs = {
        "TaskArn": {"Value": {"Ref": "Task"}, "Export": {"Name": "food-TaskArn"}},
        "TargetExternalId": {"Value": {"Fn::GetAtt": ["Target", "ExternalId"]}},
        "InstanceIps": {
            "Value": {"Fn::GetAtt": [instance, "ReplicationInstancePrivateIpAddresses"]}
        },
    }
    return json.dumps(
        {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources, "Outputs": outputs}
    )

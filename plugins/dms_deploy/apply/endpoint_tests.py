"""Before a resume: wait until DMS has finished testing the connections of the endpoints
the step changed, and stop with DMS's message if a test failed.

A changed endpoint (server, port, secret) is tested again by DMS. A task started while its
endpoint's test runs can fail to start, or start on the old settings; Terraform users meet
this as hashicorp/terraform-provider-aws #27661 and #46139. Connection tests and their
`testing` -> `successful` / `failed` states are read with DescribeConnections (filters
`endpoint-arn` and `replication-instance-arn`):
https://docs.aws.amazon.com/dms/latest/APIReference/API_DescribeConnections.html
https://docs.aws.amazon.com/dms/latest/APIReference/API_Connection.html
Endpoint ids are resolved with DescribeEndpoints (filter `endpoint-id`):
https://docs.aws.amazon.com/dms/latest/APIReference/API_DescribeEndpoints.html
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from botocore.exceptions import ClientError

from dms_deploy.apply.dms_tasks import describe_tasks
from dms_deploy.apply.errors import ApplyError
from dms_deploy.apply.polling import Waiting

TESTING = "testing"
FAILED = "failed"


def endpoint_arns(dms: Any, identifiers: Iterable[str]) -> set[str]:
    wanted = sorted(set(identifiers))
    if not wanted:
        return set()
    arns: set[str] = set()
    paginator = dms.get_paginator("describe_endpoints")
    try:
        for page in paginator.paginate(Filters=[{"Name": "endpoint-id", "Values": wanted}]):
            arns |= {e["EndpointArn"] for e in page.get("Endpoints", [])}
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceNotFoundFault":
            raise
    return arns


def connections(dms: Any, endpoints: set[str], instances: set[str]) -> list[dict]:
    """The connection tests of these endpoints from these replication instances."""
    filters = [
        {"Name": "endpoint-arn", "Values": sorted(endpoints)},
        {"Name": "replication-instance-arn", "Values": sorted(instances)},
    ]
    found: list[dict] = []
    try:
        for page in dms.get_paginator("describe_connections").paginate(Filters=filters):
            found += page.get("Connections", [])
    except ClientError as error:
        # No connection was ever tested: there is nothing to wait for.
        if error.response["Error"]["Code"] != "ResourceNotFoundFault":
            raise
    return found


def wait_for_connection_tests(
    dms: Any,
    task_ids: Iterable[str],
    changed_endpoints: Iterable[str],
    waiting: Waiting | None = None,
) -> list[str]:
    """Wait until no changed endpoint that one of the tasks uses is being tested.

    Returns `<endpoint> from <instance>: <status>` for each test it looked at; raises
    ApplyError with DMS's LastFailureMessage when a test failed (the tasks stay stopped:
    fix the endpoint, test its connection, and clear the step).
    """
    waiting = waiting or Waiting()
    changed = endpoint_arns(dms, changed_endpoints)
    tasks = describe_tasks(dms, task_ids).values() if changed else ()
    used = {t.get(k) for t in tasks for k in ("SourceEndpointArn", "TargetEndpointArn")}
    endpoints = changed & used
    instances = {t["ReplicationInstanceArn"] for t in tasks}
    if not endpoints:
        return []

    def probe() -> list[str] | None:
        found = connections(dms, endpoints, instances)
        failed = [c for c in found if c.get("Status") == FAILED]
        if failed:
            raise ApplyError(
                "the connection test of a changed endpoint failed, so its tasks were not "
                "started: "
                + "; ".join(
                    f"{_where(c)}: {c.get('LastFailureMessage') or 'no reason given'}"
                    for c in failed
                )
                + ". Fix the endpoint (server, port, secret), test its connection again, "
                "then clear this step"
            )
        if any(c.get("Status") == TESTING for c in found):
            return None
        return [f"{_where(c)}: {c.get('Status')}" for c in found]

    return waiting.until(probe, "connection tests of " + ", ".join(sorted(changed_endpoints)))


def _where(connection: dict) -> str:
    return (
        f"endpoint {connection.get('EndpointIdentifier')} from instance "
        f"{connection.get('ReplicationInstanceIdentifier')}"
    )

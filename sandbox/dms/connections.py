"""Endpoint connection tests: TestConnection and DescribeConnections.

A test runs on a replication instance that is ``available`` (else InvalidResourceStateFault)
and shows ``testing``, then ``successful`` or ``failed`` with ``LastFailureMessage``. Changing
an endpoint (ModifyEndpoint) tests its connections again; deleting the endpoint or the
instance removes them.
https://docs.aws.amazon.com/dms/latest/APIReference/API_TestConnection.html
https://docs.aws.amazon.com/dms/latest/APIReference/API_DescribeConnections.html
https://docs.aws.amazon.com/dms/latest/APIReference/API_Connection.html

The ``fail-connection`` fault (control API) makes tests of one endpoint fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moto.dms.exceptions import InvalidResourceStateFault, ResourceNotFoundFault
from moto.dms.models import DatabaseMigrationServiceBackend

from sandbox import clock as durations
from sandbox.state import STATE

TESTING, SUCCESSFUL, FAILED = "testing", "successful", "failed"


@dataclass
class Connection:
    instance_arn: str
    instance_id: str
    endpoint_arn: str
    endpoint_id: str
    status: str = TESTING
    message: str = ""
    generation: int = 0

    def to_dict(self) -> dict[str, Any]:
        data = {
            "ReplicationInstanceArn": self.instance_arn,
            "ReplicationInstanceIdentifier": self.instance_id,
            "EndpointArn": self.endpoint_arn,
            "EndpointIdentifier": self.endpoint_id,
            "Status": self.status,
        }
        if self.message:
            data["LastFailureMessage"] = self.message
        return data


def _store(backend: DatabaseMigrationServiceBackend) -> dict[tuple[str, str], Connection]:
    # Kept on the backend, so a sandbox reset (new backends) forgets them too.
    if not hasattr(backend, "sandbox_connections"):
        backend.sandbox_connections = {}  # type: ignore[attr-defined]
    return backend.sandbox_connections  # type: ignore[attr-defined, no-any-return]


def _endpoint(backend: DatabaseMigrationServiceBackend, arn: str) -> Any:
    endpoint = next((e for e in backend.endpoints.values() if e.endpoint_arn == arn), None)
    if endpoint is None:
        raise ResourceNotFoundFault("Endpoint could not be found.")
    return endpoint


def _run(connection: Connection) -> None:
    connection.status = TESTING
    connection.message = ""
    connection.generation += 1
    generation = connection.generation

    def done(_: float) -> None:
        if connection.generation != generation:
            return
        failure = STATE.faults.failing_connections.get(
            connection.endpoint_arn
        ) or STATE.faults.failing_connections.get(connection.endpoint_id)
        connection.status = FAILED if failure else SUCCESSFUL
        connection.message = failure or ""

    STATE.clock.after(durations.CONNECTION_TEST, done)


def test(backend: DatabaseMigrationServiceBackend, instance_arn: str, endpoint_arn: str) -> Any:
    instance = backend.replication_instances.get(instance_arn)
    if instance is None:
        raise ResourceNotFoundFault("Replication instance could not be found.")
    endpoint = _endpoint(backend, endpoint_arn)
    if instance.status != "available":
        raise InvalidResourceStateFault(
            f"Replication instance {instance.id} is in the {instance.status} state; "
            "a connection can be tested only on an available replication instance."
        )
    key = (instance_arn, endpoint_arn)
    store = _store(backend)
    connection = store.get(key) or Connection(
        instance_arn, instance.id, endpoint_arn, endpoint.endpoint_identifier
    )
    connection.endpoint_id = endpoint.endpoint_identifier
    store[key] = connection
    _run(connection)
    return connection


def retest_endpoint(backend: DatabaseMigrationServiceBackend, endpoint_arn: str) -> None:
    """A changed endpoint is tested again on every instance it was tested on."""
    endpoint = _endpoint(backend, endpoint_arn)
    for connection in _store(backend).values():
        if connection.endpoint_arn == endpoint_arn:
            connection.endpoint_id = endpoint.endpoint_identifier
            _run(connection)


def drop(
    backend: DatabaseMigrationServiceBackend,
    endpoint_arn: str | None = None,
    instance_arn: str | None = None,
) -> None:
    store = _store(backend)
    for key in [k for k in store if endpoint_arn == k[1] or instance_arn == k[0]]:
        del store[key]


def all_connections(backend: DatabaseMigrationServiceBackend) -> list[Connection]:
    return list(_store(backend).values())

"""The AWS side shared by the commands that read live state (plan, drift, history)."""

from __future__ import annotations

from pathlib import Path

from botocore.exceptions import ClientError

from dms_deploy.config.load import environment_connection
from dms_deploy.state.clients import AwsClients, ensure_reachable


def aws_clients(aws_conn_id: str | None, configs_dir: Path, env: str | None = None) -> AwsClients:
    """Clients for `--aws-conn-id`, else the environment's connection and region; a
    connection that does not exist, or AWS that cannot be reached, raises AwsUnusable."""
    env_conn_id, region = environment_connection(configs_dir, env)
    aws_conn_id = aws_conn_id or env_conn_id
    ensure_reachable(aws_conn_id, region)
    return AwsClients.from_hooks(aws_conn_id=aws_conn_id, region_name=region)


def aws_reason(exc: Exception) -> str:
    """One line for an AWS error: its code and message, never a traceback."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'error')}: {error.get('Message', exc)}"
    return str(exc)

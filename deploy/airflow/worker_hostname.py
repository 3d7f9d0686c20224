"""The host name a local Celery worker reports for the task instances it runs.

Workers in production run on separate machines, so each task instance's `hostname` names the
machine that ran it. Two workers on one machine would report the same name; each local worker
therefore gets its own in `DMS_DEPLOY_WORKER_HOSTNAME`, read by Airflow through
`[core] hostname_callable = deploy.airflow.worker_hostname.hostname`.
"""

from __future__ import annotations

import os
import socket

ENV_VAR = "DMS_DEPLOY_WORKER_HOSTNAME"


def hostname() -> str:
    return os.environ.get(ENV_VAR) or socket.getfqdn()

"""The production shape on loopback: CeleryExecutor, PostgreSQL, Redis and two workers.

`CeleryAirflow` is `run_local.LocalAirflow` (the sandbox, api-server, scheduler, dag-processor
and triggerer, each in its own process group) with the settings docker-compose.yaml gives
Airflow (`SHARED_SETTINGS`, kept in step by tests/production/test_compose_file.py), and:

- the metadata database in a fresh PostgreSQL database, created at start and dropped at stop;
- the Celery broker in a Redis database of its own (claimed among 1-15, flushed at start
  and at stop), and the Celery results in the PostgreSQL database;
- Celery workers with their own host names, as on separate machines: each task instance
  records the worker that ran it (`worker_hostname`);
- `kill`, `restart` and `respawn` of one component, for tests of what production survives.

PostgreSQL (trust authentication, user `postgres` or `root`) and Redis must listen on
127.0.0.1; `unreachable_services()` says why not when they do not.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import psutil
import psycopg2
import redis

from deploy.airflow import worker_hostname
from deploy.airflow.run_local import REPO, LocalAirflow, StartError, _signal_group

# What docker-compose.yaml sets for every Airflow service, verbatim.
SHARED_SETTINGS: dict[str, str] = {
    "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
    # Each task runs in a forked child of its worker: a lost worker loses its tasks with it,
    # and only the heartbeat timeout below tells the scheduler.
    "AIRFLOW__CELERY__POOL": "prefork",
    # A running task whose heartbeat stopped this long ago (its worker died) is failed, and
    # retried on another worker. Every step of the DAG is safe to rerun. Airflow's default
    # (300 s) would hold a deploy that long after a lost worker.
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "60",
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
}
# The URLs differ from docker-compose.yaml's in host, credentials and database only. The driver
# is named: SQLAlchemy 2.1 would otherwise pick psycopg (3) for "postgresql".
URL_SCHEMES: dict[str, str] = {
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "postgresql+psycopg2",
    "AIRFLOW__CELERY__RESULT_BACKEND": "db+postgresql+psycopg2",
    "AIRFLOW__CELERY__BROKER_URL": "redis",
}
CELERY_APP = "airflow.providers.celery.executors.celery_executor.app"
CELERY = [sys.executable, "-m", "celery", "--app", CELERY_APP]
POSTGRES_HOST, POSTGRES_PORT = "127.0.0.1", 5432
POSTGRES_USERS = ("postgres", "root")
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# Database 0 is left to others (docker-compose.yaml uses it). A claim outlives a run that
# died without releasing it by this long at most.
REDIS_DBS = range(1, 16)
CLAIM_KEY = "dms-deploy:claimed-by"
CLAIM_SECONDS = 2 * 3600


class ServiceUnavailable(RuntimeError):
    """PostgreSQL or Redis cannot be used; the message says which and why."""


def postgres_user() -> str:
    """The first of POSTGRES_USERS that the local PostgreSQL lets in."""
    reasons = []
    for user in POSTGRES_USERS:
        try:
            _postgres(user).close()
            return user
        except psycopg2.Error as exc:
            reasons.append(f"{user}: {' '.join(str(exc).split())}")
    raise ServiceUnavailable(
        f"PostgreSQL at {POSTGRES_HOST}:{POSTGRES_PORT} is not usable ({'; '.join(reasons)})"
    )


def unreachable_services() -> str | None:
    """Why the Celery shape cannot run here (no PostgreSQL or Redis), or None."""
    problems = []
    try:
        postgres_user()
    except ServiceUnavailable as exc:
        problems.append(str(exc))
    try:
        _redis(0).ping()
    except redis.RedisError as exc:
        problems.append(f"Redis at {REDIS_HOST}:{REDIS_PORT} is not reachable ({exc})")
    return "; ".join(problems) or None


def _postgres(user: str) -> psycopg2.extensions.connection:
    connection = psycopg2.connect(
        host=POSTGRES_HOST, port=POSTGRES_PORT, user=user, dbname="postgres", connect_timeout=3
    )
    connection.autocommit = True  # CREATE and DROP DATABASE refuse to run in a transaction
    return connection


def _redis(db: int) -> redis.Redis:
    return redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db, socket_connect_timeout=3)


@dataclass
class CeleryAirflow(LocalAirflow):
    workers: tuple[str, ...] = ("worker-a", "worker-b")
    worker_concurrency: int = 4
    parallelism: int = 8
    database: str = field(default_factory=lambda: f"dms_deploy_{secrets.token_hex(4)}")
    postgres_user: str = ""
    redis_db: int | None = None
    # name -> (argv, env) of every process started, so that one can be started again.
    commands: dict[str, tuple[list[str], dict[str, str]]] = field(default_factory=dict)

    def database_url(self, scheme: str) -> str:
        user = self.postgres_user or POSTGRES_USERS[0]
        return f"{scheme}://{user}@{POSTGRES_HOST}:{POSTGRES_PORT}/{self.database}"

    def env(self) -> dict[str, str]:
        return {
            **super().env(),
            **SHARED_SETTINGS,
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.database_url("postgresql+psycopg2"),
            "AIRFLOW__CELERY__RESULT_BACKEND": self.database_url("db+postgresql+psycopg2"),
            "AIRFLOW__CELERY__BROKER_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{self.redis_db}",
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(self.worker_concurrency),
            **self.extra_env,
        }

    def worker_env(self, name: str) -> dict[str, str]:
        env = self.env()
        return {
            **env,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "deploy.airflow.worker_hostname.hostname",
            worker_hostname.ENV_VAR: name,
        }

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        self.commands[name] = (argv, env)
        super()._spawn(name, argv, env)

    def start(self, timeout_seconds: float = 300) -> None:
        """Create the database, claim a broker database, start everything and the workers;
        return once every worker answers a ping through the broker."""
        deadline = time.monotonic() + timeout_seconds
        self.postgres_user = postgres_user()
        with contextlib.closing(_postgres(self.postgres_user)) as connection:
            connection.cursor().execute(f'CREATE DATABASE "{self.database}"')
        self.redis_db = self._claim_redis_db()
        super().start(timeout_seconds)
        for name in self.workers:
            self._start_worker(name)
        self._wait("the Celery workers", deadline, lambda: self._workers_answer(self.workers))

    def _start_worker(self, name: str) -> None:
        # No log server per worker: it would listen on a fixed port on every interface.
        # Task logs go to AIRFLOW_HOME/logs, which the api-server reads.
        argv = [sys.executable, "-m", "airflow", "celery", "worker"]
        self._spawn(
            name, [*argv, "--celery-hostname", name, "--skip-serve-logs"], self.worker_env(name)
        )

    def _claim_redis_db(self) -> int:
        for db in REDIS_DBS:
            client = _redis(db)
            if client.set(CLAIM_KEY, self.database, nx=True, ex=CLAIM_SECONDS):
                # Messages a run that died left behind must not reach our workers.
                client.pipeline(transaction=True).flushdb().set(
                    CLAIM_KEY, self.database, ex=CLAIM_SECONDS
                ).execute()
                return db
        raise StartError(f"every Redis database {REDIS_DBS.start}-{REDIS_DBS.stop - 1} is claimed")

    def _workers_answer(self, names: tuple[str, ...]) -> bool:
        """True when each worker answers Celery's ping through the broker, as the compose
        file's health check asks it."""
        nodes = [f"celery@{name}" for name in names]
        ping = subprocess.run(
            [*CELERY, "inspect", "ping", "--timeout", "5", "--destination", ",".join(nodes)],
            cwd=self.home,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        return all(f"{node}: OK" in ping.stdout for node in nodes)

    def kill(self, name: str) -> None:
        """SIGKILL a component with every process it started, as when its machine is lost.

        Airflow's supervisor starts each task process in a session of its own, so the
        component's process group alone would leave the task running."""
        process = self.processes[name]
        descendants = _descendants([process])
        _signal_group(process, signal.SIGKILL)
        _kill_all(descendants)
        process.wait(timeout=30)

    def restart(self, name: str, grace_seconds: float = 30) -> None:
        """Stop a component as a supervisor does (SIGTERM, SIGKILL after the grace), then
        start it again with the same command and environment."""
        process = self.processes[name]
        _signal_group(process, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace_seconds)
        self.kill(name)
        self.respawn(name)

    def respawn(self, name: str, timeout_seconds: float = 180) -> None:
        """Start a component that exited again; for a worker, wait until it answers."""
        argv, env = self.commands[name]
        self._spawn(name, argv, env)
        if name in self.workers:
            deadline = time.monotonic() + timeout_seconds
            self._wait(f"worker {name}", deadline, lambda: self._workers_answer((name,)))

    def stop(self, grace_seconds: float = 20) -> None:
        """Stop every process (task processes too), then drop the database and flush the
        broker database."""
        descendants = _descendants(self.processes.values())
        super().stop(grace_seconds)
        _kill_all(descendants)
        if self.redis_db is not None:
            client = _redis(self.redis_db)
            with contextlib.suppress(redis.RedisError):
                if client.get(CLAIM_KEY) == self.database.encode():
                    client.flushdb()
            self.redis_db = None
        if self.postgres_user:
            with contextlib.closing(_postgres(self.postgres_user)) as connection:
                # FORCE: a connection a killed process left open must not keep it alive.
                connection.cursor().execute(
                    f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'
                )
            self.postgres_user = ""


def _descendants(processes: Iterable[subprocess.Popen]) -> list[psutil.Process]:
    found = []
    for process in processes:
        with contextlib.suppress(psutil.Error):
            found += psutil.Process(process.pid).children(recursive=True)
    return found


def _kill_all(processes: list[psutil.Process]) -> None:
    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(processes, timeout=10)

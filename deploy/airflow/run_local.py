"""A real Airflow on loopback, with the local AWS sandbox: for `make up` and for our CI test.

It starts the sandbox (`python -m sandbox --bootstrap`), migrates a SQLite metadata database
in its own AIRFLOW_HOME, creates the pool of the DAG's AWS steps (`dms_deploy.aws_pool`),
then runs `airflow api-server`, `scheduler`, `dag-processor` and `triggerer` as separate
processes (LocalExecutor, the simple auth manager with one known user), each in its own
process group with its log in AIRFLOW_HOME/logs/. `stop()` ends every group it started,
first politely, then by force.

    python -m deploy.airflow.run_local [--port 8080] [--sandbox-port 4566] [--home .airflow]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from dms_deploy.airflow_api import AirflowApi, NotFoundError
from dms_deploy.aws_pool import AWS_POOL, pool_command

REPO = Path(__file__).resolve().parents[2]
DAG_ID = "dms_deploy"
COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
HEALTHY_COMPONENTS = ("metadatabase", "scheduler", "triggerer", "dag_processor")
SIMPLE_AUTH_MANAGER = (
    "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
)


class StartError(RuntimeError):
    """A process did not come up; the message names it and says where its log is."""


def _dag_parsed(api: AirflowApi) -> bool:
    try:
        return not api.get_dag(DAG_ID).has_import_errors
    except NotFoundError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get_json(url: str) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.loads(response.read())
    except (OSError, ValueError):
        return None


@dataclass
class LocalAirflow:
    home: Path
    api_port: int = 0
    sandbox_port: int = 0
    time_scale: float = 0.05
    username: str = "admin"
    password: str = "admin"
    configs_dir: Path = REPO / "dms_configs"
    poll_seconds: float = 1.0
    # Parallel task processes; each is a full Python with Airflow, on a small machine.
    parallelism: int = 4
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.home = self.home.resolve()
        self.api_port = self.api_port or free_port()
        self.sandbox_port = self.sandbox_port or free_port()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def sandbox_url(self) -> str:
        return f"http://127.0.0.1:{self.sandbox_port}"

    def log_path(self, name: str) -> Path:
        return self.home / "logs" / f"{name}.log"

    def env(self) -> dict[str, str]:
        """The environment of every Airflow process (and of `airflow` commands run by hand)."""
        secrets_file = self.home / "secrets.json"
        if not secrets_file.exists():
            # Every component must sign and check the same tokens, across restarts too.
            keys = {"jwt": secrets.token_urlsafe(32), "api": secrets.token_urlsafe(32)}
            secrets_file.write_text(json.dumps(keys), encoding="utf-8")
        keys = json.loads(secrets_file.read_text(encoding="utf-8"))
        connection = {
            "conn_type": "aws",
            "login": "testing",
            "password": "testing",
            "extra": {"region_name": "us-east-1", "endpoint_url": self.sandbox_url},
        }
        return {
            **os.environ,
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": str(self.parallelism),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{self.home}/airflow.db",
            "AIRFLOW__CORE__AUTH_MANAGER": SIMPLE_AUTH_MANAGER,
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{self.username}:ADMIN",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.home / "passwords.json"),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.api_port),
            "AIRFLOW__API__BASE_URL": self.api_url,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api_url}/execution/",
            "AIRFLOW__API_AUTH__JWT_SECRET": keys["jwt"],
            "AIRFLOW__API__SECRET_KEY": keys["api"],
            "AIRFLOW_CONN_AWS_DEFAULT": json.dumps(connection),
            "DMS_DEPLOY_CONFIG_DIR": str(self.configs_dir),
            "DMS_DEPLOY_TEMPLATE_DIR": str(REPO / "include" / "templates"),
            "DMS_DEPLOY_POLL_SECONDS": str(self.poll_seconds),
            # Only the connection's keys are used; never the host's AWS profile or IMDS.
            "AWS_EC2_METADATA_DISABLED": "true",
            **self.extra_env,
        }

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        log = self.log_path(name).open("ab")
        try:
            self.processes[name] = subprocess.Popen(
                argv,
                cwd=self.home,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own process group, so stop() also ends the task and trigger children.
                start_new_session=True,
            )
        finally:
            log.close()

    def start(self, timeout_seconds: float = 240) -> None:
        """Start everything; return once every component is healthy and the DAG is parsed."""
        (self.home / "logs").mkdir(parents=True, exist_ok=True)
        passwords = self.home / "passwords.json"
        passwords.write_text(json.dumps({self.username: self.password}), encoding="utf-8")
        env = self.env()
        deadline = time.monotonic() + timeout_seconds
        self._spawn(
            "sandbox",
            [
                sys.executable,
                "-m",
                "sandbox",
                "--port",
                str(self.sandbox_port),
                "--time-scale",
                str(self.time_scale),
                "--bootstrap",
                "--configs",
                str(self.configs_dir),
            ],
            {**os.environ, "PYTHONPATH": str(REPO)},
        )
        migrate = subprocess.run(
            [sys.executable, "-m", "airflow", "db", "migrate"],
            cwd=self.home,
            env=env,
            capture_output=True,
            text=True,
            timeout=max(deadline - time.monotonic(), 1),
        )
        self.log_path("db-migrate").write_text(migrate.stdout + migrate.stderr, encoding="utf-8")
        if migrate.returncode != 0:
            raise StartError(f"airflow db migrate failed; see {self.log_path('db-migrate')}")
        # The scheduler never schedules a task whose pool is missing.
        pool = subprocess.run(
            [sys.executable, "-m", "airflow", *pool_command(env)],
            cwd=self.home,
            env=env,
            capture_output=True,
            text=True,
            timeout=max(deadline - time.monotonic(), 1),
        )
        self.log_path("pool").write_text(pool.stdout + pool.stderr, encoding="utf-8")
        if pool.returncode != 0:
            raise StartError(f"creating the {AWS_POOL} pool failed; see {self.log_path('pool')}")
        for component in COMPONENTS:
            # Logs are read from local files: no log server, which would listen on every
            # interface (and on fixed ports).
            extra = ["--skip-serve-logs"] if component in ("scheduler", "triggerer") else []
            self._spawn(component, [sys.executable, "-m", "airflow", component, *extra], env)
        self._wait(
            "the sandbox", deadline, lambda: _get_json(f"{self.sandbox_url}/_sandbox/health")
        )
        self._wait("a healthy Airflow", deadline, self._healthy)
        with AirflowApi(self.api_url, username=self.username, password=self.password) as api:
            self._wait(f"the {DAG_ID} DAG to be parsed", deadline, lambda: _dag_parsed(api))

    def _healthy(self) -> bool:
        health = _get_json(f"{self.api_url}/api/v2/monitor/health") or {}
        return all(
            (health.get(name) or {}).get("status") == "healthy" for name in HEALTHY_COMPONENTS
        )

    def _wait(self, what: str, deadline: float, ready: object) -> None:
        while not ready():  # type: ignore[operator]
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise StartError(
                        f"{name} exited with {process.returncode} while waiting for {what}; "
                        f"see {self.log_path(name)}"
                    )
            if time.monotonic() > deadline:
                raise StartError(f"timed out waiting for {what}; logs in {self.home / 'logs'}")
            time.sleep(0.5)

    def stop(self, grace_seconds: float = 20) -> None:
        """End every process group this started: SIGTERM, then SIGKILL after the grace."""
        for process in self.processes.values():
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + grace_seconds
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        for process in self.processes.values():
            # The leader may be gone while its children (task runners) are not.
            _signal_group(process, signal.SIGKILL)
            if process.poll() is None:
                process.wait(timeout=10)
        self.processes.clear()

    def log_tails(self, lines: int = 40) -> str:
        """The end of every log, to print when something went wrong."""
        parts = []
        for path in sorted((self.home / "logs").glob("*.log")):
            tail = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
            parts.append(f"==> {path.name} <==\n" + "\n".join(tail))
        return "\n\n".join(parts)

    def __enter__(self) -> LocalAirflow:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def _signal_group(process: subprocess.Popen, sig: signal.Signals) -> None:
    # start_new_session made the child a group leader: its pid is the group id.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.airflow.run_local", description=__doc__)
    parser.add_argument("--port", type=int, default=8080, help="API server and UI port")
    parser.add_argument("--sandbox-port", type=int, default=4566)
    parser.add_argument("--time-scale", type=float, default=1.0, help="sandbox time scale")
    parser.add_argument("--home", type=Path, default=REPO / ".airflow", help="AIRFLOW_HOME")
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", default=os.environ.get("AIRFLOW_PASSWORD", "admin"))
    parser.add_argument("--poll-seconds", type=float, default=5.0)
    args = parser.parse_args(argv)
    airflow = LocalAirflow(
        home=args.home,
        api_port=args.port,
        sandbox_port=args.sandbox_port,
        time_scale=args.time_scale,
        username=args.username,
        password=args.password,
        poll_seconds=args.poll_seconds,
    )
    # SIGTERM (e.g. from a supervisor) stops everything as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    print(f"starting the sandbox and Airflow in {airflow.home} (logs in {airflow.home}/logs) ...")
    try:
        with airflow:
            print(
                f"\nAirflow UI:   {airflow.api_url}  (user {args.username}, "
                f"password {args.password})\n"
                f"AWS sandbox:  {airflow.sandbox_url}  (bootstrapped)\n\n"
                f"trigger from a shell:\n"
                f"  AIRFLOW_API_URL={airflow.api_url} AIRFLOW_USERNAME={args.username} "
                f"AIRFLOW_PASSWORD={args.password} .venv/bin/dmsctl trigger\n\n"
                "Ctrl-C stops everything.",
                flush=True,
            )
            while all(p.poll() is None for p in airflow.processes.values()):
                time.sleep(1)
            dead = [n for n, p in airflow.processes.items() if p.poll() is not None]
            print(f"{', '.join(dead)} stopped; see {airflow.home / 'logs'}", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        print("\nstopping ...")
        return 0
    except StartError as exc:
        print(f"run_local: {exc}", file=sys.stderr)
        print(airflow.log_tails(15), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

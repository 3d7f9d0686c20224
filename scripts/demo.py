"""`make demo`: a real deploy of the example configs into the local sandbox, then a reload.

1. Starts the sandbox (a local AWS) with the account's prerequisites (`--bootstrap`).
2. Runs the `dms_deploy` DAG on the example configs: the first deploy.
3. Bumps a table's version (a reload into a new folder) and runs the DAG again.
4. Prints each run's plan and the outcome of each step, then stops the sandbox.

Airflow's own logs go to a file, named at the end, so the screen shows the story.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORK = Path(tempfile.mkdtemp(prefix="dms-deploy-demo-"))
CONFIGS = WORK / "dms_configs"
LOG = WORK / "airflow.log"
TIME_SCALE = "0.1"  # AWS durations run ten times faster: a demo that looks real, but short
BUMPED = ("food", "recipes", "recipesdb/public/recipes", "v202611260900")

os.environ.update(
    AIRFLOW_HOME=str(WORK / "airflow"),
    AIRFLOW__CORE__DAGS_FOLDER=str(REPO / "dags"),
    AIRFLOW__CORE__PLUGINS_FOLDER=str(REPO / "plugins"),
    AIRFLOW__CORE__LOAD_EXAMPLES="False",
    DMS_DEPLOY_CONFIG_DIR=str(CONFIGS),
    DMS_DEPLOY_POLL_SECONDS="1",
)


def say(text: str = "") -> None:
    print(text, flush=True)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Send everything written to stdout and stderr (Airflow's logs) to the log file."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with LOG.open("a") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)


@contextlib.contextmanager
def sandbox() -> Iterator[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "sandbox", "--port", "0", "--time-scale", TIME_SCALE]
    command += ["--bootstrap", "--configs", str(CONFIGS)]
    process = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http"):
            raise SystemExit(f"the sandbox did not start (exit code {process.poll()})")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def use_sandbox(url: str) -> None:
    connection = {
        "conn_type": "aws",
        "login": "demo",
        "password": "demo",
        "extra": {"endpoint_url": url, "region_name": "us-east-1"},
    }
    os.environ.update(
        AWS_ENDPOINT_URL=url,
        AWS_ACCESS_KEY_ID="demo",
        AWS_SECRET_ACCESS_KEY="demo",
        AWS_DEFAULT_REGION="us-east-1",
        AIRFLOW_CONN_AWS_DEFAULT=json.dumps(connection),
    )


def bump_version() -> None:
    team, task, source, version = BUMPED
    path = CONFIGS / "teams" / f"{team}.json"
    doc = json.loads(path.read_text())
    for table in doc["tasks"][task]["tables"]:
        if table["source"] == source:
            say(f"  {path.name}: {source} {table['version']} -> {version}")
            table["version"] = version
    path.write_text(json.dumps(doc, indent=2) + "\n")


def report(result) -> None:
    from dms_deploy.plan.markdown import render_markdown
    from dms_deploy.plan.model import Plan
    from scripts.local_airflow import returns, task_windows

    checked = returns(result, "check_state")
    if checked:
        say(render_markdown(Plan.from_dict(checked[0]["plan"])))
    say("### Steps")
    for key, state in sorted(result.tasks.items()):
        if state != "skipped":
            say(f"- {key.replace('[-1]', '')}: {state}")
    for line in task_windows(result):
        say(f"- pause window {line}")
    say(f"\nRun {result.run_id}: {result.state.upper()}")


def run(title: str, conf: dict) -> str:
    from scripts.local_airflow import trigger

    say(f"\n## {title}\n")
    started = time.monotonic()
    with quiet():
        result = trigger(conf)
    report(result)
    say(f"({time.monotonic() - started:.0f} s)")
    return result.state


def main() -> int:
    started = time.monotonic()
    shutil.copytree(REPO / "dms_configs", CONFIGS)
    say(f"Working copy of the configs: {CONFIGS}")
    with sandbox() as url:
        use_sandbox(url)
        say(f"Sandbox (local AWS) at {url}, bootstrapped: network stack, bucket, secrets")
        from scripts.local_airflow import migrate_db

        with quiet():
            migrate_db()
        states = [run("First deploy of the example configs", {"git_sha": "demo-1"})]
        say("\n## Reload a table by version bump")
        bump_version()
        states.append(run("Deploy the version bump", {"git_sha": "demo-2"}))
    say(f"\nAirflow's logs: {LOG}")
    say(f"Demo finished in {time.monotonic() - started:.0f} s: {', '.join(states)}")
    return 0 if all(s == "success" for s in states) else 1


if __name__ == "__main__":
    raise SystemExit(main())

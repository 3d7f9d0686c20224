"""docker-compose.yaml and the Dockerfile, read as data (no Docker daemon here)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploy.airflow.celery_local import SHARED_SETTINGS, URL_SCHEMES, CeleryAirflow
from dms_deploy.aws_pool import AWS_POOL, DEFAULT_SLOTS, DESCRIPTION, SLOTS_ENV, pool_command

REPO = Path(__file__).resolve().parents[2]
AIRFLOW_SERVICES = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-worker": "celery worker",
    "airflow-triggerer": "triggerer",
}
MOUNTED = {
    "./dags": "/opt/airflow/dags",
    "./plugins": "/opt/airflow/plugins",
    "./dms_configs": "/opt/airflow/dms_configs",
    "./include": "/opt/airflow/include",
}


def pins() -> dict[str, str]:
    lines = (REPO / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return {
        name.lower(): version
        for name, _, version in (line.partition("==") for line in lines if "==" in line)
    }


def requirement_names(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [re.split(r"[\[=<>~ ]", line)[0].lower() for line in lines if line and line[0] != "#"]


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    compose = yaml.safe_load((REPO / "docker-compose.yaml").read_text(encoding="utf-8"))
    return compose["services"]


def test_the_official_services_run_each_airflow_component(services: dict[str, Any]) -> None:
    assert {"postgres", "redis", "airflow-init", *AIRFLOW_SERVICES} <= set(services)
    for name, command in AIRFLOW_SERVICES.items():
        assert services[name]["command"] == command


def test_celery_executor_with_postgres_and_redis(services: dict[str, Any]) -> None:
    for name in [*AIRFLOW_SERVICES, "airflow-init"]:
        env = services[name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql")
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
        assert "redis" in services[name]["depends_on"]
        assert "postgres" in services[name]["depends_on"]
    worker_url = services["airflow-worker"]["environment"][
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL"
    ]
    assert worker_url.startswith("http://airflow-apiserver:8080/")


def out_of_step(env: dict[str, str]) -> list[str]:
    """How an environment differs from the settings the Celery test runs with (hosts,
    credentials and databases aside)."""
    problems = [
        f"{key} is {env.get(key)!r}, the Celery test runs with {value!r}"
        for key, value in SHARED_SETTINGS.items()
        if env.get(key) != value
    ]
    problems += [
        f"{key} is not a {scheme}:// URL"
        for key, scheme in URL_SCHEMES.items()
        if not str(env.get(key, "")).startswith(f"{scheme}://")
    ]
    return problems


def test_the_celery_test_runs_with_the_compose_settings(
    services: dict[str, Any], tmp_path: Path
) -> None:
    tested = CeleryAirflow(home=tmp_path, redis_db=1).env()
    assert out_of_step(tested) == []
    for name in [*AIRFLOW_SERVICES, "airflow-init"]:
        assert out_of_step(services[name]["environment"]) == [], name
    # The comparison notices a setting that differs, or a URL of another kind.
    doctored = {**tested, "AIRFLOW__CORE__EXECUTOR": "LocalExecutor"}
    doctored["AIRFLOW__CELERY__BROKER_URL"] = "amqp://guest@127.0.0.1//"
    assert len(out_of_step(doctored)) == 2


def test_the_image_is_the_pinned_airflow_version(services: dict[str, Any]) -> None:
    airflow = pins()["apache-airflow"]
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert f"ARG AIRFLOW_VERSION={airflow}" in dockerfile
    assert "FROM apache/airflow:${AIRFLOW_VERSION} AS airflow" in dockerfile
    for name in [*AIRFLOW_SERVICES, "airflow-init", "sandbox"]:
        build = services[name]["build"]
        assert build["context"] == "."
        assert build["args"]["AIRFLOW_VERSION"] == airflow
        assert services[name]["image"].endswith(f":{airflow}}}")


def test_every_package_the_image_adds_is_pinned_in_requirements() -> None:
    pinned = pins()
    for name in ("image-requirements.txt", "sandbox-requirements.txt"):
        wanted = requirement_names(REPO / "deploy" / "airflow" / name)
        assert wanted
        assert [n for n in wanted if n not in pinned] == [], name


def test_the_project_directories_are_mounted_and_exist(services: dict[str, Any]) -> None:
    for name in [*AIRFLOW_SERVICES, "airflow-init"]:
        volumes = dict(v.split(":")[:2] for v in services[name]["volumes"])
        for host, container in MOUNTED.items():
            assert volumes[host] == container
    every_volume = [v for s in services.values() for v in s.get("volumes", [])]
    for volume in every_volume:
        host = volume.split(":")[0]
        if host.startswith("./"):
            assert (REPO / host).is_dir(), f"{host} does not exist in the repository"


def test_the_dag_reads_the_mounted_configs_and_templates(services: dict[str, Any]) -> None:
    env = services["airflow-worker"]["environment"]
    assert env["DMS_DEPLOY_CONFIG_DIR"] == MOUNTED["./dms_configs"]
    assert env["DMS_DEPLOY_TEMPLATE_DIR"] == MOUNTED["./include"] + "/templates"


def test_the_aws_connection_comes_from_the_environment(services: dict[str, Any]) -> None:
    for name in [*AIRFLOW_SERVICES, "airflow-init"]:
        value = services[name]["environment"]["AIRFLOW_CONN_AWS_DEFAULT"]
        assert value.startswith("${AIRFLOW_CONN_AWS_DEFAULT")


def test_the_sandbox_is_optional_and_bootstrapped(services: dict[str, Any]) -> None:
    sandbox = services["sandbox"]
    assert sandbox["profiles"] == ["sandbox"]
    assert sandbox["build"]["target"] == "sandbox"
    assert "--bootstrap" in sandbox["command"]
    assert all(p.startswith("127.0.0.1:") for p in sandbox["ports"])
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    assert "endpoint_url=http%3A%2F%2Fsandbox%3A4566" in example


def test_compose_creates_the_aws_pool_as_the_celery_test_does(services: dict[str, Any]) -> None:
    """Same pool name, description and slots variable (with the same default) as
    `pool_command`, which run_local.py and so celery_local.py run after the migration."""
    init = services["airflow-init"]["command"][-1]
    created = f'airflow pools set {AWS_POOL} "$${{{SLOTS_ENV}}}" \\\n  "{DESCRIPTION}"'
    assert created in init
    for name in [*AIRFLOW_SERVICES, "airflow-init"]:
        slots = services[name]["environment"][SLOTS_ENV]
        assert slots == f"${{{SLOTS_ENV}:-{DEFAULT_SLOTS}}}", name
    assert pool_command({}) == ["pools", "set", AWS_POOL, str(DEFAULT_SLOTS), DESCRIPTION]
    assert pool_command({SLOTS_ENV: "3"})[3] == "3"
    with pytest.raises(ValueError, match=SLOTS_ENV):
        pool_command({SLOTS_ENV: "0"})

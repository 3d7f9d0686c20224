"""The example GitHub Actions workflows parse and run the commands the docs promise."""

from __future__ import annotations

from pathlib import Path

import yaml

EXAMPLES = Path(__file__).resolve().parents[2] / "ci-examples"


def jobs(name: str) -> dict[str, dict]:
    return yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))["jobs"]


def steps(name: str, job: str | None = None) -> list[dict]:
    return [s for key, j in jobs(name).items() if job in (None, key) for s in j["steps"]]


def commands(name: str, job: str | None = None) -> str:
    return "\n".join(step.get("run", "") for step in steps(name, job))


def test_pull_requests_validate_and_plan_with_read_only_credentials() -> None:
    run = commands("pull-request-plan.yml")
    assert "dmsctl validate" in run
    assert "dmsctl plan --env staging --format markdown" in run
    assert "dmsctl plan --env production --format markdown" in run
    assert "gh pr comment" in run
    # Both plans go into the one comment.
    assert "plan-${env}.md" in run and "for env in staging production" in run
    aws = [
        s
        for s in steps("pull-request-plan.yml")
        if "configure-aws-credentials" in s.get("uses", "")
    ]
    assert len(aws) == 2
    assert all("PLAN" in step["with"]["role-to-assume"] for step in aws)


def test_a_merge_to_main_triggers_the_deploy_and_waits() -> None:
    workflow = yaml.safe_load((EXAMPLES / "deploy-on-merge.yml").read_text(encoding="utf-8"))
    # PyYAML reads the `on` key as the boolean True.
    assert workflow[True]["push"]["branches"] == ["main"]
    run = commands("deploy-on-merge.yml")
    assert "dmsctl trigger --wait" in run
    assert '--git-sha "${{ github.sha }}"' in run


def test_a_merge_promotes_staging_with_a_rehearsal_then_production() -> None:
    workflow = jobs("deploy-on-merge.yml")
    assert "--env staging --rehearse" in commands("deploy-on-merge.yml", "staging")
    production = commands("deploy-on-merge.yml", "production")
    assert "--env production" in production
    # Planned afresh in production: no reviewed digest of staging's plan, no rehearsal.
    assert "--plan-digest" not in production and "--rehearse" not in production
    assert workflow["production"]["needs"] == "staging"
    # Each job talks to its own environment's Airflow.
    urls = {key: job["steps"][-1]["env"]["AIRFLOW_API_URL"] for key, job in workflow.items()}
    assert "STAGING" in urls["staging"] and "PRODUCTION" in urls["production"]

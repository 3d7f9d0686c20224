"""The example GitHub Actions workflows parse and run the commands the docs promise."""

from __future__ import annotations

from pathlib import Path

import yaml

EXAMPLES = Path(__file__).resolve().parents[2] / "ci-examples"


def steps(name: str) -> list[dict]:
    workflow = yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    return job["steps"]


def commands(name: str) -> str:
    return "\n".join(step.get("run", "") for step in steps(name))


def test_pull_requests_validate_and_plan_with_read_only_credentials() -> None:
    run = commands("pull-request-plan.yml")
    assert "dmsctl validate" in run
    assert "dmsctl plan --format markdown" in run
    assert "gh pr comment" in run
    aws = [
        s
        for s in steps("pull-request-plan.yml")
        if "configure-aws-credentials" in s.get("uses", "")
    ]
    assert aws and "PLAN" in aws[0]["with"]["role-to-assume"]


def test_a_merge_to_main_triggers_the_deploy_and_waits() -> None:
    workflow = yaml.safe_load((EXAMPLES / "deploy-on-merge.yml").read_text(encoding="utf-8"))
    # PyYAML reads the `on` key as the boolean True.
    assert workflow[True]["push"]["branches"] == ["main"]
    run = commands("deploy-on-merge.yml")
    assert "dmsctl trigger --wait" in run
    assert '--git-sha "${{ github.sha }}"' in run

"""DMS003's online half says when a template was too large for ValidateTemplate."""

from __future__ import annotations

from pathlib import Path

from dms_deploy.checks.offline import run_offline
from dms_deploy.paths import REPO_ROOT, default_templates_dir
from dms_deploy.plan.make import desired_from_offline, make_plan
from dms_deploy.plan.templates import digest
from dms_deploy.state.model import ObservedState
from tests.apply.large_team import STACK, TEAM, write_large_configs


def plan_for(configs_dir: Path, observed: ObservedState | None = None):
    templates = default_templates_dir()
    report = run_offline(configs_dir, templates)
    return make_plan(desired_from_offline(report, templates), observed or ObservedState())


def test_a_template_over_the_inline_limit_is_a_warning_not_silence(tmp_path: Path) -> None:
    plan = plan_for(write_large_configs(tmp_path))
    dms003 = next(c for c in plan.checks if c.id == "DMS003")
    assert dms003.status == "warn"
    (finding,) = dms003.findings
    assert finding.severity == "warning"
    assert finding.team == TEAM
    assert STACK in finding.message
    assert "validated by cfn-lint only" in finding.message
    assert "deployed through S3" in finding.message


def test_templates_within_the_limit_pass_or_fail_on_validate_template() -> None:
    plan = plan_for(REPO_ROOT / "dms_configs")
    assert next(c for c in plan.checks if c.id == "DMS003").status == "pass"
    bodies = [s.body for step in plan.steps for s in step.stacks if s.body]
    assert bodies
    refused = ObservedState(validation={digest(b): "Template format error" for b in bodies})
    dms003 = next(
        c for c in plan_for(REPO_ROOT / "dms_configs", refused).checks if c.id == "DMS003"
    )
    assert dms003.status == "fail"
    assert all("ValidateTemplate: Template format error" in f.message for f in dms003.findings)

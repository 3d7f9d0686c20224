"""`validate_configs` and `render_templates`: the offline half, no AWS call."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException

from dms_deploy.checks.offline import run_offline
from dms_deploy.commands.common import print_results
from dms_deploy.paths import resolve_dirs


class _OfflineOperator(BaseOperator):
    template_fields: Sequence[str] = ("configs_dir", "templates_dir")

    def __init__(
        self, *, configs_dir: str | None = None, templates_dir: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.configs_dir = configs_dir
        self.templates_dir = templates_dir

    def _report(self, context: Any) -> Any:
        # Resolved at run time, never at DAG import: the environment may point elsewhere.
        configs, templates = resolve_dirs(self.configs_dir, self.templates_dir)
        environment = context["params"].get("environment")
        self.log.info(
            "configs: %s, templates: %s, environment: %s", configs, templates, environment
        )
        report = run_offline(configs, templates, environment=environment)
        if report.unreadable:
            raise AirflowFailException(
                f"cannot read the configs: {report.unreadable}; fix the file, then clear this task"
            )
        text = io.StringIO()
        print_results(report.results, text)
        self.log.info("checks:\n%s", text.getvalue())
        if not report.ok:
            failed = [r.id for r in report.results if r.status == "fail"]
            raise AirflowFailException(
                f"config checks failed: {', '.join(failed)} (see the checks above); fix the "
                "configs (`dmsctl validate` shows the same findings), then clear this task"
            )
        return report


class ValidateConfigsOperator(_OfflineOperator):
    """Runs DMS001 to DMS011 and fails, without retries, on any finding that is an error."""

    def execute(self, context: Any) -> dict[str, str]:
        return {r.id: r.status for r in self._report(context).results}


class RenderTemplatesOperator(_OfflineOperator):
    """Renders every stack and records a digest of each, for the log and the next steps."""

    def execute(self, context: Any) -> dict[str, str]:
        digests = {}
        for stack in self._report(context).stacks:
            digest = hashlib.sha256(stack.body.encode()).hexdigest()
            self.log.info(
                "%s (%s): %d bytes, sha256 %s", stack.name, stack.team, len(stack.body), digest
            )
            digests[stack.name] = digest
        return digests

"""Run the drift watch against live AWS: the read-only plan, then table statistics and
CloudWatch metrics. The one entry point of `dmsctl drift` and the `dms_drift` DAG.

Calls: those of `dmsctl plan` (Describe, List, Get, ValidateTemplate; see `state.read`), one
filtered DescribeTableStatistics per configured task, and GetMetricData for the tasks that
replicate changes. Nothing is written here; the DAG adds the run's record to the audit
ledger (`audit.watch_record`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dms_deploy.planning import plan_against_aws
from dms_deploy.state.clients import AwsClients
from dms_deploy.watch import rules
from dms_deploy.watch.cdc_latency import latest_latencies
from dms_deploy.watch.findings import WatchReport
from dms_deploy.watch.table_errors import tables_in_error

# CDC latency above this many seconds is a finding (DMS_DRIFT_CDC_LATENCY_SECONDS).
DEFAULT_LATENCY_SECONDS = 600.0
# How far back CloudWatch is read for the newest latency datapoint.
DEFAULT_WINDOW_MINUTES = 15
# The planner's account guard: live state read with another account's credentials is not
# the environment's, so it is not compared.
ACCOUNT_GUARD = "DMS111"


@dataclass(frozen=True)
class WatchSettings:
    latency_seconds: float = DEFAULT_LATENCY_SECONDS
    window_minutes: int = DEFAULT_WINDOW_MINUTES


def watch_against_aws(
    configs_dir: Path,
    templates_dir: Path,
    clients: Callable[[], AwsClients],
    cloudwatch: Callable[[], Any],
    settings: WatchSettings = WatchSettings(),
) -> WatchReport:
    """Findings of live state against the configs. AWS errors raise; configs that do not
    load make an unreadable report (nothing can be compared against them)."""
    aws = functools.cache(clients)  # one set of clients for the plan and the watch's reads
    outcome = plan_against_aws(configs_dir, templates_dir, aws)
    desired, plan = outcome.desired, outcome.plan
    if plan is None or desired is None or desired.configs is None:
        return WatchReport(unreadable=outcome.unreadable or _config_failures(plan))
    guard = next((c for c in plan.checks if c.id == ACCOUNT_GUARD), None)
    if guard is not None and guard.status == "fail":
        why = "; ".join(f.message for f in guard.findings) or "another account"
        return WatchReport(unreadable=f"{ACCOUNT_GUARD}: {why}", other_account=True)
    configs, observed = desired.configs, outcome.observed
    watched = rules.watched_tasks(configs, observed)
    replicating = rules.replicating_changes(configs, observed)
    findings = [
        *rules.stack_findings(observed.stacks.values()),
        *rules.failed_task_findings(watched, observed),
        *rules.drift_findings(plan, observed),
        *rules.table_error_findings(
            tables_in_error(aws().dms, (observed.tasks[t.identifier] for t in watched))
        ),
    ]
    if replicating:
        latencies = latest_latencies(cloudwatch(), replicating, settings.window_minutes)
        findings += rules.latency_findings(latencies, settings.latency_seconds)
    return WatchReport(
        tuple(findings),
        watched={"stacks": len(observed.stacks), "tasks": len(watched)},
    )


def _config_failures(plan: Any) -> str:
    failed = [c.id for c in plan.checks if c.status == "fail"] if plan is not None else []
    return f"the configs do not pass the offline checks ({', '.join(failed) or 'unknown'})"

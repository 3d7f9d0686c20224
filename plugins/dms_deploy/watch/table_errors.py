"""Read the tables of tasks that DMS reports in `Table error` (DescribeTableStatistics).

The `table-state` filter keeps the answer to the tables in error, so a healthy task of
thousands of tables costs one call:
https://docs.aws.amazon.com/dms/latest/APIReference/API_DescribeTableStatistics.html
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dms_deploy.state.model import ObservedTask, TableStat

TABLE_ERROR = "Table error"
_STATS_PAGE = 500


def tables_in_error(dms: Any, tasks: Iterable[ObservedTask]) -> dict[str, tuple[TableStat, ...]]:
    """Task identifier -> its tables in `Table error` (tasks without any are left out)."""
    paginator = dms.get_paginator("describe_table_statistics")
    found: dict[str, tuple[TableStat, ...]] = {}
    for task in tasks:
        stats: list[TableStat] = []
        for page in paginator.paginate(
            ReplicationTaskArn=task.arn,
            Filters=[{"Name": "table-state", "Values": [TABLE_ERROR]}],
            PaginationConfig={"PageSize": _STATS_PAGE},
        ):
            stats += [
                TableStat(s["SchemaName"], s["TableName"], s["TableState"])
                for s in page.get("TableStatistics", [])
                if s.get("TableState") == TABLE_ERROR
            ]
        if stats:
            found[task.identifier] = tuple(stats)
    return found

"""A plain-text table for task logs: Airflow's log view keeps spacing, not Markdown."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def text_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Columns padded to their widest cell; a column of numbers aligned right."""
    body = [list(row) for row in rows]
    numeric = [bool(body) and all(isinstance(r[i], int) for r in body) for i in range(len(headers))]
    cells = [[str(h) for h in headers], *([str(c) for c in row] for row in body)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for number, row in enumerate(cells):
        padded = [
            cell.rjust(width) if numeric[i] and number else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(padded).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)

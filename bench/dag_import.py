"""How long the DAG processor takes to import each of our DAG files, in a fresh interpreter.

Airflow itself is imported first (the processor has it loaded already), so the figure is the
DAG file's own cost. Target: well under Airflow's `dagbag_import_timeout` (30 s); ours aim at
under 1 s each.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PROBE = """
import importlib.util, json, sys, time
import airflow.sdk
start = time.perf_counter()
spec = importlib.util.spec_from_file_location("dag_under_test", sys.argv[1])
spec.loader.exec_module(importlib.util.module_from_spec(spec))
print(json.dumps(time.perf_counter() - start))
"""


def main() -> None:
    for dag_file in sorted((REPO / "dags").glob("*.py")):
        out = subprocess.run(
            [sys.executable, "-c", PROBE, str(dag_file)],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
        )
        seconds = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{dag_file.name}: imported in {seconds:.2f} s (target < 1 s)")


if __name__ == "__main__":
    main()

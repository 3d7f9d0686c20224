#!/usr/bin/env bash
# `make up`: the local AWS sandbox (bootstrapped) and a real Airflow (api-server, scheduler,
# dag-processor, triggerer) on 127.0.0.1, for a person to use the UI. Ctrl-C stops all.
#
#   deploy/airflow/up.sh [--port 8080] [--sandbox-port 4566] [--time-scale 1.0]
#
# State (SQLite database, logs) lives in .airflow/ and survives restarts; delete it to
# start from an empty account and an empty Airflow.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec .venv/bin/python -m deploy.airflow.run_local "$@"

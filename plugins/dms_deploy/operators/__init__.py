"""Thin Airflow operators: each `execute` calls one library function."""

"""Triggers that run in the Airflow triggerer."""

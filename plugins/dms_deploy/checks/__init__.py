"""Checks: one small unit per check, each with a stable id (see DESIGN.md)."""

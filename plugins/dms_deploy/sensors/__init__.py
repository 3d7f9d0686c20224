"""Sensors: waits that free their worker slot."""

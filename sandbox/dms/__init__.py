"""DMS extensions over moto's DMS backend: task lifecycle, table statistics, simulated data."""

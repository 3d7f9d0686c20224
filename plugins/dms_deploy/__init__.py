"""dms-deploy: AWS DMS replication configuration as code."""

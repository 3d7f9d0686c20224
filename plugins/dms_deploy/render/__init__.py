"""Render configs into CloudFormation templates and DMS TableMappings."""

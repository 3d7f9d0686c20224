"""CloudFormation extensions: DMS resource types, timed stack operations, real change sets."""

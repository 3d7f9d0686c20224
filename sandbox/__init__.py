"""Local AWS for dms-deploy: moto server plus extensions for DMS, CloudFormation and S3.

Run it with ``python -m sandbox``. Product code reaches it only through ``AWS_ENDPOINT_URL``
(or an Airflow connection's ``endpoint_url``); nothing under ``plugins/`` imports this package.
"""

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"

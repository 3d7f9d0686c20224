"""Local AWS for dms-deploy: moto server plus extensions for DMS, CloudFormation and S3.

Run it with ``python -m sandbox``. Product code reaches it only through ``AWS_ENDPOINT_URL``
(or an Airflow connection's ``endpoint_url``); nothing under ``plugins/`` imports this package.
"""

import os

# moto answers every request as the account in MOTO_ACCOUNT_ID (its default is this one);
# `python -m sandbox --account-id` sets it, so two sandboxes can stand for two accounts.
ACCOUNT_ID = os.environ.get("MOTO_ACCOUNT_ID", "123456789012")
REGION = "us-east-1"

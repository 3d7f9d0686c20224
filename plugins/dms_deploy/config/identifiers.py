"""DMS identifier rules, checked on the full identifiers the stacks will create.

AWS DMS documents the same rules for replication tasks, endpoints and instances
(https://docs.aws.amazon.com/dms/latest/APIReference/API_CreateReplicationTask.html,
API_CreateEndpoint.html, API_CreateReplicationInstance.html): 1-255 characters
(1-63 for a replication instance), only ASCII letters, digits and hyphens, the first
character a letter, no trailing hyphen and no two consecutive hyphens. DMS stores
identifiers in lowercase, so we require lowercase: `Food` and `food` would clash.
"""

from __future__ import annotations

import re

TASK_MAX = 255
ENDPOINT_MAX = 255
INSTANCE_MAX = 63
# A config name (an endpoint, instance or task key) is also part of CloudFormation logical
# ids, which hold at most 255 characters
# (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html).
# render/logical_ids.py puts a kind prefix of up to 8 characters ("Endpoint") and at most an
# 8-character hash before it, and the template's outputs append "Arn".
NAME_MAX = 255 - len("Endpoint") - 8 - len("Arn")

# fullmatch, not match with `$`: `$` also matches before a final newline.
_ALLOWED = re.compile(r"[a-z0-9-]+")


def identifier_problem(identifier: str, max_length: int) -> str | None:
    """Why `identifier` is not a valid DMS identifier, or None when it is."""
    if not identifier:
        return "must not be empty"
    if len(identifier) > max_length:
        return f"is {len(identifier)} characters long; DMS allows at most {max_length}"
    if not _ALLOWED.fullmatch(identifier):
        return "may only contain lowercase letters, digits and hyphens"
    if not identifier[0].isalpha():
        return "must start with a letter"
    if identifier.endswith("-"):
        return "must not end with a hyphen"
    if "--" in identifier:
        return "must not contain two consecutive hyphens"
    return None

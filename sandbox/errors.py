"""AWS error responses in each protocol's shape, for injected faults.

botocore classifies throttling by error code: "ThrottlingException" (JSON services such as
DMS), "Throttling" (query services such as CloudFormation) and "SlowDown" (S3) are all in its
throttling set, so both its legacy and standard retry modes retry them.
https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
"""

from __future__ import annotations

import json
import uuid

from sandbox.calls import PROTOCOL_JSON, PROTOCOL_QUERY

# The code each protocol family really returns when AWS throttles a control-plane call.
DEFAULT_THROTTLE_CODES = {
    PROTOCOL_JSON: "ThrottlingException",
    PROTOCOL_QUERY: "Throttling",
    "rest-xml": "SlowDown",
}


def _error(
    protocol: str, code: str, message: str, status: int, s3_message: str
) -> tuple[int, list[tuple[str, str]], bytes]:
    """An error response in the protocol's shape: JSON services always answer HTTP 400."""
    request_id = str(uuid.uuid4())
    if protocol == PROTOCOL_JSON:
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("x-amzn-RequestId", request_id),
            ("x-amzn-ErrorType", code),
        ]
        return 400, headers, body
    if protocol == PROTOCOL_QUERY:
        body = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{code}</Code><Message>{message}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        return status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], body
    body = (
        f"<Error><Code>{code}</Code><Message>{s3_message}</Message>"
        f"<RequestId>{request_id}</RequestId></Error>"
    ).encode()
    return status, [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)], body


def throttle_response(protocol: str, code: str | None) -> tuple[int, list[tuple[str, str]], bytes]:
    code = code or DEFAULT_THROTTLE_CODES.get(protocol, "ThrottlingException")
    # Query services answer 400; S3's SlowDown is a 503.
    status = 400 if protocol == PROTOCOL_QUERY else 503
    return _error(protocol, code, "Rate exceeded", status, "Please reduce your request rate.")


def access_denied_response(
    protocol: str, service: str, operation: str
) -> tuple[int, list[tuple[str, str]], bytes]:
    """The error AWS answers a call that IAM does not allow, in the protocol's shape.
    https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
    https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
    """
    message = (
        "User: arn:aws:iam::123456789012:user/testing is not authorized to perform: "
        f"{service}:{operation}"
    )
    code = "AccessDeniedException" if protocol == PROTOCOL_JSON else "AccessDenied"
    return _error(protocol, code, message, 403, "Access Denied")

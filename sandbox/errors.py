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


def throttle_response(protocol: str, code: str | None) -> tuple[int, list[tuple[str, str]], bytes]:
    code = code or DEFAULT_THROTTLE_CODES.get(protocol, "ThrottlingException")
    request_id = str(uuid.uuid4())
    message = "Rate exceeded"
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
        return 400, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], body
    body = (
        f"<Error><Code>{code}</Code><Message>Please reduce your request rate.</Message>"
        f"<RequestId>{request_id}</RequestId></Error>"
    ).encode()
    return 503, [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)], body


def access_denied_response(
    protocol: str, service: str, operation: str
) -> tuple[int, list[tuple[str, str]], bytes]:
    """The error AWS answers a call that IAM does not allow, in the protocol's shape.
    https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
    https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
    """
    request_id = str(uuid.uuid4())
    message = (
        "User: arn:aws:iam::123456789012:user/testing is not authorized to perform: "
        f"{service}:{operation}"
    )
    if protocol == PROTOCOL_JSON:
        body = json.dumps({"__type": "AccessDeniedException", "message": message}).encode()
        headers = [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("x-amzn-RequestId", request_id),
            ("x-amzn-ErrorType", "AccessDeniedException"),
        ]
        return 400, headers, body
    if protocol == PROTOCOL_QUERY:
        body = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>AccessDenied</Code><Message>{message}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        return 403, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], body
    body = (
        "<Error><Code>AccessDenied</Code><Message>Access Denied</Message>"
        f"<RequestId>{request_id}</RequestId></Error>"
    ).encode()
    return 403, [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)], body

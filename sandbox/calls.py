"""Identify the AWS service and operation of a raw WSGI request, for the call log and faults.

JSON protocols name the operation in ``X-Amz-Target`` (DMS, Secrets Manager); query protocols
in the ``Action`` form parameter (CloudFormation, EC2, IAM, STS). S3's REST operations are
inferred from the method, path and query string.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import parse_qs

PROTOCOL_JSON = "json"
PROTOCOL_QUERY = "query"
PROTOCOL_REST_XML = "rest-xml"


def _service_from_auth(environ: dict[str, Any]) -> str | None:
    auth = environ.get("HTTP_AUTHORIZATION", "")
    # SigV4: "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dms/aws4_request, ..."
    try:
        scope = auth.split("Credential=", 1)[1].split(",", 1)[0]
        return scope.split("/")[3]
    except IndexError:
        return None


def _read_form(environ: dict[str, Any]) -> dict[str, list[str]]:
    if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return {}
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return {}
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)  # moto reads the body again
    return parse_qs(body.decode("utf-8", "replace"))


def _s3_operation(environ: dict[str, Any]) -> str:
    method = environ.get("REQUEST_METHOD", "GET")
    path = environ.get("PATH_INFO", "/")
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    parts = [p for p in path.split("/") if p]
    if not parts:
        return "ListBuckets"
    has_key = len(parts) > 1
    if not has_key:
        if method == "GET":
            if "location" in query:
                return "GetBucketLocation"
            if "versioning" in query:
                return "GetBucketVersioning"
            if "versions" in query:
                return "ListObjectVersions"
            return "ListObjectsV2" if query.get("list-type") == ["2"] else "ListObjects"
        if method == "HEAD":
            return "HeadBucket"
        if method == "PUT":
            return "CreateBucket"
        if method == "DELETE":
            return "DeleteBucket"
        if method == "POST" and "delete" in query:
            return "DeleteObjects"
        return f"{method}Bucket"
    if method == "GET":
        return "GetObjectTagging" if "tagging" in query else "GetObject"
    if method == "HEAD":
        return "HeadObject"
    if method == "PUT":
        return "CopyObject" if environ.get("HTTP_X_AMZ_COPY_SOURCE") else "PutObject"
    if method == "DELETE":
        return "DeleteObject"
    return f"{method}Object"


def identify(environ: dict[str, Any]) -> dict[str, Any]:
    """Return ``{"service", "operation", "protocol"}`` for an AWS request."""
    service = _service_from_auth(environ)
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return {
            "service": service or target.split(".")[0].lower(),
            "operation": target.rsplit(".", 1)[-1],
            "protocol": PROTOCOL_JSON,
        }
    form = _read_form(environ)
    query = parse_qs(environ.get("QUERY_STRING", ""))
    action = (form.get("Action") or query.get("Action") or [None])[0]
    if action:
        return {"service": service or "unknown", "operation": action, "protocol": PROTOCOL_QUERY}
    if service in (None, "s3"):
        return {"service": "s3", "operation": _s3_operation(environ), "protocol": PROTOCOL_REST_XML}
    method = environ.get("REQUEST_METHOD", "GET")
    return {
        "service": service,
        "operation": f"{method} {environ.get('PATH_INFO', '/')}",
        "protocol": PROTOCOL_REST_XML,
    }

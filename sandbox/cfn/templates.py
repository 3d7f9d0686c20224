"""Where CloudFormation gets a template from: the inline size limit and S3 template URLs.

AWS refuses a ``TemplateBody`` over 51,200 bytes in CreateStack, UpdateStack, CreateChangeSet
and ValidateTemplate; larger templates go through ``TemplateURL``, an object in S3.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html

moto enforces no size limit and guesses the bucket of a URL from its first host label, which
misreads buckets with dots or starting with ``s3``, and never decodes the key. Here a URL is
read the way S3 addresses objects: virtual-hosted or path style, any regional form.
https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.responses import CloudFormationResponse

MAX_INLINE_TEMPLATE_BYTES = 51_200
# A template read from S3 may be up to 1 MB; AWS answers a larger one with a ValidationError
# ("Template may not exceed 1048576 bytes in size.", the wording AWS used for the old
# 460,800-byte limit).
MAX_S3_TEMPLATE_BYTES = 1_048_576

# <bucket>.s3.amazonaws.com, <bucket>.s3.<region>.amazonaws.com, <bucket>.s3-<region>...,
# <bucket>.s3.dualstack.<region>...; the bucket is everything before the last ".s3" label.
_VIRTUAL_HOSTED = re.compile(
    r"^(?P<bucket>.+)\.s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?$", re.IGNORECASE
)
# s3.amazonaws.com, s3.<region>.amazonaws.com, s3-<region>.amazonaws.com, s3.dualstack...
_PATH_STYLE = re.compile(r"^s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?$", re.IGNORECASE)
# The sandbox's own S3 endpoint, addressed path style, stands in for s3.amazonaws.com.
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

UNSUPPORTED_URL = "TemplateURL must be a supported URL."
INACCESSIBLE_OBJECT = "TemplateURL must reference a valid S3 object to which you have access."


def too_long_message(body: str) -> str:
    # The service's input validation message, which echoes the value.
    return (
        f"1 validation error detected: Value '{body}' at 'templateBody' failed to satisfy "
        f"constraint: Member must have length less than or equal to {MAX_INLINE_TEMPLATE_BYTES}"
    )


def check_inline_size(body: str | None) -> None:
    # Counted in UTF-8 bytes, as the quota is documented; AWS may count characters, so the
    # sandbox is at least as strict for non-ASCII templates.
    if body and len(body.encode("utf-8")) > MAX_INLINE_TEMPLATE_BYTES:
        raise ValidationError(message=too_long_message(body))


def parse_template_url(url: str, own_host: str | None = None) -> tuple[str, str, str | None]:
    """(bucket, key, version id) of an S3 template URL; ValidationError if AWS would refuse it."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    version = (parse_qs(parts.query).get("versionId") or [None])[0]
    path = unquote(parts.path)
    local = host in _LOCAL_HOSTS or (own_host is not None and parts.netloc == own_host)
    if "website" in host:
        raise ValidationError(message=UNSUPPORTED_URL)  # static website endpoints are refused
    if parts.scheme == "https" and (match := _VIRTUAL_HOSTED.match(host)):
        bucket, key = match.group("bucket"), path[1:]
    elif (parts.scheme == "https" and _PATH_STYLE.match(host)) or (
        local and parts.scheme in ("http", "https")
    ):
        bucket, _, key = path[1:].partition("/")
    else:
        raise ValidationError(message=UNSUPPORTED_URL)
    if not bucket or not key:
        raise ValidationError(message=UNSUPPORTED_URL)
    return bucket, key, version


def read_template_url(url: str, account_id: str, partition: str, own_host: str | None) -> str:
    from moto.s3.models import s3_backends

    bucket, key, version = parse_template_url(url, own_host)
    try:
        found = s3_backends[account_id][partition].get_object(bucket, key, version_id=version)
    except Exception as exc:  # NoSuchBucket, NoSuchKey, bad version: AWS says one thing
        raise ValidationError(message=INACCESSIBLE_OBJECT) from exc
    if found is None or getattr(found, "value", None) is None:
        raise ValidationError(message=INACCESSIBLE_OBJECT)
    if len(found.value) > MAX_S3_TEMPLATE_BYTES:
        raise ValidationError(
            message=f"Template may not exceed {MAX_S3_TEMPLATE_BYTES} bytes in size."
        )
    return found.value.decode("utf-8")


def _get_stack_from_s3_url(self: CloudFormationResponse, template_url: str) -> str:
    own_host = self.headers.get("Host") if getattr(self, "headers", None) else None
    return read_template_url(template_url, self.current_account, self.partition, own_host)


def _limited(method: Callable[[CloudFormationResponse], Any]) -> Callable[..., Any]:
    def wrapper(self: CloudFormationResponse) -> Any:
        # Input validation comes first on AWS: nothing else is looked at.
        check_inline_size(self._get_param("TemplateBody"))
        return method(self)

    wrapper.__name__ = method.__name__
    return wrapper


def install() -> None:
    if getattr(CloudFormationResponse, "_sandbox_templates", False):
        return
    CloudFormationResponse._sandbox_templates = True  # type: ignore[attr-defined]
    CloudFormationResponse._get_stack_from_s3_url = _get_stack_from_s3_url  # type: ignore[method-assign]
    for name in ("create_stack", "update_stack", "create_change_set", "validate_template"):
        setattr(CloudFormationResponse, name, _limited(getattr(CloudFormationResponse, name)))

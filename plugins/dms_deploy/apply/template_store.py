"""Where a template too large to send inline goes: an S3 object, named by its content.

AWS behaviour relied on:
- A TemplateBody holds at most 51,200 bytes; a TemplateURL to an S3 object up to 1 MB:
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
- The TemplateURL must start with https:// and name an S3 object the caller may read:
  https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateChangeSet.html
- Virtual-hosted-style S3 URLs, https://<bucket>.s3.<region>.amazonaws.com/<key>:
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html
- HeadObject answers 404 for a missing key only with s3:ListBucket on the bucket (else 403),
  and PutObject with If-None-Match: * never replaces an existing object:
  https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from botocore.exceptions import ClientError

from dms_deploy.apply.errors import ApplyError
from dms_deploy.plan.templates import MAX_INLINE_TEMPLATE_BYTES, fits_inline

# HeadObject's error codes for a key that does not exist.
NOT_FOUND = frozenset({"404", "NoSuchKey", "NotFound"})


@dataclass(frozen=True)
class TemplateStore:
    """Where templates too large to send inline are uploaded: `<folder>/cloudformation/`
    in the data-lake bucket, beside (never inside) the `<folder>/data/` that DMS writes."""

    s3: Any
    bucket: str
    bucket_folder: str


def template_key(bucket_folder: str, stack_name: str, body: str) -> str:
    """Content-addressed: one body has one key, so an upload never replaces another."""
    folder = bucket_folder.strip("/")
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    return f"{folder}/cloudformation/{stack_name}/{digest}.yaml".lstrip("/")


def template_url(bucket: str, region: str, key: str) -> str:
    """The virtual-hosted-style HTTPS URL of an S3 object, as TemplateURL expects."""
    return f"https://{bucket}.s3.{region}.amazonaws.com/{quote(key, safe='/')}"


def upload_template(store: TemplateStore, stack_name: str, body: str) -> str:
    """Put the body in the store unless it is already there, and return its TemplateURL.

    The URL names the S3 client's region, which is the deploy's region: the data-lake
    bucket is in it, because a DMS S3 target must be in the replication instance's region
    (https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Target.S3.html#CHAP_Target.S3.Prerequisites).
    """
    key = template_key(store.bucket_folder, stack_name, body)
    if not _object_exists(store.s3, store.bucket, key):
        try:
            store.s3.put_object(
                Bucket=store.bucket,
                Key=key,
                Body=body.encode("utf-8"),
                ContentType="application/x-yaml",
                IfNoneMatch="*",
            )
        except ClientError as error:
            # Another run put the same key first; the key names the content, so it is ours.
            if error.response["Error"]["Code"] != "PreconditionFailed":
                raise
    return template_url(store.bucket, store.s3.meta.region_name, key)


def _object_exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response["Error"]["Code"] in NOT_FOUND:
            return False
        raise
    return True


def template_source(stack_name: str, body: str, store: TemplateStore | None) -> dict[str, str]:
    """The CreateChangeSet argument that carries the body: inline when it fits, else a URL."""
    if fits_inline(body):
        return {"TemplateBody": body}
    if store is None:
        raise ApplyError(
            f"the template of {stack_name} is {len(body.encode('utf-8')):,} bytes, over "
            f"CloudFormation's inline limit of {MAX_INLINE_TEMPLATE_BYTES:,}, and no S3 "
            "location was given to upload it to"
        )
    return {"TemplateURL": upload_template(store, stack_name, body)}

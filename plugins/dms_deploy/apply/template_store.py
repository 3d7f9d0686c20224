"""Where the plan's templates live between check_state and deploy_stack: S3 objects named
by their content, so the XComs carry a digest and never a template body.

check_state stores every body the plan deploys; pause_tasks and deploy_stack read it back
and refuse one whose SHA-256 is not the plan's. A body over CloudFormation's inline limit is
sent as a TemplateURL to the same object.

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

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from botocore.exceptions import ClientError

from dms_deploy.apply.errors import ApplyError
from dms_deploy.plan.templates import MAX_INLINE_TEMPLATE_BYTES, digest, fits_inline

# HeadObject's error codes for a key that does not exist.
NOT_FOUND = frozenset({"404", "NoSuchKey", "NotFound"})


@dataclass(frozen=True)
class TemplateStore:
    """Where templates are stored: `<folder>/cloudformation/` in the data-lake bucket,
    beside (never inside) the `<folder>/data/` that DMS writes."""

    s3: Any
    bucket: str
    bucket_folder: str


def template_key(bucket_folder: str, stack_name: str, body: str) -> str:
    """Content-addressed: one body has one key, so an upload never replaces another."""
    return digest_key(bucket_folder, stack_name, digest(body))


def digest_key(bucket_folder: str, stack_name: str, sha256: str) -> str:
    """The key of the body whose SHA-256 (hex) is `sha256`."""
    folder = bucket_folder.strip("/")
    return f"{folder}/cloudformation/{stack_name}/{sha256}.yaml".lstrip("/")


def template_url(bucket: str, region: str, key: str) -> str:
    """The virtual-hosted-style HTTPS URL of an S3 object, as TemplateURL expects."""
    return f"https://{bucket}.s3.{region}.amazonaws.com/{quote(key, safe='/')}"


def upload_template(
    store: TemplateStore, stack_name: str, body: str, *, stored: bool = False
) -> str:
    """Put the body in the store unless it is already there, and return its TemplateURL.
    `stored` says it was just read back from the store: then no call is needed.

    The URL names the S3 client's region, which is the deploy's region: the data-lake
    bucket is in it, because a DMS S3 target must be in the replication instance's region
    (https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Target.S3.html#CHAP_Target.S3.Prerequisites).
    """
    key = template_key(store.bucket_folder, stack_name, body)
    if not stored and not _object_exists(store.s3, store.bucket, key):
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


def load_template(store: TemplateStore, stack_name: str, sha256: str) -> str:
    """The stored body whose SHA-256 is `sha256`, read back and checked: a missing object
    or one whose content is not that digest (replaced in S3 since the plan) is refused, so
    only the body the plan was made with, and its digest reviewed, is ever deployed."""
    key = digest_key(store.bucket_folder, stack_name, sha256)
    where = f"s3://{store.bucket}/{key}"
    try:
        data = store.s3.get_object(Bucket=store.bucket, Key=key)["Body"].read()
    except ClientError as error:
        if error.response["Error"]["Code"] in NOT_FOUND:
            raise ApplyError(
                f"the planned template of {stack_name} is not in {where} (check_state stores "
                "it there); nothing was deployed. Trigger a new run, which plans and stores "
                "it again"
            ) from error
        raise
    body = data.decode("utf-8", errors="replace")  # bytes that are not UTF-8 fail the digest
    if digest(body) != sha256:
        raise ApplyError(
            f"{where} does not hold the planned template of {stack_name}: its SHA-256 is "
            f"{digest(body)}, not {sha256}, so something replaced it since the plan; nothing "
            "was deployed. Find what wrote it and remove that object (its content is not what "
            "its name says), then trigger a new run, which stores the template again"
        )
    return body


def store_templates(store: TemplateStore, bodies: Iterable[tuple[str, str]]) -> list[str]:
    """Store each (stack name, body) once; the keys of the stored objects."""
    keys = []
    for stack_name, body in dict.fromkeys(bodies):
        upload_template(store, stack_name, body)
        keys.append(template_key(store.bucket_folder, stack_name, body))
    return keys


def template_source(
    stack_name: str, body: str, store: TemplateStore | None, *, stored: bool = False
) -> dict[str, str]:
    """The CreateChangeSet argument that carries the body: inline when it fits, else a URL
    (`stored`: the store is known to hold it)."""
    if fits_inline(body):
        return {"TemplateBody": body}
    if store is None:
        raise ApplyError(
            f"the template of {stack_name} is {len(body.encode('utf-8')):,} bytes, over "
            f"CloudFormation's inline limit of {MAX_INLINE_TEMPLATE_BYTES:,}, and no S3 "
            "location was given to upload it to"
        )
    return {"TemplateURL": upload_template(store, stack_name, body, stored=stored)}

"""Which way a template reaches CloudFormation: inline up to 51,200 bytes, else by S3 URL."""

from __future__ import annotations

import io
from typing import Any

import pytest
from botocore.exceptions import ClientError

from dms_deploy.apply.errors import ApplyError
from dms_deploy.apply.template_store import (
    TemplateStore,
    load_template,
    store_templates,
    template_key,
    template_source,
    template_url,
)
from dms_deploy.plan.templates import MAX_INLINE_TEMPLATE_BYTES, digest

BUCKET = "acme-data-lake"


class FakeS3:
    """Records calls; objects live in a dict. A put of an existing key fails as
    S3 does for If-None-Match: *."""

    class meta:
        region_name = "eu-west-1"

    def __init__(self, objects: dict[str, bytes] | None = None) -> None:
        self.objects = dict(objects or {})
        self.calls: list[str] = []

    def head_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        self.calls.append("head_object")
        if Key not in self.objects:
            raise ClientError({"Error": {"Code": "404", "Message": "Not Found"}}, "HeadObject")
        return {}

    def put_object(self, Bucket: str, Key: str, Body: bytes, **kwargs: Any) -> dict:
        self.calls.append("put_object")
        assert kwargs.get("IfNoneMatch") == "*"
        if Key in self.objects:
            raise ClientError(
                {"Error": {"Code": "PreconditionFailed", "Message": "At least one of..."}},
                "PutObject",
            )
        self.objects[Key] = Body
        return {}

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        self.calls.append("get_object")
        if Key not in self.objects:
            raise ClientError({"Error": {"Code": "NoSuchKey", "Message": "..."}}, "GetObject")
        return {"Body": io.BytesIO(self.objects[Key])}


def body_of(size: int) -> str:
    """A template body of exactly `size` UTF-8 bytes."""
    head = "Resources: {}\n#"
    return head + "x" * (size - len(head))


@pytest.mark.parametrize("size", [100, MAX_INLINE_TEMPLATE_BYTES])
def test_a_body_within_the_limit_goes_inline_and_touches_no_s3(size: int) -> None:
    s3 = FakeS3()
    body = body_of(size)
    assert template_source("dms-food", body, TemplateStore(s3, BUCKET, "dms")) == {
        "TemplateBody": body
    }
    assert template_source("dms-food", body, None) == {"TemplateBody": body}
    assert s3.calls == []


def test_a_body_over_the_limit_is_uploaded_once_under_cloudformation() -> None:
    s3 = FakeS3()
    body = body_of(MAX_INLINE_TEMPLATE_BYTES + 1)
    store = TemplateStore(s3, BUCKET, "dms")
    source = template_source("dms-food", body, store)
    (key,) = s3.objects
    assert key.startswith("dms/cloudformation/dms-food/") and key.endswith(".yaml")
    assert s3.objects[key] == body.encode()
    assert source == {"TemplateURL": f"https://{BUCKET}.s3.eu-west-1.amazonaws.com/{key}"}
    # A rerun finds the object and does not put it again.
    assert template_source("dms-food", body, store) == source
    assert s3.calls == ["head_object", "put_object", "head_object"]


def test_the_limit_counts_utf8_bytes_not_characters() -> None:
    s3 = FakeS3()
    # Under the limit in characters, over it in bytes ("é" is two bytes).
    body = body_of(MAX_INLINE_TEMPLATE_BYTES - 100)[:-200] + "é" * 200
    assert len(body) < MAX_INLINE_TEMPLATE_BYTES < len(body.encode())
    assert "TemplateURL" in template_source("dms-food", body, TemplateStore(s3, BUCKET, "dms"))


def test_a_put_that_loses_a_race_to_the_same_key_is_fine() -> None:
    body = body_of(MAX_INLINE_TEMPLATE_BYTES + 1)
    key = template_key("dms", "dms-food", body)
    s3 = FakeS3()
    # Another run puts the object between our HeadObject and our PutObject.
    original = s3.head_object

    def head_then_other_run_puts(Bucket: str, Key: str) -> dict:
        try:
            return original(Bucket=Bucket, Key=Key)
        finally:
            s3.objects[key] = body.encode()

    s3.head_object = head_then_other_run_puts  # type: ignore[method-assign]
    source = template_source("dms-food", body, TemplateStore(s3, BUCKET, "dms"))
    assert source["TemplateURL"].endswith(key)
    assert s3.calls == ["head_object", "put_object"]


def test_a_large_body_without_a_store_fails_before_any_call() -> None:
    with pytest.raises(ApplyError, match="inline limit of 51,200"):
        template_source("dms-food", body_of(MAX_INLINE_TEMPLATE_BYTES + 1), None)


def test_key_and_url_forms() -> None:
    key = template_key("raw/dms", "dms-food", "Resources: {}\n")
    assert key.startswith("raw/dms/cloudformation/dms-food/")
    assert len(key.rsplit("/", 1)[1]) == len("0" * 64 + ".yaml")
    assert "/data/" not in key
    assert (
        template_url("acme-data-lake", "us-east-1", "dms/cloudformation/dms-food/ab.yaml")
        == "https://acme-data-lake.s3.us-east-1.amazonaws.com/dms/cloudformation/dms-food/ab.yaml"
    )


def test_stored_templates_read_back_by_digest_once_each() -> None:
    s3 = FakeS3()
    store = TemplateStore(s3, BUCKET, "dms")
    small, large = body_of(100), body_of(MAX_INLINE_TEMPLATE_BYTES + 1)
    keys = store_templates(store, [("dms-food", small), ("dms-food", large), ("dms-food", small)])
    assert keys == [template_key("dms", "dms-food", b) for b in (small, large)]
    assert load_template(store, "dms-food", digest(large)) == large
    # A body read back from the store goes by URL without another call.
    s3.calls.clear()
    assert "TemplateURL" in template_source("dms-food", large, store, stored=True)
    assert s3.calls == []


def test_a_stored_template_replaced_since_the_plan_is_refused() -> None:
    s3 = FakeS3()
    store = TemplateStore(s3, BUCKET, "dms")
    body = body_of(500)
    (key,) = store_templates(store, [("dms-food", body)])
    s3.objects[key] = body.replace("x", "y", 1).encode()
    with pytest.raises(ApplyError, match="does not hold the planned template of dms-food"):
        load_template(store, "dms-food", digest(body))


def test_a_stored_template_that_is_gone_is_refused() -> None:
    store = TemplateStore(FakeS3(), BUCKET, "dms")
    with pytest.raises(ApplyError, match="the planned template of dms-food is not in s3://"):
        load_template(store, "dms-food", digest("Resources: {}\n"))

"""The promise checks themselves fail when a promise is broken (here: promise 2)."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from tests.faults.promises import BUCKET, DATA, assert_promises, record

pytestmark = [pytest.mark.sandbox]


def test_an_overwritten_or_deleted_object_breaks_promise_2(bootstrapped_sandbox) -> None:
    s3 = boto3.client("s3")
    folder = f"{DATA}fooddb__public__foods__v202601010000/"
    s3.put_object(Bucket=BUCKET, Key=f"{folder}LOAD00000001.csv", Body=b"a")
    s3.put_object(Bucket=BUCKET, Key=f"{folder}LOAD00000002.csv", Body=b"b")
    before = record(bootstrapped_sandbox)
    assert_promises(before, bootstrapped_sandbox, Path("unused"), converged=False)

    s3.put_object(Bucket=BUCKET, Key=f"{folder}LOAD00000001.csv", Body=b"rewritten")
    s3.delete_object(Bucket=BUCKET, Key=f"{folder}LOAD00000002.csv")
    with pytest.raises(AssertionError) as broken:
        assert_promises(before, bootstrapped_sandbox, Path("unused"), converged=False)
    assert "promise 2" in str(broken.value)
    assert "LOAD00000001.csv was overwritten" in str(broken.value)
    assert "LOAD00000002.csv vanished" in str(broken.value)

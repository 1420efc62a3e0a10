"""File storage backends: the local directory always, S3 when one is configured here.

The S3 contract runs against ``CITRINE_TEST_S3_ENDPOINT`` (with ``_BUCKET``, ``_ACCESS_KEY``,
``_SECRET_KEY``, optional ``_REGION``): skipped when unset, and then it is no failure even under
CI, since no S3-compatible service runs on this machine. The signer is checked against AWS's
published signature v4 example either way.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from citrine_base.config import S3Config
from citrine_base.interfaces.storage import (
    FileNotFound,
    FileStorage,
    FileTooLarge,
    InvalidKey,
    safe_name,
)
from citrine_util.storage import LocalFileStorage, S3FileStorage
from citrine_util.storage.sigv4 import EMPTY_SHA256, Credentials, authorization


def test_signature_v4_matches_the_aws_s3_example() -> None:
    """AWS's documented GET Object example (examplebucket/test.txt, Range bytes=0-9)."""
    credentials = Credentials(
        "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1"
    )
    headers = {
        "host": "examplebucket.s3.amazonaws.com",
        "range": "bytes=0-9",
        "x-amz-content-sha256": EMPTY_SHA256,
        "x-amz-date": "20130524T000000Z",
    }
    header = authorization(
        credentials,
        "GET",
        "https://examplebucket.s3.amazonaws.com/test.txt",
        headers,
        EMPTY_SHA256,
        datetime(2013, 5, 24, tzinfo=UTC),
    )
    assert header == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )


def _s3_config() -> S3Config | None:
    endpoint = os.environ.get("CITRINE_TEST_S3_ENDPOINT")
    if not endpoint:
        return None
    return S3Config(
        endpoint_url=endpoint,
        bucket=os.environ["CITRINE_TEST_S3_BUCKET"],
        region=os.environ.get("CITRINE_TEST_S3_REGION", "us-east-1"),
        access_key_id=os.environ["CITRINE_TEST_S3_ACCESS_KEY"],
        secret_access_key=SecretStr(os.environ["CITRINE_TEST_S3_SECRET_KEY"]),
        prefix=f"citrine-test-{uuid.uuid4().hex[:8]}/",
    )


@pytest.fixture(params=["local", "s3"])
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[FileStorage]:
    backend: FileStorage
    if request.param == "local":
        backend = LocalFileStorage(tmp_path)
    else:
        config = _s3_config()
        if config is None:
            pytest.skip("No S3-compatible service configured (CITRINE_TEST_S3_ENDPOINT unset)")
        backend = S3FileStorage(config)
    await backend.start()
    try:
        if request.param == "s3":
            assert await backend.healthy(), "the configured S3 bucket does not answer"
        yield backend
    finally:
        await backend.stop()


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


class TestContract:
    async def test_streamed_put_then_read(self, storage: FileStorage) -> None:
        stored = await storage.put("logs/1/2/a.log", _chunks(b"abc", b"def"))
        assert (stored.size, stored.md5) == (6, "e80b5017098950fc58aad83c8c14978e")
        assert await storage.read("logs/1/2/a.log") == b"abcdef"

    async def test_replace_and_delete(self, storage: FileStorage) -> None:
        await storage.put("x/y", b"one")
        await storage.put("x/y", b"two")
        assert await storage.read("x/y") == b"two"
        assert await storage.delete("x/y") is True
        assert await storage.delete("x/y") is False
        with pytest.raises(FileNotFound):
            await storage.open("x/y")

    async def test_too_large_leaves_nothing(self, storage: FileStorage) -> None:
        with pytest.raises(FileTooLarge):
            await storage.put("big", _chunks(b"x" * 10, b"y" * 10), max_bytes=15)
        with pytest.raises(FileNotFound):
            await storage.open("big")

    @pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a//b", "a/../b", "sp ace"])
    async def test_unsafe_keys_refused(self, storage: FileStorage, key: str) -> None:
        with pytest.raises(InvalidKey):
            await storage.put(key, b"x")


def test_safe_name() -> None:
    assert safe_name("C:\\logs\\diag 1.tar.gz") == "diag_1.tar.gz"
    assert safe_name("../..") == "file"

"""File storage backends: the local directory, and S3 over HTTP.

The S3 contract runs against ``CITRINE_TEST_S3_ENDPOINT`` (with ``_BUCKET``, ``_ACCESS_KEY``,
``_SECRET_KEY``, optional ``_REGION``) when it is set, a real store such as MinIO. Otherwise it
runs against moto's S3 server started on a free port for the session: the same HTTP protocol
(streamed PUT, GET, DELETE, 404s), though moto does not check signatures, which is why the
signer is also checked against AWS's published signature v4 example.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from moto.server import ThreadedMotoServer
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


@pytest.fixture(scope="session")
def s3_config() -> Iterator[S3Config]:
    endpoint = os.environ.get("CITRINE_TEST_S3_ENDPOINT")
    if endpoint:
        yield _configured_s3(endpoint)
        return
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        # moto keeps its state per server; the bucket has to exist before the contract runs.
        httpx.put(f"{url}/citrine-test", timeout=10).raise_for_status()
        yield S3Config(
            endpoint_url=url,
            bucket="citrine-test",
            region="us-east-1",
            access_key_id="test",
            secret_access_key=SecretStr("test"),
            prefix=f"citrine-test-{uuid.uuid4().hex[:8]}/",
        )
    finally:
        server.stop()


def _configured_s3(endpoint: str) -> S3Config:
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
        backend = S3FileStorage(request.getfixturevalue("s3_config"))
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

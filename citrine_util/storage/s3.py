"""Files in an S3-compatible object store, over its REST API with signature v4 (``httpx``).

A streamed upload is spooled to a temporary file first: S3's single PUT needs the length and
the payload hash up front (and the hash is signed), and the spool lets a too-large upload fail
before anything reaches the bucket. A PUT takes objects up to 5 GB, above every size limit we
configure for logs and firmware.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import IO

import httpx

from citrine_base.config import S3Config
from citrine_base.interfaces.storage import (
    CHUNK_SIZE,
    Content,
    FileNotFound,
    FileStorage,
    FileStorageError,
    OpenedFile,
    StoredFile,
    check_key,
)
from citrine_util.storage.digest import Digest, chunks_of
from citrine_util.storage.sigv4 import EMPTY_SHA256, Credentials, signed_headers, uri_encode_path

SPOOL_IN_MEMORY = 1024 * 1024


class S3FileStorage(FileStorage):
    def __init__(self, config: S3Config) -> None:
        self._config = config
        self._credentials = Credentials(
            config.access_key_id, config.secret_access_key.get_secret_value(), config.region
        )
        self._http: httpx.AsyncClient | None = None

    async def start(self) -> None:
        self._http = httpx.AsyncClient(timeout=self._config.timeout)

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def url(self, key: str | None) -> str:
        """The object's URL (or the bucket's, for ``None``)."""
        endpoint = self._config.endpoint_url.rstrip("/")
        path = "" if key is None else "/" + uri_encode_path(self._config.prefix + check_key(key))
        if self._config.path_style:
            return f"{endpoint}/{self._config.bucket}{path}"
        scheme, _, host = endpoint.partition("://")
        return f"{scheme}://{self._config.bucket}.{host}{path or '/'}"

    async def _send(
        self,
        method: str,
        url: str,
        *,
        payload_sha256: str = EMPTY_SHA256,
        content: AsyncIterator[bytes] | bytes | None = None,
        extra: dict[str, str] | None = None,
        stream: bool = False,
    ) -> httpx.Response:
        if self._http is None:
            raise FileStorageError("S3 storage is not started")
        headers = signed_headers(
            self._credentials, method, url, payload_sha256, datetime.now(UTC), extra
        )
        request = self._http.build_request(method, url, headers=headers, content=content)
        try:
            return await self._http.send(request, stream=stream)
        except httpx.HTTPError as error:
            raise FileStorageError(f"S3 {method} {url}: {error!r}") from error

    async def healthy(self) -> bool:
        try:
            response = await self._send("HEAD", self.url(None))
        except FileStorageError:
            return False
        return response.status_code == 200

    async def put(
        self,
        key: str,
        content: Content,
        *,
        content_type: str = "application/octet-stream",
        max_bytes: int | None = None,
    ) -> StoredFile:
        url = self.url(key)
        digest = Digest(max_bytes)
        spool = await asyncio.to_thread(tempfile.SpooledTemporaryFile, SPOOL_IN_MEMORY)
        try:
            async for chunk in chunks_of(content):
                digest.update(chunk)
                await asyncio.to_thread(spool.write, chunk)
            await asyncio.to_thread(spool.seek, 0)
            response = await self._send(
                "PUT",
                url,
                payload_sha256=digest.sha256,
                content=_file_chunks(spool),
                extra={"content-length": str(digest.size), "content-type": content_type},
            )
        finally:
            await asyncio.to_thread(spool.close)
        _raise_for(response, "PUT", key)
        return digest.stored(key, content_type)

    async def open(self, key: str) -> OpenedFile:
        response = await self._send("GET", self.url(key), stream=True)
        if response.status_code != 200:
            await response.aread()
            await response.aclose()
            _raise_for(response, "GET", key)
        size = int(response.headers.get("content-length", "0"))
        content_type = response.headers.get("content-type", "application/octet-stream")
        return OpenedFile(size, content_type, response.aiter_bytes(CHUNK_SIZE), response.aclose)

    async def delete(self, key: str) -> bool:
        url = self.url(key)
        existing = await self._send("HEAD", url)
        if existing.status_code == 404:
            return False
        _raise_for(existing, "HEAD", key)
        _raise_for(await self._send("DELETE", url), "DELETE", key)
        return True


def _raise_for(response: httpx.Response, method: str, key: str) -> None:
    if response.status_code == 404 and method in ("GET", "HEAD"):
        raise FileNotFound(key)
    if response.status_code >= 300:
        detail = response.text[:300] if response.is_stream_consumed else ""
        raise FileStorageError(f"S3 {method} {key}: HTTP {response.status_code} {detail}")


async def _file_chunks(spool: IO[bytes]) -> AsyncIterator[bytes]:
    while chunk := await asyncio.to_thread(spool.read, CHUNK_SIZE):
        yield chunk

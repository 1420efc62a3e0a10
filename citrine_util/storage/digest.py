"""What every backend computes while a file streams in: size, SHA-256, MD5, and the limit."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterable, AsyncIterator

from citrine_base.interfaces.storage import Content, FileTooLarge, StoredFile


class Digest:
    def __init__(self, max_bytes: int | None) -> None:
        self.size = 0
        self._max = max_bytes
        self._sha256 = hashlib.sha256()
        self._md5 = hashlib.md5(usedforsecurity=False)

    def update(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self._max is not None and self.size > self._max:
            raise FileTooLarge(f"more than {self._max} bytes")
        self._sha256.update(chunk)
        self._md5.update(chunk)

    @property
    def sha256(self) -> str:
        return self._sha256.hexdigest()

    def stored(self, key: str, content_type: str) -> StoredFile:
        return StoredFile(
            key, self.size, self._sha256.hexdigest(), self._md5.hexdigest(), content_type
        )


async def chunks_of(content: Content) -> AsyncIterator[bytes]:
    """``content`` as chunks, whether it came whole or streamed."""
    if isinstance(content, bytes):
        yield content
        return
    assert isinstance(content, AsyncIterable)
    async for chunk in content:
        if chunk:
            yield chunk

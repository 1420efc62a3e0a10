"""File storage: uploaded logs, hosted firmware, key material (local directory or S3).

Keys are relative paths of safe characters (``logs/default/CS1/7/diag.zip``). Writes are
streamed and all-or-nothing: a file is visible under its key only once complete, so a reader
never sees half an upload, and an upload over its size limit leaves nothing behind::

    FileStorageError
    ├── FileNotFound       no file under that key
    ├── FileTooLarge       the content exceeded ``max_bytes``
    └── InvalidKey         the key is not a safe relative path
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

CHUNK_SIZE = 64 * 1024
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]*(/[A-Za-z0-9][A-Za-z0-9._\-]*)*")


class FileStorageError(Exception):
    """The storage backend failed (unreachable, refused, misconfigured)."""


class FileNotFound(FileStorageError):
    pass


class FileTooLarge(FileStorageError):
    pass


class InvalidKey(FileStorageError):
    pass


def check_key(key: str) -> str:
    """``key`` if it is a safe relative path (no ``..``, no leading ``/``, no odd characters)."""
    if len(key) > 900 or not _KEY.fullmatch(key) or ".." in key.split("/"):
        raise InvalidKey(f"Not a valid storage key: {key!r}")
    return key


def safe_name(name: str, default: str = "file") -> str:
    """A file name a station or operator gave, reduced to characters valid in a key."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = re.sub(r"[^A-Za-z0-9._\-]", "_", base).lstrip("._-")[:120]
    return cleaned or default


@dataclass(frozen=True, slots=True)
class StoredFile:
    key: str
    size: int
    sha256: str  # hex
    md5: str  # hex, for PublishFirmware's checksum (L03)
    content_type: str


@dataclass(slots=True)
class OpenedFile:
    """A file being read: its size, and its content in chunks (iterate once, then close)."""

    size: int
    content_type: str
    chunks: AsyncIterator[bytes]
    close: Callable[[], Awaitable[None]] | None = None

    async def aclose(self) -> None:
        """Release the file, whether or not it was read to the end."""
        close = getattr(self.chunks, "aclose", None)
        if close is not None:
            await close()
        if self.close is not None:
            await self.close()


Content = bytes | AsyncIterable[bytes]


class FileStorage(ABC):
    @abstractmethod
    async def start(self) -> None: ...

    @abstractmethod
    async def stop(self) -> None: ...

    @abstractmethod
    async def healthy(self) -> bool: ...

    @abstractmethod
    async def put(
        self,
        key: str,
        content: Content,
        *,
        content_type: str = "application/octet-stream",
        max_bytes: int | None = None,
    ) -> StoredFile:
        """Store ``content`` under ``key``, replacing what was there.

        Raises ``FileTooLarge`` (nothing is stored) once more than ``max_bytes`` arrived.
        """

    @abstractmethod
    async def open(self, key: str) -> OpenedFile:
        """The file under ``key`` for reading; ``FileNotFound`` when there is none."""

    @abstractmethod
    async def delete(self, key: str) -> bool:
        """Remove the file; True when it existed."""

    async def read(self, key: str, max_bytes: int = 16 * 1024 * 1024) -> bytes:
        """The whole content of a small file (a key, a certificate)."""
        opened = await self.open(key)
        if opened.size > max_bytes:
            await opened.aclose()
            raise FileTooLarge(f"{key} has {opened.size} bytes, more than {max_bytes}")
        parts: list[bytes] = []
        try:
            async for chunk in opened.chunks:
                parts.append(chunk)
        finally:
            await opened.aclose()
        return b"".join(parts)

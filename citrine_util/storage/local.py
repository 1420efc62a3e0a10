"""Files in a local directory (the embedded default).

Writes go to a temporary file beside the target and are renamed into place when complete, so
a key never shows half a file. Disk calls run in a worker thread: never in the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

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

_TEMPORARY = ".incoming"


class LocalFileStorage(FileStorage):
    def __init__(self, directory: str | Path) -> None:
        self.root = Path(directory).resolve()

    async def start(self) -> None:
        await asyncio.to_thread((self.root / _TEMPORARY).mkdir, parents=True, exist_ok=True)

    async def stop(self) -> None:
        return None

    async def healthy(self) -> bool:
        return await asyncio.to_thread(os.access, self.root, os.W_OK)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def put(
        self,
        key: str,
        content: Content,
        *,
        content_type: str = "application/octet-stream",
        max_bytes: int | None = None,
    ) -> StoredFile:
        target = self._path(key)
        temporary = self.root / _TEMPORARY / uuid.uuid4().hex
        digest = Digest(max_bytes)
        handle = await asyncio.to_thread(_create, temporary)
        try:
            async for chunk in chunks_of(content):
                digest.update(chunk)
                await asyncio.to_thread(handle.write, chunk)
            await asyncio.to_thread(_finish, handle, temporary, target)
        except BaseException:
            await asyncio.to_thread(_discard, handle, temporary)
            raise
        return digest.stored(key, content_type)

    async def open(self, key: str) -> OpenedFile:
        path = self._path(key)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError:
            raise FileNotFound(key) from None
        except OSError as error:
            raise FileStorageError(f"{key}: {error}") from error
        size = (await asyncio.to_thread(os.fstat, handle.fileno())).st_size
        return OpenedFile(
            size,
            "application/octet-stream",
            _read(handle),
            close=lambda: asyncio.to_thread(handle.close),
        )

    async def delete(self, key: str) -> bool:
        path = self._path(key)
        try:
            await asyncio.to_thread(path.unlink)
        except FileNotFoundError:
            return False
        return True


def _create(path: Path) -> BinaryIO:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("xb")


def _finish(handle: BinaryIO, temporary: Path, target: Path) -> None:
    handle.flush()
    os.fsync(handle.fileno())
    handle.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(temporary, target)


def _discard(handle: BinaryIO, temporary: Path) -> None:
    handle.close()
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()


async def _read(handle: BinaryIO) -> AsyncIterator[bytes]:
    while chunk := await asyncio.to_thread(handle.read, CHUNK_SIZE):
        yield chunk

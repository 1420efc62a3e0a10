"""Receiving a file over HTTP into the file storage: raw bodies (PUT or POST) and multipart
forms (POST), size-limited while it streams, never held whole in memory.

Stations differ in how they upload a log (N01.FR.18 asks the CSMS to take both PUT and POST);
operators upload firmware the same ways. ``receive_file`` takes any of them:

* ``multipart/form-data``: the first file part is the file (its form name does not matter);
  other text fields are returned (a firmware upload's signature and certificate);
* anything else: the body is the file.

A body larger than ``max_bytes`` is answered 413 and leaves nothing in the storage.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.types import Message

from citrine_base.interfaces.storage import (
    CHUNK_SIZE,
    FileStorage,
    FileStorageError,
    FileTooLarge,
    StoredFile,
)
from citrine_modules.rest import ApiError, BadRequest

MAX_FORM_FIELD = 16 * 1024


class PayloadTooLarge(ApiError):
    status = 413


class StorageUnavailable(ApiError):
    status = 503


class _BodyTooLarge(Exception):
    pass


@dataclass(slots=True)
class ReceivedFile:
    stored: StoredFile
    filename: str | None
    fields: dict[str, str] = field(default_factory=dict)


def _limited(request: Request, max_bytes: int) -> Request:
    """The same request, whose body stops with ``_BodyTooLarge`` past ``max_bytes``."""
    received = 0

    async def receive() -> Message:
        nonlocal received
        message = await request.receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > max_bytes:
                raise _BodyTooLarge
        return message

    return Request(request.scope, receive)


async def _upload_chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK_SIZE):
        yield chunk


async def receive_file(
    request: Request, storage: FileStorage, key: str, max_bytes: int
) -> ReceivedFile:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes + MAX_FORM_FIELD * 4:
        raise PayloadTooLarge(f"The upload may have at most {max_bytes} bytes")
    limited = _limited(request, max_bytes + MAX_FORM_FIELD * 4)
    content_type = request.headers.get("content-type", "application/octet-stream")
    try:
        if content_type.startswith("multipart/form-data"):
            return await _receive_form(limited, storage, key, max_bytes)
        stored = await storage.put(
            key, limited.stream(), content_type=content_type[:255], max_bytes=max_bytes
        )
        return ReceivedFile(stored, None)
    except (_BodyTooLarge, FileTooLarge):
        raise PayloadTooLarge(f"The upload may have at most {max_bytes} bytes") from None
    except FileStorageError as error:
        raise StorageUnavailable(f"The file could not be stored: {error}") from None


async def _receive_form(
    request: Request, storage: FileStorage, key: str, max_bytes: int
) -> ReceivedFile:
    try:
        form = await request.form(max_files=1, max_fields=16, max_part_size=MAX_FORM_FIELD)
    except _BodyTooLarge:
        raise
    except Exception as error:  # starlette's MultiPartException and parser errors
        raise BadRequest(f"Unreadable multipart body: {error}") from None
    try:
        upload = next((v for v in form.values() if isinstance(v, UploadFile)), None)
        if upload is None:
            raise BadRequest("The multipart body has no file part")
        fields = {name: value for name, value in form.items() if isinstance(value, str)}
        stored = await storage.put(
            key,
            _upload_chunks(upload),
            content_type=(upload.content_type or "application/octet-stream")[:255],
            max_bytes=max_bytes,
        )
        return ReceivedFile(stored, upload.filename, fields)
    finally:
        await form.close()

"""The one place where REST errors are rendered: ``{"detail": message}`` with their status."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from citrine_data import Conflict, DataError, IntegrityViolation, InvalidValue, NotFound
from citrine_modules.rest import ApiError

log = structlog.get_logger(__name__)


def _status_of(error: DataError) -> int:
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Conflict | IntegrityViolation):
        return 409
    if isinstance(error, InvalidValue):
        return 422
    return 503


async def _api_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiError)
    # RFC 6750: the scheme a client should use; keys go in the same header (or X-API-Key).
    headers = {"WWW-Authenticate": 'Bearer realm="citrine"'} if error.status == 401 else None
    return JSONResponse({"detail": error.message}, status_code=error.status, headers=headers)


async def _data_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DataError)
    status = _status_of(error)
    if status == 503:
        log.error("rest.database_failed", path=request.url.path, error=error.message)
        return JSONResponse({"detail": "The database is not available"}, status_code=503)
    # Constraint names tell an operator what collided without leaking the SQL.
    what = f" ({error.constraint})" if error.constraint else ""
    detail = {
        404: "Not found",
        409: "Conflicts with existing data",
        422: "A value is out of the range the database can hold",
    }[status]
    return JSONResponse({"detail": detail + what}, status_code=status)


SECRET_FIELDS = ("password", "secret", "key")


def _is_secret(error: dict[str, Any]) -> bool:
    return any(
        isinstance(part, str) and any(word in part.lower() for word in SECRET_FIELDS)
        for part in error.get("loc", ())
    )


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    """FastAPI's 422 body, except that a refused password is not echoed back (nor logged
    by whatever records responses): pydantic puts the rejected input in every error."""
    assert isinstance(error, RequestValidationError)
    errors = [
        {k: v for k, v in item.items() if k not in ("input", "ctx") or not _is_secret(item)}
        for item in error.errors()
    ]
    return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(DataError, _data_error)

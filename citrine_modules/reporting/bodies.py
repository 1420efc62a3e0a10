"""REST bodies that are OCPP payloads, validated exactly as a station's payload would be
(strict schema rules, camelCase names), with a 422 that says what is wrong."""

from __future__ import annotations

from typing import Any, TypeVar

import orjson
from fastapi import HTTPException, Request

from citrine_base.ocpp.model import OcppModel
from citrine_base.rpc.errors import OcppError
from citrine_base.rpc.validation import validate_payload

M = TypeVar("M", bound=OcppModel)


def unprocessable(error: OcppError, where: str = "") -> HTTPException:
    prefix = f"{where}: " if where else ""
    return HTTPException(
        422, {"code": error.code.value, "message": prefix + error.description, **error.details}
    )


def parse_ocpp(model: type[M], payload: bytes, where: str = "") -> M:
    try:
        return validate_payload(model, payload)
    except OcppError as error:
        raise unprocessable(error, where) from None


async def read_ocpp_body(request: Request, model: type[M], **added: Any) -> M:
    """The body as ``model``; ``added`` fields are set by the CSMS and refused from callers."""
    body = await request.body() or b"{}"
    if added:
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise HTTPException(422, {"message": "The body is not JSON"}) from None
        if not isinstance(data, dict):
            raise HTTPException(422, {"message": "The body must be a JSON object"})
        chosen = sorted(set(data) & set(added))
        if chosen:
            raise HTTPException(422, {"message": f"The CSMS chooses {', '.join(chosen)}"})
        body = orjson.dumps({**data, **added})
    return parse_ocpp(model, body)


def ocpp_body(model: type[OcppModel], example: dict[str, Any]) -> dict[str, Any]:
    """``openapi_extra`` describing a body read by ``read_ocpp_body``."""
    return {
        "requestBody": {
            "required": True,
            "description": f"An OCPP 2.0.1 {model.__name__}, checked against its schema",
            "content": {"application/json": {"schema": {"type": "object"}, "example": example}},
        }
    }

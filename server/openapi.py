"""What the generated OpenAPI document does not know by itself: the errors every endpoint
may answer with, as ``server.errors`` renders them (``{"detail": message}``)."""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = "ApiErrorBody"
# ``detail`` is a message, or for an OCPP payload that fails the message's schema (the
# message and station endpoints validate bodies as strictly as a station's CALL) the OCPP
# error code, a message and the schema errors.
_OCPP_DETAIL = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["code", "message"],
}
_ERROR = {
    "type": "object",
    "title": ERROR_SCHEMA,
    "properties": {"detail": {"title": "Detail", "anyOf": [{"type": "string"}, _OCPP_DETAIL]}},
    "required": ["detail"],
}
_AUTH_ERRORS = {
    "401": "No credentials, or a key or token that is unknown, revoked or expired",
    "403": "Authenticated, but without the scope this operation needs",
}
_METHODS = {"get", "put", "post", "delete", "patch"}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def document_errors(document: dict[str, Any]) -> None:
    """401 and 403 on every operation that needs credentials; a 422 is either FastAPI's
    validation error or one of our ``Unprocessable`` / out-of-range errors."""
    document.setdefault("components", {}).setdefault("schemas", {})[ERROR_SCHEMA] = _ERROR
    ref = {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}
    for item in document.get("paths", {}).values():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            if operation.get("security"):
                for status, description in _AUTH_ERRORS.items():
                    responses.setdefault(
                        status, {"description": description, "content": _json(ref)}
                    )
            unprocessable = responses.get("422", {}).get("content", {}).get("application/json")
            if unprocessable is not None:
                unprocessable["schema"] = {"anyOf": [unprocessable["schema"], ref]}

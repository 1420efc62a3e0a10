"""Secrets that travel in OCPP messages and must not be kept: the basic-auth password a
SetVariables writes (``SecurityCtrlr.BasicAuthPassword``, A01.FR.09 "never log passwords").

The message log and webhook copies of such a message carry ``attributeValue`` replaced by
``REDACTED``; the station itself gets the real message.
"""

from __future__ import annotations

from typing import Any

import orjson

REDACTED = "<redacted>"
SECRET_VARIABLES = frozenset({("securityctrlr", "basicauthpassword")})
_MARK = b"basicauthpassword"


def _redact_items(items: Any) -> bool:
    changed = False
    for item in items if isinstance(items, list) else []:
        try:
            names = (item["component"]["name"].lower(), item["variable"]["name"].lower())
        except (KeyError, TypeError, AttributeError):
            continue
        if names in SECRET_VARIABLES and "attributeValue" in item:
            item["attributeValue"] = REDACTED
            changed = True
    return changed


def redact_payload(action: str | None, payload: bytes) -> bytes:
    """A SetVariables payload (JSON object) without passwords; anything else unchanged."""
    if action != "SetVariables" or _MARK not in payload.lower():
        return payload
    try:
        body = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return payload
    if isinstance(body, dict) and _redact_items(body.get("setVariableData")):
        return orjson.dumps(body)
    return payload


def redact_frame(action: str | None, text: str) -> str:
    """An OCPP-J CALL frame ``[2, id, "SetVariables", {...}]`` without passwords."""
    if action != "SetVariables" or "basicauthpassword" not in text.lower():
        return text
    try:
        frame = orjson.loads(text)
    except orjson.JSONDecodeError:
        return text
    if isinstance(frame, list) and len(frame) == 4 and isinstance(frame[3], dict):
        if _redact_items(frame[3].get("setVariableData")):
            return orjson.dumps(frame).decode()
    return text

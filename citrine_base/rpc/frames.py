"""OCPP-J frames: parse text into CALL / CALLRESULT / CALLERROR, and build them. No I/O.

The fault-to-answer table of OCPP-J 2.0.1 (Part 4 §4, with errata) as applied here:

=====================================================  ===========================================
fault in the received frame                            answer
=====================================================  ===========================================
not JSON, not an array, or message id unreadable       CALLERROR RpcFrameworkError, id "-1"
(missing, not a string, empty, over 36 characters)
message type not an integer                            CALLERROR RpcFrameworkError
message type an integer other than 2, 3, 4             ignored and logged (errata 2025-01)
CALL with the wrong shape (arity, action not a         CALLERROR ProtocolError
string, payload not an object)
CALLRESULT / CALLERROR with the wrong shape            logged and dropped (never answered)
nested deeper than ``max_depth`` (a CALL)              CALLERROR FormatViolation
nested deeper than ``max_depth`` (anything else)       logged and dropped
=====================================================  ===========================================

Depth is bounded because orjson parses up to 1024 levels but serializes only 254 and pydantic
recurses per level: a deep ``customData`` would otherwise fail far from here. The check costs
two ``bytes.count`` calls for an ordinary frame; a frame with more brackets than the limit
is measured with bytes operations (``nesting_exceeds``), about as fast as parsing it.

The rest of the table (unknown action, schema failures, handler crashes, ...) is decided above
this layer; see ``citrine_base.rpc.protocol`` and ``docs/ocpp-j-faults.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import orjson

from citrine_base.rpc.errors import FormatViolation, OcppError, ProtocolError, RpcFrameworkError

MAX_MESSAGE_ID_LENGTH = 36
UNKNOWN_MESSAGE_ID = "-1"
MAX_JSON_DEPTH = 32
"""Default bound on nesting (arrays and objects); OCPP 2.0.1's deepest message needs about 8."""


class MessageType(IntEnum):
    CALL = 2
    CALL_RESULT = 3
    CALL_ERROR = 4


@dataclass(frozen=True, slots=True)
class Call:
    message_id: str
    action: str
    payload: dict[str, Any]

    def payload_json(self) -> bytes:
        return orjson.dumps(self.payload)


@dataclass(frozen=True, slots=True)
class CallResult:
    message_id: str
    payload: dict[str, Any]

    def payload_json(self) -> bytes:
        return orjson.dumps(self.payload)


@dataclass(frozen=True, slots=True)
class CallError:
    message_id: str
    error_code: str
    error_description: str
    error_details: dict[str, Any] = field(default_factory=dict)


Frame = Call | CallResult | CallError


class FrameRejected(Exception):
    """A received frame that must be answered with a CALLERROR (``error``) under ``message_id``."""

    def __init__(self, message_id: str, error: OcppError) -> None:
        super().__init__(error.description)
        self.message_id = message_id
        self.error = error


class FrameDropped(Exception):
    """A received frame that is logged and otherwise ignored (never answered)."""


def parse_frame(data: str | bytes, max_depth: int = MAX_JSON_DEPTH) -> Frame:
    """Parse one websocket text frame.

    Raises ``FrameRejected`` when the frame must be answered with a CALLERROR and
    ``FrameDropped`` when it must be ignored.
    """
    frame = _load(data)
    message_id = _read_message_id(frame)
    message_type = frame[0]
    if not isinstance(message_type, int) or isinstance(message_type, bool):
        raise FrameRejected(message_id, RpcFrameworkError("Message type is not an integer"))
    if _too_deep(data, max_depth):
        if message_type == MessageType.CALL:
            raise FrameRejected(
                message_id, FormatViolation(f"Frame is nested deeper than {max_depth} levels")
            )
        raise FrameDropped(f"Frame is nested deeper than {max_depth} levels")
    if message_type == MessageType.CALL:
        return _parse_call(message_id, frame)
    if message_type == MessageType.CALL_RESULT:
        return _parse_call_result(message_id, frame)
    if message_type == MessageType.CALL_ERROR:
        return _parse_call_error(message_id, frame)
    raise FrameDropped(f"Unknown message type {message_type}")


def _load(data: str | bytes) -> list[Any]:
    """The frame as a non-empty JSON array (orjson: no NaN or Infinity, at most 1024 levels,
    a duplicate key keeps its last value)."""
    try:
        frame = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise FrameRejected(
            UNKNOWN_MESSAGE_ID, RpcFrameworkError(f"Frame is not valid JSON: {exc}")
        ) from None
    if not isinstance(frame, list) or not frame:
        raise FrameRejected(
            UNKNOWN_MESSAGE_ID, RpcFrameworkError("Frame is not a non-empty JSON array")
        )
    return frame


def _too_deep(data: str | bytes, max_depth: int) -> bool:
    raw = data.encode() if isinstance(data, str) else data
    if raw.count(b"[") + raw.count(b"{") <= max_depth:  # an upper bound of the depth
        return False
    return nesting_exceeds(raw, max_depth)


_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(range(256)).translate(None, b"[]{}")
_ONE_KIND = bytes.maketrans(b"{}", b"[]")


def nesting_exceeds(raw: bytes, max_depth: int) -> bool:
    """Whether valid JSON ``raw`` nests arrays and objects deeper than ``max_depth``.

    At the speed of C: strings are cut out (a split on quotes when nothing is escaped), what
    remains is reduced to its brackets, all of one kind, and each ``replace("[]", "")``
    removes one level everywhere; ``max_depth`` passes leave nothing unless deeper.
    """
    if b"\\" in raw:
        outside = _JSON_STRING.sub(b"", raw)
    else:
        outside = b"".join(raw.split(b'"')[::2])
    brackets = outside.translate(_ONE_KIND, _NOT_BRACKETS)
    for _ in range(max_depth):
        if not brackets:
            return False
        brackets = brackets.replace(b"[]", b"")
    return bool(brackets)


def _read_message_id(frame: list[Any]) -> str:
    message_id = frame[1] if len(frame) > 1 else None
    if not isinstance(message_id, str) or not message_id:
        raise FrameRejected(
            UNKNOWN_MESSAGE_ID, RpcFrameworkError("Message id is missing or not a string")
        )
    if len(message_id) > MAX_MESSAGE_ID_LENGTH:
        raise FrameRejected(
            UNKNOWN_MESSAGE_ID,
            RpcFrameworkError(f"Message id is longer than {MAX_MESSAGE_ID_LENGTH} characters"),
        )
    return message_id


def _parse_call(message_id: str, frame: list[Any]) -> Call:
    if len(frame) != 4:
        raise FrameRejected(
            message_id, ProtocolError(f"CALL must have 4 elements, got {len(frame)}")
        )
    _, _, action, payload = frame
    if not isinstance(action, str) or not action:
        raise FrameRejected(message_id, ProtocolError("CALL action is not a string"))
    if not isinstance(payload, dict):
        raise FrameRejected(message_id, ProtocolError("CALL payload is not a JSON object"))
    return Call(message_id, action, payload)


def _parse_call_result(message_id: str, frame: list[Any]) -> CallResult:
    if len(frame) != 3 or not isinstance(frame[2], dict):
        raise FrameDropped("CALLRESULT must be [3, messageId, {payload}]")
    return CallResult(message_id, frame[2])


def _parse_call_error(message_id: str, frame: list[Any]) -> CallError:
    # Some stations leave out errorDetails; tolerate that, it costs nothing.
    if len(frame) not in (4, 5):
        raise FrameDropped("CALLERROR must be [4, messageId, code, description, {details}]")
    code, description = frame[2], frame[3]
    details = frame[4] if len(frame) == 5 else {}
    if (
        not isinstance(code, str)
        or not isinstance(description, str)
        or not isinstance(details, dict)
    ):
        raise FrameDropped("CALLERROR has fields of the wrong type")
    return CallError(message_id, code, description, details)


def build_call(message_id: str, action: str, payload: dict[str, Any]) -> str:
    return orjson.dumps([MessageType.CALL, message_id, action, payload]).decode()


def build_call_result(message_id: str, payload: dict[str, Any]) -> str:
    return orjson.dumps([MessageType.CALL_RESULT, message_id, payload]).decode()


def build_call_error(message_id: str, error: OcppError) -> str:
    return orjson.dumps(
        [MessageType.CALL_ERROR, message_id, error.code.value, error.description, error.details]
    ).decode()

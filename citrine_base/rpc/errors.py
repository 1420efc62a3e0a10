"""OCPP-J RPC errors: one exception class per CALLERROR code, the code on the class.

::

    OcppError                          (answered as a CALLERROR with ``code``)
    ├── FormatViolation
    ├── GenericError
    ├── InternalError
    ├── MessageTypeNotSupported
    ├── NotImplementedError_           ("NotImplemented": the action is unknown)
    ├── NotSupported                   (known action, not handled here or sent the wrong way)
    ├── OccurrenceConstraintViolation
    ├── PropertyConstraintViolation
    ├── ProtocolError
    ├── RpcFrameworkError
    ├── SecurityError
    └── TypeConstraintViolation

Handlers raise these to answer a CALL with a CALLERROR; anything else that escapes a handler is
turned into ``InternalError`` in exactly one place (the handler runner), and the connection
stays up. Business refusals are not errors: they are CALLRESULTs with a status field.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

MAX_DESCRIPTION_LENGTH = 255
"""OCPP-J caps errorDescription at 255 characters."""


class ErrorCode(StrEnum):
    """The RPC framework error codes of OCPP-J 2.0.1 (Part 4, table 8)."""

    FORMAT_VIOLATION = "FormatViolation"
    GENERIC_ERROR = "GenericError"
    INTERNAL_ERROR = "InternalError"
    MESSAGE_TYPE_NOT_SUPPORTED = "MessageTypeNotSupported"
    NOT_IMPLEMENTED = "NotImplemented"
    NOT_SUPPORTED = "NotSupported"
    OCCURRENCE_CONSTRAINT_VIOLATION = "OccurrenceConstraintViolation"
    PROPERTY_CONSTRAINT_VIOLATION = "PropertyConstraintViolation"
    PROTOCOL_ERROR = "ProtocolError"
    RPC_FRAMEWORK_ERROR = "RpcFrameworkError"
    SECURITY_ERROR = "SecurityError"
    TYPE_CONSTRAINT_VIOLATION = "TypeConstraintViolation"


class OcppError(Exception):
    """An error that is answered on the wire as a CALLERROR with ``code``."""

    code: ClassVar[ErrorCode] = ErrorCode.GENERIC_ERROR

    def __init__(self, description: str = "", details: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.description = description[:MAX_DESCRIPTION_LENGTH]
        self.details: dict[str, Any] = details or {}

    @staticmethod
    def for_code(
        code: str, description: str = "", details: dict[str, Any] | None = None
    ) -> OcppError:
        """The error for a code received in a CALLERROR (unknown codes become GenericError)."""
        cls = _BY_CODE.get(code, GenericError)
        error = cls(description, details)
        return error


class FormatViolation(OcppError):
    code = ErrorCode.FORMAT_VIOLATION


class GenericError(OcppError):
    code = ErrorCode.GENERIC_ERROR


class InternalError(OcppError):
    code = ErrorCode.INTERNAL_ERROR


class MessageTypeNotSupported(OcppError):
    code = ErrorCode.MESSAGE_TYPE_NOT_SUPPORTED


class NotImplementedError_(OcppError):
    code = ErrorCode.NOT_IMPLEMENTED


class NotSupported(OcppError):
    code = ErrorCode.NOT_SUPPORTED


class OccurrenceConstraintViolation(OcppError):
    code = ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION


class PropertyConstraintViolation(OcppError):
    code = ErrorCode.PROPERTY_CONSTRAINT_VIOLATION


class ProtocolError(OcppError):
    code = ErrorCode.PROTOCOL_ERROR


class RpcFrameworkError(OcppError):
    code = ErrorCode.RPC_FRAMEWORK_ERROR


class SecurityError(OcppError):
    code = ErrorCode.SECURITY_ERROR


class TypeConstraintViolation(OcppError):
    code = ErrorCode.TYPE_CONSTRAINT_VIOLATION


_BY_CODE: dict[str, type[OcppError]] = {
    cls.code.value: cls
    for cls in (
        FormatViolation,
        GenericError,
        InternalError,
        MessageTypeNotSupported,
        NotImplementedError_,
        NotSupported,
        OccurrenceConstraintViolation,
        PropertyConstraintViolation,
        ProtocolError,
        RpcFrameworkError,
        SecurityError,
        TypeConstraintViolation,
    )
}


class CallFailed(Exception):
    """A CALL of ours got no answer from the station (no CALLERROR either)."""

    reason: ClassVar[str] = "failed"


class CallTimeout(CallFailed):
    """The station did not answer within the timeout."""

    reason = "timeout"


class StationOffline(CallFailed):
    """The station is not connected to any server instance."""

    reason = "offline"


class CommandQueueFull(CallFailed):
    """Too many CALLs are already waiting for this station."""

    reason = "queue_full"


class StationNotAccepted(CallFailed):
    """The station's boot is not Accepted, and this CALL may not be sent before (B02, B03)."""

    reason = "not_accepted"


class ResponseInvalid(CallFailed):
    """The station answered with a payload that its schema rejects."""

    reason = "invalid_response"

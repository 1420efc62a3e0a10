"""The OCPP-J protocol state of one station connection, with no I/O.

Bytes (text frames) go in, events come out, and text frames to send are returned. The caller
(the router, which owns the socket) decides what to do with each event. Rules kept here:

* every received frame gets the answer the fault table prescribes (see ``frames`` and
  ``validation`` for the parts decided there);
* an unknown action answers NotImplemented; a known action the station may not send (a
  CSMS-to-station action) answers NotSupported;
* a CALL reusing the id of a CALL still being handled answers RpcFrameworkError;
* at most one CALL of ours is outstanding; a CALLRESULT or CALLERROR whose id is not the
  outstanding one is dropped, never answered;
* a binary frame is not OCPP-J (Part 4 §4: JSON text): a CALL in one is answered
  RpcFrameworkError under its id, anything else in one is dropped;
* ``refuse`` answers a CALL the caller will not handle (over the station's message rate)
  without validating it; an answer to our outstanding CALL is still taken.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from citrine_base.ocpp.model import OcppModel
from citrine_base.ocpp.registry import ActionSpec
from citrine_base.rpc.errors import (
    InternalError,
    NotImplementedError_,
    NotSupported,
    OcppError,
    RpcFrameworkError,
)
from citrine_base.rpc.frames import (
    MAX_JSON_DEPTH,
    Call,
    CallError,
    CallResult,
    FrameDropped,
    FrameRejected,
    build_call,
    build_call_error,
    build_call_result,
    parse_frame,
)
from citrine_base.rpc.validation import STRICT, Leniency, validate_payload


@dataclass(frozen=True, slots=True)
class CallReceived:
    """A valid CALL of an action the station may send: hand it to its handler."""

    message_id: str
    spec: ActionSpec
    request: OcppModel
    payload_json: bytes


@dataclass(frozen=True, slots=True)
class Reply:
    """A frame to send back at once (a CALLERROR for a faulty CALL)."""

    message_id: str
    frame: str
    error: OcppError
    action: str | None = None


@dataclass(frozen=True, slots=True)
class PendingCall:
    message_id: str
    spec: ActionSpec


@dataclass(frozen=True, slots=True)
class ResponseReceived:
    """The answer to our outstanding CALL: ``response`` or ``error`` is set."""

    call: PendingCall
    response: OcppModel | None
    error: OcppError | None
    payload_json: bytes | None


@dataclass(frozen=True, slots=True)
class Ignored:
    """A frame that is logged and dropped."""

    reason: str
    message_id: str | None = None


Event = CallReceived | Reply | ResponseReceived | Ignored


class CallInProgress(Exception):
    """Raised when a CALL is started while another of ours is still outstanding."""


class OcppProtocol:
    """Protocol state of one connection."""

    def __init__(
        self,
        actions: Mapping[str, ActionSpec],
        leniency: Leniency = STRICT,
        max_depth: int = MAX_JSON_DEPTH,
    ) -> None:
        self._actions = actions
        self.leniency = leniency
        self._max_depth = max_depth
        self._inbound: set[str] = set()
        self._outstanding: PendingCall | None = None

    @property
    def outstanding(self) -> PendingCall | None:
        return self._outstanding

    def receive(self, data: str | bytes) -> Event:
        frame = self._parse(data)
        if not isinstance(frame, Call | CallResult | CallError):
            return frame
        if isinstance(data, bytes):
            return self._receive_binary(frame)
        if isinstance(frame, Call):
            return self._receive_call(frame)
        return self._receive_response(frame)

    def refuse(self, data: str | bytes, error: OcppError) -> Event:
        """Answer a CALL with ``error`` unread (no validation, no handler); answers to our
        outstanding CALL and faulty frames are treated as by ``receive``."""
        frame = self._parse(data)
        if isinstance(frame, Call):
            return self._reply_error(frame, error)
        if isinstance(frame, CallResult | CallError) and isinstance(data, str):
            return self._receive_response(frame)
        if isinstance(frame, CallResult | CallError):
            return self._receive_binary(frame)
        return frame

    def _parse(self, data: str | bytes) -> Call | CallResult | CallError | Reply | Ignored:
        try:
            return parse_frame(data, self._max_depth)
        except FrameRejected as exc:
            return Reply(exc.message_id, build_call_error(exc.message_id, exc.error), exc.error)
        except FrameDropped as exc:
            return Ignored(str(exc))

    def _receive_binary(self, frame: Call | CallResult | CallError) -> Event:
        if isinstance(frame, Call):
            error = RpcFrameworkError("Binary frames are not OCPP-J: send JSON as a text frame")
            return self._reply_error(frame, error)
        return Ignored("Binary frame (OCPP-J frames are text)", frame.message_id)

    def _receive_call(self, call: Call) -> Event:
        spec = self._actions.get(call.action)
        error: OcppError | None = None
        if spec is None:
            error = NotImplementedError_(f"Unknown action {call.action}")
        elif not spec.sent_by_station:
            error = NotSupported(f"{call.action} is sent by the CSMS, not by a charging station")
        elif call.message_id in self._inbound:
            error = RpcFrameworkError(f"Message id {call.message_id} is already being handled")
        if error is not None or spec is None:
            return self._reply_error(call, error or InternalError())
        payload_json = call.payload_json()
        try:
            request = validate_payload(spec.request, payload_json, self.leniency)
        except OcppError as exc:
            return self._reply_error(call, exc)
        self._inbound.add(call.message_id)
        return CallReceived(call.message_id, spec, request, payload_json)

    @staticmethod
    def _reply_error(call: Call, error: OcppError) -> Reply:
        return Reply(call.message_id, build_call_error(call.message_id, error), error, call.action)

    def _receive_response(self, frame: CallResult | CallError) -> Event:
        pending = self._outstanding
        if pending is None or pending.message_id != frame.message_id:
            return Ignored("Response to no outstanding CALL", frame.message_id)
        self._outstanding = None
        if isinstance(frame, CallError):
            error = OcppError.for_code(
                frame.error_code, frame.error_description, frame.error_details
            )
            return ResponseReceived(pending, None, error, None)
        payload_json = frame.payload_json()
        try:
            response = validate_payload(pending.spec.response, payload_json, self.leniency)
        except OcppError as exc:
            return ResponseReceived(pending, None, exc, payload_json)
        return ResponseReceived(pending, response, None, payload_json)

    def result(self, message_id: str, response: OcppModel) -> str:
        """The CALLRESULT frame answering the inbound CALL ``message_id``."""
        self._inbound.discard(message_id)
        return build_call_result(message_id, response.to_wire())

    def error(self, message_id: str, error: OcppError) -> str:
        """The CALLERROR frame answering the inbound CALL ``message_id``."""
        self._inbound.discard(message_id)
        return build_call_error(message_id, error)

    def start_call(self, message_id: str, spec: ActionSpec, request: OcppModel) -> str:
        """The CALL frame for a request of ours; only one may be outstanding."""
        if self._outstanding is not None:
            raise CallInProgress(self._outstanding.message_id)
        if not spec.sent_by_csms:
            raise NotSupported(f"{spec.action} is not sent by the CSMS")
        self._outstanding = PendingCall(message_id, spec)
        return build_call(message_id, spec.action, request.to_wire())

    def call_timed_out(self, message_id: str) -> PendingCall | None:
        """Forget our outstanding CALL ``message_id`` after its timeout (a late answer is dropped)."""
        pending = self._outstanding
        if pending is None or pending.message_id != message_id:
            return None
        self._outstanding = None
        return pending

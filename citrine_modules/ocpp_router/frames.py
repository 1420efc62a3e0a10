"""What the router notes of every frame: last seen, and the message log entry."""

from __future__ import annotations

from citrine_base.interfaces.envelope import StationKey
from citrine_base.rpc.protocol import CallReceived, Ignored, Reply, ResponseReceived
from citrine_data.models import Direction
from citrine_modules.ocpp_router.service import PresenceBook
from citrine_util.message_log import MessageLogWriter
from citrine_util.redaction import redact_frame

CALL, CALLRESULT, CALLERROR = 2, 3, 4


class FrameRecorder:
    """The connections' ``FrameObserver``: called inline for each frame, so it never waits."""

    def __init__(self, presence: PresenceBook, message_log: MessageLogWriter | None) -> None:
        self._presence = presence
        self._log = message_log

    def frame_in(self, station: StationKey, text: str | bytes, event: object) -> None:
        self._presence.touch(station)
        if self._log is None:
            return
        message_type: int | None = None
        message_id: str | None = None
        action: str | None = None
        error_code: str | None = None
        if isinstance(event, CallReceived):
            message_type, message_id, action = CALL, event.message_id, event.spec.action
        elif isinstance(event, ResponseReceived):
            message_id, action = event.call.message_id, event.call.spec.action
            is_error = event.error is not None and event.payload_json is None
            message_type = CALLERROR if is_error else CALLRESULT
            error_code = event.error.code.value if is_error and event.error else None
        elif isinstance(event, Reply):
            # A CALL we could not accept (or a frame too broken to tell what it was).
            message_type = CALL if event.action is not None else None
            message_id, action = event.message_id, event.action
        elif isinstance(event, Ignored):
            message_id = event.message_id
        self._log.record(station, Direction.IN, text, message_type, message_id, action, error_code)

    def frame_out(
        self,
        station: StationKey,
        text: str,
        kind: int,
        message_id: str,
        action: str | None,
        error_code: str | None,
    ) -> None:
        if self._log is not None:
            text = redact_frame(action, text) if kind == CALL else text
            self._log.record(station, Direction.OUT, text, kind, message_id, action, error_code)

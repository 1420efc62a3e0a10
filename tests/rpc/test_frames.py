"""Frame parsing and building (pure, no I/O): the framing rows of the OCPP-J fault table."""

from __future__ import annotations

import orjson
import pytest

from citrine_base.rpc.errors import ErrorCode, ProtocolError, RpcFrameworkError
from citrine_base.rpc.frames import (
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


class TestParseFrame:
    def test_call(self) -> None:
        frame = parse_frame('[2, "m1", "Heartbeat", {}]')
        assert frame == Call("m1", "Heartbeat", {})

    def test_call_result(self) -> None:
        assert parse_frame('[3, "m1", {"a": 1}]') == CallResult("m1", {"a": 1})

    def test_call_error_with_and_without_details(self) -> None:
        assert parse_frame('[4, "m1", "NotSupported", "no", {}]') == CallError(
            "m1", "NotSupported", "no", {}
        )
        assert parse_frame('[4, "m1", "NotSupported", "no"]') == CallError(
            "m1", "NotSupported", "no", {}
        )

    @pytest.mark.parametrize(
        "data",
        [
            "not json",
            "{}",
            "[]",
            '"text"',
            "[2]",
            '[2, 17, "Heartbeat", {}]',
            '[2, "", "Heartbeat", {}]',
            '[2, "' + "x" * 37 + '", "Heartbeat", {}]',
            "[" * 2000 + "]" * 2000,
            b"\xff\xfe",
        ],
    )
    def test_unreadable_frame_or_id_is_rpc_framework_error_with_id_minus_one(
        self, data: str | bytes
    ) -> None:
        with pytest.raises(FrameRejected) as caught:
            parse_frame(data)
        assert caught.value.message_id == "-1"
        assert isinstance(caught.value.error, RpcFrameworkError)

    def test_message_id_of_36_characters_is_fine(self) -> None:
        message_id = "x" * 36
        assert parse_frame(f'[2, "{message_id}", "Heartbeat", {{}}]').message_id == message_id

    def test_message_type_not_an_integer(self) -> None:
        with pytest.raises(FrameRejected) as caught:
            parse_frame('["2", "m1", "Heartbeat", {}]')
        assert caught.value.message_id == "m1"
        assert caught.value.error.code is ErrorCode.RPC_FRAMEWORK_ERROR

    @pytest.mark.parametrize("message_type", [0, 1, 5, 99, -2])
    def test_unknown_message_type_is_dropped(self, message_type: int) -> None:
        with pytest.raises(FrameDropped):
            parse_frame(f'[{message_type}, "m1", "Heartbeat", {{}}]')

    @pytest.mark.parametrize(
        "data",
        [
            '[2, "m1", "Heartbeat"]',
            '[2, "m1", "Heartbeat", {}, {}]',
            '[2, "m1", 5, {}]',
            '[2, "m1", "Heartbeat", []]',
            '[2, "m1", "Heartbeat", null]',
        ],
    )
    def test_call_of_the_wrong_shape_is_protocol_error(self, data: str) -> None:
        with pytest.raises(FrameRejected) as caught:
            parse_frame(data)
        assert caught.value.message_id == "m1"
        assert isinstance(caught.value.error, ProtocolError)

    @pytest.mark.parametrize(
        "data",
        [
            '[3, "m1"]',
            '[3, "m1", []]',
            '[4, "m1", "X"]',
            '[4, "m1", 1, "d", {}]',
            '[4, "m1", "X", "d", []]',
        ],
    )
    def test_malformed_responses_are_dropped_never_answered(self, data: str) -> None:
        with pytest.raises(FrameDropped):
            parse_frame(data)


class TestBuildFrames:
    def test_round_trip(self) -> None:
        assert orjson.loads(build_call("m", "Reset", {"type": "Immediate"})) == [
            2,
            "m",
            "Reset",
            {"type": "Immediate"},
        ]
        assert orjson.loads(build_call_result("m", {})) == [3, "m", {}]

    def test_call_error_caps_description_and_defaults_details_to_empty_object(self) -> None:
        frame = orjson.loads(build_call_error("m", ProtocolError("x" * 400)))
        assert frame[:3] == [4, "m", "ProtocolError"]
        assert len(frame[3]) == 255
        assert frame[4] == {}

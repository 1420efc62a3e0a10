"""Bad input at the frame and protocol level (pure): depth, NaN, duplicate keys, binary
frames, and CALLs refused unread for the message rate."""

from __future__ import annotations

import time

import orjson
import pytest

from citrine_base.ocpp.v201 import ACTIONS
from citrine_base.rpc.errors import ErrorCode, RpcFrameworkError
from citrine_base.rpc.frames import (
    Call,
    FrameDropped,
    FrameRejected,
    nesting_exceeds,
    parse_frame,
)
from citrine_base.rpc.protocol import (
    CallReceived,
    Ignored,
    OcppProtocol,
    PendingCall,
    Reply,
    ResponseReceived,
)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


class TestNestingExceeds:
    @pytest.mark.parametrize(
        ("raw", "depth"),
        [
            (b"[]", 1),
            (b'{"a": [{"b": 1}, []]}', 3),
            (b'["[[[[", "]]]]]]"]', 1),  # brackets in strings do not count
            (b'[["\\"[[", "\\\\"]]', 2),  # nor do escaped quotes end a string
            (b'{"a": {"b": {"c": {}}}}', 4),
        ],
    )
    def test_exact_depth(self, raw: bytes, depth: int) -> None:
        assert not nesting_exceeds(raw, depth)
        assert nesting_exceeds(raw, depth - 1)


class TestParseBadInput:
    def test_deep_payload_of_a_call_is_a_format_violation(self) -> None:
        frame = '[2, "d", "Heartbeat", {"customData": {"vendorId": "v", "x": ' + nested(40)
        with pytest.raises(FrameRejected) as rejected:
            parse_frame(frame + "}}]", max_depth=32)
        assert rejected.value.message_id == "d"
        assert rejected.value.error.code is ErrorCode.FORMAT_VIOLATION

    def test_deep_response_is_dropped(self) -> None:
        with pytest.raises(FrameDropped):
            parse_frame('[3, "d", {"x": ' + nested(40) + "}]", max_depth=32)

    def test_depth_is_configurable(self) -> None:
        frame = '[2, "d", "DataTransfer", {"vendorId": "v", "data": ' + nested(10) + "}]"
        assert isinstance(parse_frame(frame, max_depth=32), Call)
        with pytest.raises(FrameRejected):
            parse_frame(frame, max_depth=8)

    def test_100k_levels_are_refused_quickly(self) -> None:
        started = time.perf_counter()
        with pytest.raises(FrameRejected) as rejected:
            parse_frame(nested(100_000))
        assert time.perf_counter() - started < 0.1
        assert rejected.value.message_id == "-1"
        assert rejected.value.error.code is ErrorCode.RPC_FRAMEWORK_ERROR

    @pytest.mark.parametrize(
        "frame",
        [
            '[2, "n", "Heartbeat", {"x": NaN}]',
            '[2, "n", "Heartbeat", {"x": Infinity}]',
            '[2, "n", "Heartbeat", {"x": 1e400}]',
            '[2, "n", "Heartbeat", {"x": "\\ud800"}]',
        ],
    )
    def test_non_json_numbers_and_lone_surrogates_are_not_json(self, frame: str) -> None:
        with pytest.raises(FrameRejected) as rejected:
            parse_frame(frame)
        assert rejected.value.message_id == "-1"

    def test_a_duplicate_key_keeps_its_last_value(self) -> None:
        frame = parse_frame('[2, "k", "Heartbeat", {"a": 1, "a": 2}]')
        assert isinstance(frame, Call)
        assert frame.payload == {"a": 2}


@pytest.fixture
def protocol() -> OcppProtocol:
    return OcppProtocol(ACTIONS)


class TestBinaryFrames:
    def test_a_call_in_a_binary_frame_is_answered_under_its_id(
        self, protocol: OcppProtocol
    ) -> None:
        event = protocol.receive(b'[2, "b", "Heartbeat", {}]')
        assert isinstance(event, Reply)
        assert (event.message_id, event.error.code) == ("b", ErrorCode.RPC_FRAMEWORK_ERROR)

    def test_random_bytes_are_answered_with_id_minus_one(self, protocol: OcppProtocol) -> None:
        event = protocol.receive(b"\x00\xff\xfe")
        assert isinstance(event, Reply)
        assert event.message_id == "-1"

    def test_a_response_in_a_binary_frame_is_dropped(self, protocol: OcppProtocol) -> None:
        assert isinstance(protocol.receive(b'[3, "x", {}]'), Ignored)


class TestRefuse:
    def test_a_call_is_answered_with_the_error_unvalidated(self, protocol: OcppProtocol) -> None:
        error = RpcFrameworkError("slow down", {"retryAfter": 0.2})
        event = protocol.refuse('[2, "r", "BootNotification", {"bad": 1}]', error)
        assert isinstance(event, Reply)
        assert orjson.loads(event.frame) == [
            4,
            "r",
            "RpcFrameworkError",
            "slow down",
            {"retryAfter": 0.2},
        ]
        assert isinstance(protocol.receive('[2, "r", "Heartbeat", {}]'), CallReceived)

    def test_the_answer_to_our_call_is_still_taken(self, protocol: OcppProtocol) -> None:
        spec = ACTIONS["GetLocalListVersion"]
        from citrine_base.ocpp.v201 import messages

        protocol.start_call("c1", spec, messages.GetLocalListVersionRequest())
        event = protocol.refuse('[3, "c1", {"versionNumber": 3}]', RpcFrameworkError())
        assert isinstance(event, ResponseReceived)
        assert event.call == PendingCall("c1", spec)
        assert protocol.outstanding is None

    def test_faulty_frames_get_their_usual_answer(self, protocol: OcppProtocol) -> None:
        event = protocol.refuse("not json", RpcFrameworkError("rate"))
        assert isinstance(event, Reply)
        assert event.message_id == "-1"

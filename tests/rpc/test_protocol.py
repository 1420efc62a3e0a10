"""The per-connection protocol state (pure): every fault-table row decided above framing."""

from __future__ import annotations

import orjson
import pytest

from citrine_base.ocpp.v201 import ACTIONS, Action, messages
from citrine_base.rpc.errors import ErrorCode
from citrine_base.rpc.protocol import (
    CallInProgress,
    CallReceived,
    Ignored,
    OcppProtocol,
    Reply,
    ResponseReceived,
)
from citrine_base.rpc.validation import Leniency

SPECS = {spec.action: spec for spec in ACTIONS.values()}
BOOT = {
    "reason": "PowerUp",
    "chargingStation": {"model": "M", "vendorName": "V"},
}


def call(action: str, payload: object, message_id: str = "m1") -> str:
    return orjson.dumps([2, message_id, action, payload]).decode()


def error_of(event: object) -> tuple[str, str]:
    assert isinstance(event, Reply), event
    frame = orjson.loads(event.frame)
    assert frame[0] == 4
    return frame[1], frame[2]


@pytest.fixture
def protocol() -> OcppProtocol:
    return OcppProtocol(SPECS)


class TestReceiveCall:
    def test_valid_call(self, protocol: OcppProtocol) -> None:
        event = protocol.receive(call("BootNotification", BOOT))
        assert isinstance(event, CallReceived)
        assert isinstance(event.request, messages.BootNotificationRequest)
        assert event.request.charging_station.vendor_name == "V"

    def test_unknown_action_is_not_implemented(self, protocol: OcppProtocol) -> None:
        assert error_of(protocol.receive(call("FlyToTheMoon", {}))) == ("m1", "NotImplemented")

    def test_action_sent_the_wrong_way_is_not_supported(self, protocol: OcppProtocol) -> None:
        assert error_of(protocol.receive(call("Reset", {"type": "Immediate"}))) == (
            "m1",
            "NotSupported",
        )

    @pytest.mark.parametrize(
        ("payload", "code"),
        [
            ({**BOOT, "unexpected": 1}, "FormatViolation"),
            ({"reason": "PowerUp"}, "OccurrenceConstraintViolation"),
            ({**BOOT, "reason": 5}, "TypeConstraintViolation"),
            ({**BOOT, "reason": "Bored"}, "PropertyConstraintViolation"),
            (
                {**BOOT, "chargingStation": {"model": "M" * 21, "vendorName": "V"}},
                "PropertyConstraintViolation",
            ),
        ],
    )
    def test_schema_failures_by_kind(
        self, protocol: OcppProtocol, payload: object, code: str
    ) -> None:
        assert error_of(protocol.receive(call("BootNotification", payload))) == ("m1", code)

    def test_schema_failure_kinds_for_arrays_numbers_and_dates(
        self, protocol: OcppProtocol
    ) -> None:
        no_values = {"evseId": 1, "meterValue": []}
        assert (
            error_of(protocol.receive(call("MeterValues", no_values)))[1]
            == "OccurrenceConstraintViolation"
        )
        too_full = {
            "evseId": 1,
            "chargingNeeds": {
                "requestedEnergyTransfer": "DC",
                "dcChargingParameters": {
                    "evMaxCurrent": 1,
                    "evMaxVoltage": 1,
                    "stateOfCharge": 101,
                },
            },
        }
        assert (
            error_of(protocol.receive(call("NotifyEVChargingNeeds", too_full)))[1]
            == "PropertyConstraintViolation"
        )
        bad_date = {
            "timestamp": "yesterday",
            "connectorStatus": "Available",
            "evseId": 1,
            "connectorId": 1,
        }
        assert (
            error_of(protocol.receive(call("StatusNotification", bad_date)))[1]
            == "PropertyConstraintViolation"
        )
        string_int = {
            "timestamp": "2024-01-01T00:00:00Z",
            "connectorStatus": "Available",
            "evseId": "1",
            "connectorId": 1,
        }
        assert (
            error_of(protocol.receive(call("StatusNotification", string_int)))[1]
            == "TypeConstraintViolation"
        )

    def test_duplicate_id_of_a_call_in_progress(self, protocol: OcppProtocol) -> None:
        assert isinstance(protocol.receive(call("Heartbeat", {})), CallReceived)
        assert error_of(protocol.receive(call("Heartbeat", {}))) == ("m1", "RpcFrameworkError")
        protocol.result(
            "m1",
            messages.HeartbeatResponse.model_validate_json(
                '{"currentTime": "2024-01-01T00:00:00Z"}'
            ),
        )
        assert isinstance(protocol.receive(call("Heartbeat", {})), CallReceived)

    def test_custom_data_may_carry_vendor_properties(self, protocol: OcppProtocol) -> None:
        """TC_P_03_CSMS: unknown properties inside customData are accepted."""
        payload = {"customData": {"vendorId": "acme", "anything": {"nested": [1, 2]}}}
        assert isinstance(protocol.receive(call("Heartbeat", payload)), CallReceived)


class TestLeniency:
    def test_unknown_fields_tolerated_when_configured(self) -> None:
        protocol = OcppProtocol(SPECS, Leniency(ignore_unknown_fields=True))
        payload = {**BOOT, "vendorExtra": 1, "chargingStation": {**BOOT["chargingStation"], "x": 2}}
        event = protocol.receive(call("BootNotification", payload))
        assert isinstance(event, CallReceived)
        assert event.request.charging_station.model == "M"

    def test_leniency_does_not_forgive_other_faults(self) -> None:
        protocol = OcppProtocol(SPECS, Leniency(ignore_unknown_fields=True, drop_null_fields=True))
        payload = {**BOOT, "vendorExtra": 1, "reason": "Bored"}
        assert (
            error_of(protocol.receive(call("BootNotification", payload)))[1]
            == "PropertyConstraintViolation"
        )

    def test_nulls_dropped_when_configured(self) -> None:
        strict = OcppProtocol(SPECS)
        payload = {**BOOT, "chargingStation": {**BOOT["chargingStation"], "serialNumber": None}}
        assert (
            error_of(strict.receive(call("BootNotification", payload)))[1]
            == "TypeConstraintViolation"
        )
        lenient = OcppProtocol(SPECS, Leniency(drop_null_fields=True))
        assert isinstance(lenient.receive(call("BootNotification", payload)), CallReceived)


class TestOutgoingCalls:
    def test_one_outstanding_call_and_its_answer(self, protocol: OcppProtocol) -> None:
        spec = SPECS[Action.RESET]
        request = messages.ResetRequest.model_validate_json('{"type": "Immediate"}')
        frame = orjson.loads(protocol.start_call("c1", spec, request))
        assert frame == [2, "c1", "Reset", {"type": "Immediate"}]
        with pytest.raises(CallInProgress):
            protocol.start_call("c2", spec, request)
        event = protocol.receive('[3, "c1", {"status": "Accepted"}]')
        assert isinstance(event, ResponseReceived)
        assert isinstance(event.response, messages.ResetResponse)
        protocol.start_call("c2", spec, request)

    def test_response_with_unknown_id_is_dropped(self, protocol: OcppProtocol) -> None:
        assert isinstance(protocol.receive('[3, "nobody", {}]'), Ignored)
        assert isinstance(protocol.receive('[4, "nobody", "GenericError", "", {}]'), Ignored)

    def test_call_error_answer(self, protocol: OcppProtocol) -> None:
        protocol.start_call(
            "c1",
            SPECS[Action.RESET],
            messages.ResetRequest.model_validate_json('{"type": "OnIdle"}'),
        )
        event = protocol.receive('[4, "c1", "NotSupported", "no resets", {}]')
        assert isinstance(event, ResponseReceived)
        assert event.error is not None
        assert event.error.code is ErrorCode.NOT_SUPPORTED

    def test_invalid_answer_is_reported_not_accepted(self, protocol: OcppProtocol) -> None:
        protocol.start_call(
            "c1",
            SPECS[Action.RESET],
            messages.ResetRequest.model_validate_json('{"type": "OnIdle"}'),
        )
        event = protocol.receive('[3, "c1", {"status": "Maybe"}]')
        assert isinstance(event, ResponseReceived)
        assert event.response is None
        assert event.error is not None

    def test_late_answer_after_timeout_is_dropped(self, protocol: OcppProtocol) -> None:
        protocol.start_call(
            "c1",
            SPECS[Action.RESET],
            messages.ResetRequest.model_validate_json('{"type": "OnIdle"}'),
        )
        assert protocol.call_timed_out("c1") is not None
        assert isinstance(protocol.receive('[3, "c1", {"status": "Accepted"}]'), Ignored)

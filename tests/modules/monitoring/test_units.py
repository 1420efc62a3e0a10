"""Pure rules: splitting a request to the station's limits, pairing results with items."""

from __future__ import annotations

import orjson
import pytest

from citrine_base.ocpp.v201 import datatypes, enums
from citrine_modules.monitoring.limits import FRAME_OVERHEAD, MessageLimits, split
from citrine_modules.monitoring.monitors import pair_results
from citrine_modules.rest import Unprocessable


def frame_size(action: str, field: str, ids: list[int]) -> int:
    return FRAME_OVERHEAD + len(action) + len(orjson.dumps({field: ids}))


class TestSplit:
    def test_no_limits_is_one_message(self) -> None:
        assert split([1, 2, 3], MessageLimits(), action="A", field="id", to_json=int) == [[1, 2, 3]]

    def test_items_per_message(self) -> None:
        parts = split(list(range(7)), MessageLimits(items=3), action="A", field="id", to_json=int)
        assert parts == [[0, 1, 2], [3, 4, 5], [6]]

    def test_bytes_per_message(self) -> None:
        ids = list(range(1000, 1020))
        limit = frame_size("ClearVariableMonitoring", "id", ids[:5])
        parts = split(
            ids,
            MessageLimits(bytes=limit),
            action="ClearVariableMonitoring",
            field="id",
            to_json=int,
        )
        assert [len(part) for part in parts] == [5, 5, 5, 5]
        assert all(frame_size("ClearVariableMonitoring", "id", p) <= limit for p in parts)

    def test_both_limits_and_an_item_too_large(self) -> None:
        parts = split(
            list(range(10)),
            MessageLimits(items=4, bytes=10_000),
            action="A",
            field="id",
            to_json=int,
        )
        assert [len(part) for part in parts] == [4, 4, 2]
        with pytest.raises(Unprocessable):
            split([123456789], MessageLimits(bytes=20), action="A", field="id", to_json=int)


def data(name: str, kind: str, severity: int) -> datatypes.SetMonitoringData:
    return datatypes.SetMonitoringData(
        value=1.0,
        type=enums.MonitorEnum(kind),
        severity=severity,
        component=datatypes.Component(name="EVSE"),
        variable=datatypes.Variable(name=name),
    )


def result(name: str, kind: str, severity: int) -> datatypes.SetMonitoringResult:
    return datatypes.SetMonitoringResult(
        id=1,
        status=enums.SetMonitoringStatusEnum.ACCEPTED,
        type=enums.MonitorEnum(kind),
        severity=severity,
        component=datatypes.Component(name="EVSE"),
        variable=datatypes.Variable(name=name),
    )


class TestPairResults:
    def test_by_key_whatever_the_order(self) -> None:
        asked = [data("Power", "Delta", 5), data("Current", "Delta", 5)]
        answered = [result("Current", "Delta", 5), result("Power", "Delta", 5)]
        paired = pair_results(asked, answered)
        assert [(item.variable.name if item else None, r.variable.name) for item, r in paired] == [
            ("Current", "Current"),
            ("Power", "Power"),
        ]

    def test_by_position_when_the_station_changed_a_field(self) -> None:
        asked = [data("Power", "Delta", 5)]
        paired = pair_results(asked, [result("Power", "Delta", 9)])  # severity changed
        assert paired[0][0] is asked[0]
        assert pair_results([], [result("Power", "Delta", 5)])[0][0] is None

"""Monitoring reports, NotifyEvent and security events over real websockets."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from ocpp.v201 import call, datatypes, enums

from tests.live import live_server
from tests.modules.helpers import answer, booted, call_ok, client, eventually, now
from tests.server.test_ocpp_client import ocpp_station

STATION = "/monitoring/stations/CS1"
POWER = {"component": {"name": "EVSE", "evse": {"id": 1}}, "variable": {"name": "Power"}}


def monitor(monitor_id: int, value: float = 1.0) -> dict[str, Any]:
    return {"id": monitor_id, "transaction": False, "value": value, "type": "Delta", "severity": 7}


async def report(http: httpx.AsyncClient, request_id: int) -> dict[str, Any]:
    response = await http.get(f"{STATION}/monitoringReports/{request_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def monitor_ids(http: httpx.AsyncClient) -> list[int]:
    items = (await http.get(f"{STATION}/monitors")).json()["items"]
    return sorted(item["monitorId"] for item in items)


async def complete(http: httpx.AsyncClient, request_id: int) -> dict[str, Any] | None:
    found = await report(http, request_id)
    return found if found["complete"] and found["status"] else None


class TestMonitoringReport:
    async def test_paged_report_with_criteria(self) -> None:
        """TC_N_01_CSMS (monitoringCriteria) with a report in two parts (seqNo, tbc); the
        station's components are created in the device model as they are named."""
        async with (
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            reply = asyncio.create_task(
                http.post(
                    f"{STATION}/monitoringReports", json={"monitoringCriteria": ["DeltaMonitoring"]}
                )
            )
            sent = await answer(station, "GetMonitoringReport", {"status": "Accepted"})
            started = (await reply).json()
            request_id = started["requestId"]
            assert sent == {"requestId": request_id, "monitoringCriteria": ["DeltaMonitoring"]}
            for seq_no, tbc, monitors in (
                (0, True, [monitor(1), monitor(2)]),
                (1, False, [monitor(3)]),
            ):
                answered = await call_ok(
                    station,
                    "NotifyMonitoringReport",
                    {
                        "requestId": request_id,
                        "seqNo": seq_no,
                        "generatedAt": now(),
                        "tbc": tbc,
                        "monitor": [{**POWER, "variableMonitoring": monitors}],
                    },
                )
                assert answered == {}
            done = await eventually(lambda: complete(http, request_id))
            ids = await monitor_ids(http)
        assert started["status"] == "Accepted"
        assert (done["partsReceived"], done["monitorsReported"]) == (2, 3)
        assert done["monitoringCriteria"] == ["DeltaMonitoring"]
        assert ids == [1, 2, 3]

    async def test_component_variable_and_empty_result(self) -> None:
        """TC_N_02_CSMS / TC_N_03_CSMS / TC_N_60_CSMS: componentVariable (with criteria)
        sent as asked; EmptyResultSet ends the report without parts."""
        wanted = [
            {"component": {"name": "EVSE", "evse": {"id": 1}}, "variable": {"name": "Power"}},
            {"component": {"name": "ChargingStation"}},
        ]
        async with (
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            reply = asyncio.create_task(
                http.post(
                    f"{STATION}/monitoringReports",
                    json={
                        "componentVariable": wanted,
                        "monitoringCriteria": ["ThresholdMonitoring", "PeriodicMonitoring"],
                    },
                )
            )
            sent = await answer(station, "GetMonitoringReport", {"status": "EmptyResultSet"})
            started = (await reply).json()
            done = await eventually(lambda: complete(http, started["requestId"]))
        assert sent["componentVariable"] == wanted
        assert sent["monitoringCriteria"] == ["ThresholdMonitoring", "PeriodicMonitoring"]
        assert (done["status"], done["partsReceived"]) == ("EmptyResultSet", 0)

    async def test_report_all_forgets_monitors_the_station_lost(self) -> None:
        """TC_N_47_CSMS: a report of everything is the truth: monitors it does not list
        (cleared at a reboot, say) are forgotten; a repeated part is counted once."""
        async with (
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            await call_ok(
                station,
                "NotifyMonitoringReport",
                {
                    "requestId": 500,
                    "seqNo": 0,
                    "generatedAt": now(),
                    "monitor": [{**POWER, "variableMonitoring": [monitor(1), monitor(2)]}],
                },
            )
            await eventually(lambda: _ids(http, [1, 2]))
            reply = asyncio.create_task(http.post(f"{STATION}/monitoringReports", json={}))
            sent = await answer(station, "GetMonitoringReport", {"status": "Accepted"})
            assert set(sent) == {"requestId"}
            part = {
                "requestId": sent["requestId"],
                "seqNo": 0,
                "generatedAt": now(),
                "monitor": [{**POWER, "variableMonitoring": [monitor(2, 9.5)]}],
            }
            await reply
            await call_ok(station, "NotifyMonitoringReport", part)
            await call_ok(station, "NotifyMonitoringReport", part)  # a retried part
            left = await eventually(lambda: _ids(http, [2]))
            done = await report(http, sent["requestId"])
        assert left == [2]
        assert done["partsReceived"] == 1

    async def test_parts_for_an_unknown_request_are_kept(self) -> None:
        async with (
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            await call_ok(
                station,
                "NotifyMonitoringReport",
                {"requestId": 77, "seqNo": 0, "generatedAt": now(), "tbc": False},
            )
            found = await report(http, 77)
        assert (found["requestedAt"], found["complete"], found["monitorsReported"]) == (
            None,
            True,
            0,
        )


async def _ids(http: httpx.AsyncClient, expected: list[int]) -> list[int] | None:
    found = await monitor_ids(http)
    return found if found == expected else None


def event(event_id: int, trigger: str, value: str, **extra: Any) -> dict[str, Any]:
    return {
        "eventId": event_id,
        "timestamp": now(),
        "trigger": trigger,
        "actualValue": value,
        "eventNotificationType": "CustomMonitor",
        **POWER,
        **extra,
    }


class TestNotifyEvent:
    async def test_events_are_stored_and_queryable(self) -> None:
        """TC_N_50_CSMS (Periodic), TC_N_48_CSMS / TC_N_49_CSMS (Alerting events, cleared):
        every EventData is answered and listed."""
        async with (
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            await call_ok(
                station,
                "NotifyEvent",
                {
                    "generatedAt": now(),
                    "seqNo": 0,
                    "tbc": True,
                    "eventData": [
                        event(1, "Periodic", "7100", variableMonitoringId=3),
                        event(2, "Alerting", "12000", techCode="HIGH"),
                    ],
                },
            )
            await call_ok(
                station,
                "NotifyEvent",
                {
                    "generatedAt": now(),
                    "seqNo": 1,
                    "eventData": [event(3, "Alerting", "100", cleared=True)],
                },
            )
            everything = (await http.get(f"{STATION}/events")).json()
            periodic = (await http.get(f"{STATION}/events", params={"trigger": "Periodic"})).json()
        assert everything["total"] == 3
        assert periodic["total"] == 1
        [first] = periodic["items"]
        assert (first["actualValue"], first["variableMonitoringId"]) == ("7100", 3)
        assert first["component"]["evseId"] == 1
        assert {e["eventId"]: e["cleared"] for e in everything["items"]}[3] is True

    async def test_availability_state_moves_the_connector_status(self) -> None:
        """NotifyEvent AvailabilityState is the other way to report a connector's status."""
        async with (
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            await call_ok(
                station,
                "NotifyEvent",
                {
                    "generatedAt": now(),
                    "seqNo": 0,
                    "eventData": [
                        {
                            "eventId": 9,
                            "timestamp": now(),
                            "trigger": "Delta",
                            "actualValue": "Occupied",
                            "eventNotificationType": "HardWiredNotification",
                            "component": {"name": "Connector", "evse": {"id": 2, "connectorId": 1}},
                            "variable": {"name": "AvailabilityState"},
                        }
                    ],
                },
            )
            detail = (await http.get("/stations/CS1")).json()
        [evse] = [e for e in detail["evses"] if e["evseId"] == 2]
        assert evse["connectors"][0]["status"] == "Occupied"

    async def test_with_an_independent_client(self) -> None:
        """mobilityhouse ocpp as the station: NotifyEvent and SecurityEventNotification."""
        async with (
            live_server() as server,
            ocpp_station(server, "MH-1") as station,
            client(server) as http,
        ):
            await station.call(
                call.BootNotification(
                    charging_station=datatypes.ChargingStationType(vendor_name="Acme", model="Z1"),
                    reason=enums.BootReasonEnumType.power_up,
                )
            )
            await station.call(
                call.NotifyEvent(
                    generated_at=now(),
                    seq_no=0,
                    event_data=[
                        datatypes.EventDataType(
                            event_id=1,
                            timestamp=now(),
                            trigger=enums.EventTriggerEnumType.alerting,
                            actual_value="1",
                            event_notification_type=enums.EventNotificationEnumType.custom_monitor,
                            component=datatypes.ComponentType(
                                name="EVSE", evse=datatypes.EVSEType(id=1)
                            ),
                            variable=datatypes.VariableType(name="Power"),
                        )
                    ],
                )
            )
            await station.call(
                call.SecurityEventNotification(type="TamperDetectionActivated", timestamp=now())
            )
            events = (await http.get("/monitoring/stations/MH-1/events")).json()
            security = (await http.get("/monitoring/stations/MH-1/securityEvents")).json()
        assert events["total"] == 1
        assert security["items"][0]["critical"] is True


class TestSecurityEvents:
    async def test_always_acknowledged_and_critical_flagged(self) -> None:
        """A04.FR.03: every notification is answered; critical types are flagged and can be
        listed across the tenant's stations."""
        async with (
            live_server() as server,
            booted(server, "CS1") as station,
            booted(server, "CS2") as other,
            client(server) as http,
        ):
            for target, kind in (
                (station, "FirmwareUpdated"),
                (station, "InvalidMessages"),
                (other, "VendorSpecificThing"),
            ):
                assert (
                    await call_ok(
                        target,
                        "SecurityEventNotification",
                        {"type": kind, "timestamp": now(), "techInfo": "x"},
                    )
                    == {}
                )
            mine = (await http.get(f"{STATION}/securityEvents")).json()
            alerts = (
                await http.get("/monitoring/securityEvents", params={"critical": "true"})
            ).json()
            everything = (await http.get("/monitoring/securityEvents")).json()
        assert mine["total"] == 2
        assert [(a["stationId"], a["type"]) for a in alerts["items"]] == [
            ("CS1", "FirmwareUpdated")
        ]
        assert everything["total"] == 3
        assert {e["type"]: e["critical"] for e in everything["items"]}[
            "VendorSpecificThing"
        ] is False

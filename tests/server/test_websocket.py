"""The station websocket end to end: a real uvicorn server and real websocket clients."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import ACTIONS, Action, messages
from citrine_base.rpc.errors import CallTimeout, CommandQueueFull, StationOffline
from citrine_base.topics import MODULES_GROUP, call_topic
from citrine_util.handler_runner import HandlerRunner
from tests.live import BOOT_PAYLOAD, LiveServer, RawStation, live_server, raw_station


@pytest.fixture
async def server() -> Any:
    async with live_server() as running:
        yield running


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class TestBootAndHeartbeat:
    async def test_boot_accepted_with_interval_and_time(self, server: LiveServer) -> None:
        """TC_B_01_CSMS: cold boot, Accepted, with the configured heartbeat interval."""
        async with raw_station(server, "CS1") as station:
            frame = await station.boot()
        assert frame[0] == 3
        assert frame[2]["status"] == "Accepted"
        assert frame[2]["interval"] == server.config.ocpp.heartbeat_interval
        assert abs(parse_time(frame[2]["currentTime"]) - datetime.now(UTC)) < timedelta(seconds=5)

    async def test_heartbeat_gives_the_csms_time(self, server: LiveServer) -> None:
        async with raw_station(server, "CS1") as station:
            await station.boot()
            frame = await station.call("Heartbeat", {})
        assert frame[0] == 3
        assert parse_time(frame[2]["currentTime"]).tzinfo is not None
        assert frame[2]["currentTime"].endswith("Z")

    async def test_heartbeat_interval_from_config(self) -> None:
        async with (
            live_server(ocpp={"heartbeat_interval": 42}) as server,
            raw_station(server, "CS1") as station,
        ):
            frame = await station.boot()
        assert frame[2]["interval"] == 42


FAULTS: list[tuple[str, str | bytes, str, str]] = [
    # (row of the fault table, frame sent, expected message id, expected error code)
    ("not JSON", "{[nonsense", "-1", "RpcFrameworkError"),
    ("not an array", '{"a": 1}', "-1", "RpcFrameworkError"),
    ("message id not a string", '[2, 42, "Heartbeat", {}]', "-1", "RpcFrameworkError"),
    ("message id too long", '[2, "' + "x" * 37 + '", "Heartbeat", {}]', "-1", "RpcFrameworkError"),
    ("message type not a number", '["2", "f1", "Heartbeat", {}]', "f1", "RpcFrameworkError"),
    ("CALL with 3 elements", '[2, "f1", "Heartbeat"]', "f1", "ProtocolError"),
    ("payload not an object", '[2, "f1", "Heartbeat", [1]]', "f1", "ProtocolError"),
    ("unknown action", '[2, "f1", "MakeCoffee", {}]', "f1", "NotImplemented"),
    (
        "CSMS action sent by a station",
        '[2, "f1", "Reset", {"type": "Immediate"}]',
        "f1",
        "NotSupported",
    ),
    ("unknown property", '[2, "f1", "Heartbeat", {"extra": true}]', "f1", "FormatViolation"),
    (
        "missing required property",
        '[2, "f1", "BootNotification", {"reason": "PowerUp"}]',
        "f1",
        "OccurrenceConstraintViolation",
    ),
    (
        "wrong type",
        '[2, "f1", "BootNotification", {"reason": 1, "chargingStation": {"model": "m", "vendorName": "v"}}]',
        "f1",
        "TypeConstraintViolation",
    ),
    (
        "value out of enum",
        '[2, "f1", "BootNotification", {"reason": "Bored", "chargingStation": {"model": "m", "vendorName": "v"}}]',
        "f1",
        "PropertyConstraintViolation",
    ),
]


class TestFaultTable:
    @pytest.mark.parametrize(
        ("row", "frame", "message_id", "code"), FAULTS, ids=[row[0] for row in FAULTS]
    )
    async def test_fault_is_answered_and_connection_stays_up(
        self, server: LiveServer, row: str, frame: str, message_id: str, code: str
    ) -> None:
        async with raw_station(server, "CS1") as station:
            await station.boot()
            await station.send_raw(frame)
            answer = await station.recv()
            assert answer[:3] == [4, message_id, code], answer
            assert isinstance(answer[3], str)
            assert len(answer[3]) <= 255
            assert answer[4] == {} or isinstance(answer[4], dict)
            assert (await station.call("Heartbeat", {}))[0] == 3

    async def test_known_action_no_running_module_handles_is_not_supported(self) -> None:
        async with (
            live_server(modules=["stations"]) as server,
            raw_station(server, "CS1") as station,
        ):
            answer = await station.call("BootNotification", BOOT_PAYLOAD, message_id="b1")
            assert answer[:3] == [4, "b1", "NotSupported"]

    @pytest.mark.parametrize(
        "frame",
        [
            '[7, "f1", "Heartbeat", {}]',
            '[3, "unknown-id", {}]',
            '[4, "unknown-id", "GenericError", "", {}]',
            '[3, "f1"]',
        ],
    )
    async def test_ignored_frames_get_no_answer(self, server: LiveServer, frame: str) -> None:
        """Unknown message types and responses to nothing are logged and dropped, never answered."""
        async with raw_station(server, "CS1") as station:
            await station.boot()
            await station.send_raw(frame)
            answer = await station.call("Heartbeat", {}, message_id="after")
            assert answer[:2] == [3, "after"]

    async def test_handler_crash_answers_internal_error_and_connection_stays_up(self) -> None:
        # Without the transactions module: the crashing runner must be StatusNotification's
        # only consumer.
        async with live_server(modules=["configuration", "stations"]) as server:
            await self._crash_answers_internal_error(server)

    async def _crash_answers_internal_error(self, server: LiveServer) -> None:
        runtime = server.runtime

        async def crash(ctx: Any, request: Any) -> Any:
            raise RuntimeError("database on fire")

        spec = ACTIONS[Action.STATUS_NOTIFICATION]
        runner = HandlerRunner(spec, crash, "test", runtime.config.instance_id, runtime.sessions)
        subscription = await runtime.broker.subscribe(
            call_topic(spec.action), runner, group=MODULES_GROUP
        )
        try:
            async with raw_station(server, "CS1") as station:
                await station.boot()
                payload = {
                    "timestamp": "2024-01-01T00:00:00Z",
                    "connectorStatus": "Available",
                    "evseId": 1,
                    "connectorId": 1,
                }
                answer = await station.call("StatusNotification", payload)
                assert answer[:3] == [4, answer[1], "InternalError"]
                assert "fire" not in answer[3]  # internals are not leaked to the station
                assert (await station.call("Heartbeat", {}))[0] == 3
        finally:
            await subscription.cancel()


class TestHandshake:
    async def test_no_supported_subprotocol_is_refused(self, server: LiveServer) -> None:
        """TC_B_58_CSMS: only ocpp0.1 offered -> no upgrade; ocpp0.1 + ocpp2.0.1 -> ocpp2.0.1."""
        with pytest.raises(InvalidStatus) as refused:
            async with connect(server.ws_url("CS1"), subprotocols=["ocpp0.1"]):  # type: ignore[list-item]
                pass
        assert refused.value.response.status_code == 400
        async with connect(server.ws_url("CS1"), subprotocols=["ocpp0.1", "ocpp2.0.1"]) as ws:  # type: ignore[list-item]
            assert ws.subprotocol == "ocpp2.0.1"

    async def test_a_refused_handshake_logs_no_error(self, server: LiveServer) -> None:
        """A refusal is a decision, not a failure: in a reconnect storm thousands of 503s
        must not each log uvicorn's "returned without completing handshake" at ERROR."""
        errors: list[logging.LogRecord] = []
        handler = logging.Handler(logging.ERROR)
        handler.emit = errors.append  # type: ignore[method-assign]
        uvicorn_log = logging.getLogger("uvicorn.error")
        uvicorn_log.addHandler(handler)
        try:
            for _ in range(3):
                with pytest.raises(InvalidStatus) as refused:
                    async with connect(server.ws_url("CS1"), subprotocols=["ocpp0.1"]):  # type: ignore[list-item]
                        pass
                assert refused.value.response.status_code == 400
            await asyncio.sleep(0.2)  # the server's task ends after the response is sent
        finally:
            uvicorn_log.removeHandler(handler)
        assert [record.getMessage() for record in errors] == []

    async def test_no_subprotocol_at_all_is_refused(self, server: LiveServer) -> None:
        with pytest.raises(InvalidStatus):
            async with connect(server.ws_url("CS1")):
                pass

    @pytest.mark.parametrize(
        ("path", "identity"),
        [("/CS1", "CS1"), ("/ocpp/v2/site/CS-2", "CS-2"), ("/ocpp/CS%2A3", "CS*3")],
    )
    async def test_identity_is_the_last_path_segment(
        self, server: LiveServer, path: str, identity: str
    ) -> None:
        url = f"ws://127.0.0.1:{server.config.port}{path}"
        async with connect(url, subprotocols=["ocpp2.0.1"]) as ws:  # type: ignore[list-item]
            await RawStation(ws).boot()
            assert server.runtime.router is not None
            assert server.runtime.router.registry.get(StationKey("default", identity)) is not None

    @pytest.mark.parametrize("identity", ["x" * 49, "bad%20space", "a%3Ab"])
    async def test_invalid_identity_is_refused(self, server: LiveServer, identity: str) -> None:
        with pytest.raises(InvalidStatus) as refused:
            async with connect(server.ws_url(identity), subprotocols=["ocpp2.0.1"]):  # type: ignore[list-item]
                pass
        assert refused.value.response.status_code == 400

    async def test_permessage_deflate_is_negotiated(self, server: LiveServer) -> None:
        async with raw_station(server, "CS1", compression="deflate") as station:
            assert [type(ext).__name__ for ext in station.ws.protocol.extensions] == [
                "PerMessageDeflate"
            ]
            assert (await station.boot())[0] == 3

    async def test_reconnect_replaces_the_old_connection(self, server: LiveServer) -> None:
        async with raw_station(server, "CS1") as first:
            await first.boot()
            async with raw_station(server, "CS1") as second:
                with pytest.raises(ConnectionClosed):
                    await first.recv(timeout=5)
                assert (await second.call("Heartbeat", {}))[0] == 3
                router = server.runtime.router
                assert router is not None
                assert len(router.registry) == 1

    async def test_frame_size_limit_closes_with_1009(self) -> None:
        async with (
            live_server(ocpp={"max_frame_bytes": 2048}) as server,
            raw_station(server, "CS1") as station,
        ):
            payload = {
                **BOOT_PAYLOAD,
                "chargingStation": {**BOOT_PAYLOAD["chargingStation"], "model": "m" * 4000},
            }
            await station.send([2, "big", "BootNotification", payload])
            with pytest.raises(ConnectionClosed) as closed:
                await station.recv()
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 1009

    async def test_shutdown_closes_sockets_with_a_close_code(self) -> None:
        async with live_server() as server:
            station_cm = raw_station(server, "CS1")
            station = await station_cm.__aenter__()
            await station.boot()
            server.server.should_exit = True
            with pytest.raises(ConnectionClosed) as closed:
                await station.recv(timeout=15)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code in (1001, 1012)
            await station_cm.__aexit__(None, None, None)


class TestCsmsCalls:
    """CALLs from the CSMS to the station through the command path."""

    async def test_call_and_answer(self, server: LiveServer) -> None:
        async with raw_station(server, "CS1") as station:
            await station.boot()
            request = messages.ResetRequest.model_validate_json('{"type": "OnIdle"}')
            pending = asyncio.create_task(
                server.runtime.deps.commands.call(
                    StationKey("default", "CS1"), Action.RESET, request
                )
            )
            frame = await station.recv()
            assert frame[0] == 2
            assert frame[2] == "Reset"
            assert frame[3] == {"type": "OnIdle"}
            await station.send([3, frame[1], {"status": "Accepted"}])
            response = await pending
        assert isinstance(response, messages.ResetResponse)
        assert response.status.value == "Accepted"

    async def test_offline_station(self, server: LiveServer) -> None:
        request = messages.ResetRequest.model_validate_json('{"type": "OnIdle"}')
        with pytest.raises(StationOffline):
            await server.runtime.deps.commands.call(
                StationKey("default", "nobody"), Action.RESET, request
            )

    async def test_silent_station_times_out_and_next_call_proceeds(self) -> None:
        async with (
            live_server(ocpp={"call_timeout": 0.5}) as server,
            raw_station(server, "CS1") as station,
        ):
            await station.boot()
            commands = server.runtime.deps.commands
            key = StationKey("default", "CS1")
            request = messages.ResetRequest.model_validate_json('{"type": "OnIdle"}')
            first = asyncio.create_task(commands.call(key, Action.RESET, request))
            second = asyncio.create_task(commands.call(key, Action.RESET, request))
            frame1 = await station.recv()
            with pytest.raises(CallTimeout):
                await first
            frame2 = (
                await station.recv()
            )  # only now, after the first timed out: one outstanding CALL
            assert frame2[1] != frame1[1]
            await station.send([3, frame2[1], {"status": "Scheduled"}])
            assert (await second).status.value == "Scheduled"  # type: ignore[attr-defined]

    async def test_queue_is_bounded(self) -> None:
        async with (
            live_server(ocpp={"command_queue_size": 2, "call_timeout": 5}) as server,
            raw_station(server, "CS1") as station,
        ):
            await station.boot()
            commands = server.runtime.deps.commands
            key = StationKey("default", "CS1")
            request = messages.ResetRequest.model_validate_json('{"type": "OnIdle"}')
            waiting = [asyncio.create_task(commands.call(key, Action.RESET, request))]
            await station.recv()  # the first is outstanding: the queue is empty again
            waiting += [
                asyncio.create_task(commands.call(key, Action.RESET, request)) for _ in range(2)
            ]
            await asyncio.sleep(0.2)  # both are queued now
            with pytest.raises(CommandQueueFull):
                await commands.call(key, Action.RESET, request)
            for task in waiting:
                task.cancel()
            await asyncio.gather(*waiting, return_exceptions=True)

    async def test_station_calls_are_served_while_a_csms_call_is_outstanding(
        self, server: LiveServer
    ) -> None:
        """Calls may cross: one outstanding in each direction."""
        async with raw_station(server, "CS1") as station:
            await station.boot()
            request = messages.ResetRequest.model_validate_json('{"type": "OnIdle"}')
            pending = asyncio.create_task(
                server.runtime.deps.commands.call(
                    StationKey("default", "CS1"), Action.RESET, request
                )
            )
            reset = await station.recv()
            heartbeat = await station.call("Heartbeat", {})
            assert heartbeat[0] == 3
            await station.send([3, reset[1], {"status": "Accepted"}])
            await pending

"""Webhooks end to end: a real server, raw stations, and a real HTTP receiver."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from citrine_modules.webhooks.signing import SIGNATURE_HEADER, verify
from tests.live import live_server
from tests.modules.helpers import answer, booted, call_ok, client, eventually, now
from tests.modules.webhooks.receiver import receiver

PATH = "/webhooks/subscriptions"
SECRET = "s3cret-s3cret-s3cret"
FAST_RETRIES = {"retry_base": 0.05, "retry_max": 0.2}


async def subscribe(
    http: httpx.AsyncClient, url: str, events: list[str], **extra: Any
) -> dict[str, Any]:
    response = await http.post(PATH, json={"url": url, "events": events, **extra})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def notify_event(event_id: int = 1) -> dict[str, Any]:
    return {
        "generatedAt": now(),
        "seqNo": 0,
        "eventData": [
            {
                "eventId": event_id,
                "timestamp": now(),
                "trigger": "Alerting",
                "actualValue": "7100",
                "eventNotificationType": "CustomMonitor",
                "component": {"name": "EVSE", "evse": {"id": 1}},
                "variable": {"name": "Power"},
            }
        ],
    }


async def stats(http: httpx.AsyncClient) -> dict[str, Any]:
    body: dict[str, Any] = (await http.get("/webhooks/stats")).json()
    return body


class TestSubscriptions:
    async def test_crud(self) -> None:
        async with live_server() as server, booted(server, "CS1"), client(server) as http:
            created = await subscribe(
                http,
                "https://hooks.example/a",
                ["NotifyEvent"],
                secret=SECRET,
                stationId="CS1",
                description="ops",
            )
            assert created["hasSecret"] is True
            assert "secret" not in created
            assert (created["stationId"], created["tenantId"]) == ("CS1", "default")
            path = f"{PATH}/{created['id']}"
            changed = (
                await http.patch(path, json={"events": ["*"], "stationId": None, "secret": None})
            ).json()
            listed = (await http.get(PATH)).json()
            removed = await http.delete(path)
            gone = await http.get(path)
            types = (await http.get("/webhooks/eventTypes")).json()
        assert (changed["events"], changed["stationId"], changed["hasSecret"]) == (
            ["*"],
            None,
            False,
        )
        assert changed["description"] == "ops"
        assert listed["total"] == 1
        assert removed.status_code == 204
        assert gone.status_code == 404
        assert {"Connected", "Message:TransactionEvent", "Message:*", "*"} <= set(types)

    @pytest.mark.parametrize(
        ("body", "status"),
        [
            ({"url": "https://h.example", "events": ["Nonsense"]}, 422),
            ({"url": "https://h.example", "events": ["Message:NoSuchAction"]}, 422),
            ({"url": "https://h.example", "events": []}, 422),
            ({"url": "ftp://h.example", "events": ["*"]}, 422),
            ({"url": "https://h.example", "events": ["*"], "secret": "short"}, 422),
            ({"url": "https://h.example", "events": ["*"], "stationId": "NOPE"}, 404),
        ],
    )
    async def test_bad_subscriptions(self, body: dict[str, Any], status: int) -> None:
        async with live_server() as server, client(server) as http:
            response = await http.post(PATH, json=body)
        assert response.status_code == status, response.text


class TestDelivery:
    async def test_notify_event_posted_and_signed(self) -> None:
        """A stored NotifyEvent reaches the subscriber at once (no reload to wait for), with
        station, tenant, type, time and payload, signed with the subscription's secret."""
        async with (
            receiver() as hook,
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            await subscribe(http, hook.url(), ["NotifyEvent"], secret=SECRET)
            await call_ok(station, "NotifyEvent", notify_event(5))
            [post] = await hook.wait_for(1)
        body = post.json()
        assert (body["type"], body["stationId"], body["tenantId"]) == (
            "NotifyEvent",
            "CS1",
            "default",
        )
        assert body["payload"]["eventData"][0]["eventId"] == 5
        assert body["time"].endswith("Z")
        assert post.headers["x-citrine-event"] == "NotifyEvent"
        assert post.headers["x-citrine-delivery"] == body["id"]
        assert verify(SECRET, post.headers[SIGNATURE_HEADER.lower()], post.body, now=time.time())
        assert not verify(
            "another-secret-value",
            post.headers[SIGNATURE_HEADER.lower()],
            post.body,
            now=time.time(),
        )

    async def test_security_events_and_station_scope(self) -> None:
        async with (
            receiver() as hook,
            live_server() as server,
            booted(server, "CS1") as cs1,
            booted(server, "CS2") as cs2,
            client(server) as http,
        ):
            await subscribe(http, hook.url("/cs2"), ["SecurityEventNotification"], stationId="CS2")
            await subscribe(http, hook.url("/all"), ["SecurityEventNotification"])
            for station, kind in ((cs1, "InvalidMessages"), (cs2, "TamperDetectionActivated")):
                await call_ok(
                    station, "SecurityEventNotification", {"type": kind, "timestamp": now()}
                )
            posts = await hook.wait_for(3)
            await asyncio.sleep(0.3)
        paths = sorted((p.path, p.json()["stationId"]) for p in hook.received)
        assert paths == [("/all", "CS1"), ("/all", "CS2"), ("/cs2", "CS2")]
        critical = {p.json()["payload"]["type"]: p.json()["payload"]["critical"] for p in posts}
        assert critical == {"InvalidMessages": False, "TamperDetectionActivated": True}

    async def test_connected_and_disconnected(self) -> None:
        async with receiver() as hook, live_server() as server, client(server) as http:
            await subscribe(http, hook.url(), ["Connected", "Disconnected"])
            async with booted(server, "CS1"):
                pass
            posts = await hook.wait_for(2)
        assert [(p.json()["type"], p.json()["stationId"]) for p in posts] == [
            ("Connected", "CS1"),
            ("Disconnected", "CS1"),
        ]

    async def test_messages_by_action_both_directions(self) -> None:
        """``Message:<Action>``: a station CALL with its answer, a CSMS CALL with the station's
        answer, and a CSMS CALL the station never answered; other actions are not posted."""
        async with (
            receiver() as hook,
            live_server(ocpp={"call_timeout": 0.5}) as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            await subscribe(http, hook.url(), ["Message:Heartbeat", "Message:SetMonitoringLevel"])
            await call_ok(station, "Heartbeat", {})
            await call_ok(station, "NotifyEvent", notify_event())  # not subscribed
            path = "/monitoring/stations/CS1/monitoringLevel"
            reply = asyncio.create_task(http.put(path, json={"severity": 3}))
            await answer(station, "SetMonitoringLevel", {"status": "Accepted"})
            await reply
            reply = asyncio.create_task(http.put(path, json={"severity": 2}))
            await station.recv()  # never answered
            await reply
            posts = await hook.wait_for(3)
            await asyncio.sleep(0.3)
        assert len(hook.received) == 3
        heartbeat, level, silent = (p.json() for p in posts)
        assert (heartbeat["action"], heartbeat["payload"]["initiator"]) == ("Heartbeat", "station")
        assert "currentTime" in heartbeat["payload"]["response"]
        assert level["payload"] == {
            "messageId": level["payload"]["messageId"],
            "initiator": "csms",
            "request": {"severity": 3},
            "response": {"status": "Accepted"},
        }
        assert silent["payload"]["error"]["code"] == "local:timeout"

    async def test_deactivated_subscription_gets_nothing(self) -> None:
        async with (
            receiver() as hook,
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            created = await subscribe(http, hook.url(), ["NotifyEvent"])
            await http.patch(f"{PATH}/{created['id']}", json={"isActive": False})
            await call_ok(station, "NotifyEvent", notify_event())
            await http.patch(f"{PATH}/{created['id']}", json={"isActive": True})
            await call_ok(station, "NotifyEvent", notify_event(2))
            [post] = await hook.wait_for(1)
            await asyncio.sleep(0.3)
        assert len(hook.received) == 1
        assert post.json()["payload"]["eventData"][0]["eventId"] == 2

    async def test_a_rolled_back_event_is_never_posted(self) -> None:
        """Publish after commit: a NotifyEvent whose storing fails is answered with a
        CALLERROR and never announced; the next one is."""
        async with (
            receiver() as hook,
            live_server() as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            await subscribe(http, hook.url(), ["NotifyEvent"])
            too_large = notify_event(2**63)  # no database column holds it
            failing = await station.call("NotifyEvent", too_large)
            assert failing[0] == 4
            await call_ok(station, "NotifyEvent", notify_event(3))
            [post] = await hook.wait_for(1)
            await asyncio.sleep(0.3)
        assert len(hook.received) == 1
        assert post.json()["payload"]["eventData"][0]["eventId"] == 3

    async def test_ping(self) -> None:
        async with receiver() as hook, live_server() as server, client(server) as http:
            created = await subscribe(http, hook.url(), ["Connected"], secret=SECRET)
            pinged = (await http.post(f"{PATH}/{created['id']}/ping")).json()
            [post] = await hook.wait_for(1)
        assert pinged["queued"] is True
        assert post.headers["x-citrine-event"] == "Ping"
        assert verify(SECRET, post.headers[SIGNATURE_HEADER.lower()], post.body, now=time.time())


class TestRetries:
    async def test_server_errors_are_retried_with_the_same_delivery_id(self) -> None:
        async with (
            receiver(fail_with=[500, 503]) as hook,
            live_server(webhooks=FAST_RETRIES) as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            await subscribe(http, hook.url(), ["NotifyEvent"])
            await call_ok(station, "NotifyEvent", notify_event())
            posts = await hook.wait_for(3)
            counted = await eventually(lambda: _delivered(http, 1))
        assert [p.headers["x-citrine-attempt"] for p in posts] == ["1", "2", "3"]
        assert len({p.headers["x-citrine-delivery"] for p in posts}) == 1
        assert counted["retried"] == 2
        assert posts[1].at > posts[0].at

    async def test_a_refusal_is_final_and_attempts_are_bounded(self) -> None:
        options = {**FAST_RETRIES, "max_attempts": 3}
        async with (
            receiver(fail_with=[400, 500, 500, 500]) as hook,
            live_server(webhooks=options) as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            await subscribe(http, hook.url(), ["NotifyEvent"])
            await call_ok(station, "NotifyEvent", notify_event(1))  # 400: not retried
            await hook.wait_for(1)
            await call_ok(station, "NotifyEvent", notify_event(2))  # 500 three times
            await hook.wait_for(4)
            counted = await eventually(lambda: _failed(http, 2))
            await asyncio.sleep(0.5)
        assert len(hook.received) == 4
        assert counted["delivered"] == 0

    async def test_an_unreachable_receiver(self) -> None:
        async with (
            live_server(webhooks={**FAST_RETRIES, "max_attempts": 2}) as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            created = await subscribe(http, "http://127.0.0.1:1/nothing", ["NotifyEvent"])
            await call_ok(station, "NotifyEvent", notify_event())
            counted = await eventually(lambda: _failed(http, 1))
        assert counted["lastOutcome"][str(created["id"])] == "ConnectError"


async def _delivered(http: httpx.AsyncClient, count: int) -> dict[str, Any] | None:
    found = await stats(http)
    return found if found["delivered"] >= count else None


async def _failed(http: httpx.AsyncClient, count: int) -> dict[str, Any] | None:
    found = await stats(http)
    return found if found["failed"] >= count else None


class TestNeverBlocking:
    async def test_a_stuck_receiver_costs_stations_nothing(self) -> None:
        """The queue is bounded: with the receiver stuck, posts beyond it are dropped and
        counted, and every station CALL is still answered promptly."""
        options = {"queue_size": 2, "concurrency": 1, "timeout": 30.0}
        async with (
            receiver(delay=20.0) as hook,
            live_server(webhooks=options) as server,
            booted(server, "CS1") as station,
            client(server) as http,
        ):
            await subscribe(http, hook.url(), ["NotifyEvent", "Message:*"])
            started = time.monotonic()
            for event_id in range(10):
                await call_ok(station, "NotifyEvent", notify_event(event_id))
            elapsed = time.monotonic() - started
            counted = await eventually(lambda: _dropped(http))
        assert elapsed < 10  # each CALL answered long before the receiver would answer
        assert counted["queued"] <= 2
        assert len(hook.received) == 1  # the one post in flight


async def _dropped(http: httpx.AsyncClient) -> dict[str, Any] | None:
    found = await stats(http)
    return found if found["dropped"] >= 10 else None

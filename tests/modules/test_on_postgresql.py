"""The monitoring, display and webhook flows on PostgreSQL, the deployment database (the
other module tests run on the embedded SQLite)."""

from __future__ import annotations

import asyncio

from tests.live import fresh_postgres_url, live_server
from tests.modules.helpers import answer, booted, call_ok, client, eventually, no_limits, now
from tests.modules.monitoring.test_monitors import POWER, accept_all
from tests.modules.webhooks.receiver import receiver


async def test_monitoring_display_and_webhooks_on_postgresql() -> None:
    async with (
        receiver() as hook,
        fresh_postgres_url() as url,
        live_server(database={"url": url, "migrate_on_start": True}) as server,
        booted(server, "CS-PG") as station,
        client(server) as http,
    ):
        base = "/monitoring/stations/CS-PG"
        created = await http.post(
            "/webhooks/subscriptions", json={"url": hook.url(), "events": ["NotifyEvent"]}
        )
        assert created.status_code == 201
        item = {"value": 7000, "type": "UpperThreshold", "severity": 5, **POWER}
        reply = asyncio.create_task(
            http.post(f"{base}/monitors", json={"setMonitoringData": [item]})
        )
        await answer(station, "GetVariables", no_limits)
        await answer(station, "SetVariableMonitoring", accept_all(11))
        assert (await reply).status_code == 200

        reply = asyncio.create_task(http.post(f"{base}/monitoringReports", json={}))
        sent = await answer(station, "GetMonitoringReport", {"status": "Accepted"})
        await reply
        monitors = [
            {
                "id": 11,
                "transaction": True,
                "value": 6500.0,
                "type": "UpperThreshold",
                "severity": 4,
            },
            {"id": 12, "transaction": False, "value": 1.0, "type": "Delta", "severity": 8},
        ]
        await call_ok(
            station,
            "NotifyMonitoringReport",
            {
                "requestId": sent["requestId"],
                "seqNo": 0,
                "generatedAt": now(),
                "monitor": [{**POWER, "variableMonitoring": monitors}],
            },
        )
        await call_ok(
            station,
            "NotifyEvent",
            {
                "generatedAt": now(),
                "seqNo": 0,
                "eventData": [
                    {
                        "eventId": 1,
                        "timestamp": now(),
                        "trigger": "Alerting",
                        "actualValue": "7100",
                        "eventNotificationType": "CustomMonitor",
                        "variableMonitoringId": 11,
                        **POWER,
                    }
                ],
            },
        )
        await call_ok(
            station, "SecurityEventNotification", {"type": "StartupOfTheDevice", "timestamp": now()}
        )

        reply = asyncio.create_task(http.post("/display/stations/CS-PG/messageQueries", json={}))
        query = await answer(station, "GetDisplayMessages", {"status": "Accepted"})
        await reply
        await call_ok(
            station,
            "NotifyDisplayMessages",
            {
                "requestId": query["requestId"],
                "messageInfo": [
                    {"id": 1, "priority": "InFront", "message": {"format": "UTF8", "content": "Hi"}}
                ],
            },
        )

        async def reported() -> list[dict[str, object]] | None:
            items = (await http.get(f"{base}/monitors")).json()["items"]
            return items if [m["value"] for m in items] == [6500.0, 1.0] else None

        listed = await eventually(reported)
        [post] = await hook.wait_for(1)
        security = (
            await http.get("/monitoring/securityEvents", params={"critical": "true"})
        ).json()
        messages = (await http.get("/display/stations/CS-PG/messages")).json()
    assert [(m["monitorId"], m["source"], m["status"]) for m in listed] == [
        (11, "set", "Accepted"),
        (12, "report", None),
    ]
    assert post.json()["payload"]["eventData"][0]["variableMonitoringId"] == 11
    assert security["total"] == 1
    assert [(m["id"], m["status"]) for m in messages] == [(1, "Reported")]

"""The hot path's cost in database statements, counted on a live server (SQLite and
PostgreSQL): TransactionEvent and MeterValues are the most frequent messages of a busy CSMS.

Run with ``-s`` to see the statements each message costs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import pytest
from sqlalchemy import event as sa_event

from tests.live import LiveServer, RawStation, fresh_postgres_url, live_server
from tests.modules.transactions.helpers import answer, at, booted, event

VERBS = ("SELECT", "INSERT", "UPDATE", "DELETE")
QUIET = {
    # Only what handles these messages: smart charging re-shares a site limit when a
    # transaction starts, in the background, and its statements would be counted here.
    "modules": ["configuration", "stations", "transactions"],
    "message_log": {"enabled": False},
    "transactions": {"cost_updated_interval": 0},
    "stations": {"last_seen_flush_interval": 3600},
}


@asynccontextmanager
async def server_on(backend: str) -> AsyncIterator[LiveServer]:
    if backend == "sqlite":
        async with live_server(**QUIET) as server:
            yield server
        return
    async with (
        fresh_postgres_url() as url,
        live_server(database={"url": url, "migrate_on_start": True}, **QUIET) as server,
    ):
        yield server


@contextmanager
def statements(server: LiveServer) -> Iterator[list[str]]:
    sent: list[str] = []

    def before(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        text = " ".join(sql.split())
        if text.split(" ", 1)[0].upper() in VERBS:
            sent.append(text[:90])

    engine = server.runtime.engine.sync_engine
    sa_event.listen(engine, "before_cursor_execute", before)
    try:
        yield sent
    finally:
        sa_event.remove(engine, "before_cursor_execute", before)


async def cost(server: LiveServer, station: RawStation, action: str, payload: Any) -> list[str]:
    with statements(server) as sent:
        await answer(station, action, payload)
    print(f"{action}: {len(sent)}", *sent, sep="\n  ")  # noqa: T201 (the measurement)
    return sent


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_statements_per_message(backend: str) -> None:
    async with server_on(backend) as server, booted(server, "CS-HOT") as station:
        status = {"timestamp": at(0), "connectorStatus": "Occupied", "evseId": 1, "connectorId": 1}
        await answer(station, "StatusNotification", status)  # creates the connector
        known_connector = await cost(server, station, "StatusNotification", status)
        started = event("Started", 0, trigger="CablePluggedIn", evse=1, wh=100)
        first = await cost(server, station, "TransactionEvent", started)
        updated = event("Updated", 1, wh=200)
        periodic = await cost(server, station, "TransactionEvent", updated)
        repeated = await cost(server, station, "TransactionEvent", updated)
        meter_values = {
            "evseId": 1,
            "meterValue": [{"timestamp": at(2), "sampledValue": [{"value": 250}]}],
        }
        values = await cost(server, station, "MeterValues", meter_values)
        ended = await cost(server, station, "TransactionEvent", event("Ended", 2, wh=300))

    # Upsert of the transaction, insert of the event, update of the transaction, meter
    # value and sampled value inserts.
    assert len(periodic) <= 5
    # Plus the tariff choice and the end of older transactions on the EVSE.
    assert len(first) <= 7
    assert len(repeated) <= 3  # upsert, the insert that did nothing, the stored answer
    assert len(ended) <= 5
    assert len(values) <= 3  # station and running transaction in one, two inserts
    assert len(known_connector) <= 3  # the connector's key, history, latest

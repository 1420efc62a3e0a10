"""Station sessions that must survive faults: a sequence of CALLs, each re-sent until the
CSMS acknowledges it, failing over to the next instance when the socket is lost.

``BootSession`` is what this branch persists for every message: each step is a
BootNotification carrying a new firmware version, which the configuration module writes to
the station's row before answering. A TransactionEvent session (Started, Updated x n, Ended)
plugs in the same way: ``payload(step)`` builds the step's message and ``persisted(client)``
counts the steps the database holds (the transaction's events) through the REST API.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.exceptions import ConnectionClosed, InvalidStatus

from bench.cluster import Member
from tests.cluster.conftest import boot_payload, station


@dataclass
class BootSession:
    station_id: str
    steps: int
    action: str = "BootNotification"
    acknowledged: int = 0
    """Steps the CSMS answered with a CALLRESULT (so they must be in the database)."""
    errors: list[str] = field(default_factory=list)
    disconnects: int = 0
    instances: list[str] = field(default_factory=list)

    def payload(self, step: int) -> dict[str, Any]:
        return boot_payload(self.station_id, firmware=f"1.{step}")

    async def persisted(self, client: httpx.AsyncClient) -> int:
        """How many steps the database holds: the last firmware version written, plus one."""
        reply = await client.get(f"/stations/{self.station_id}")
        if reply.status_code == 404:
            return 0
        reply.raise_for_status()
        firmware = reply.json()["firmwareVersion"]
        return 0 if firmware is None else int(firmware.split(".")[1]) + 1

    @property
    def done(self) -> bool:
        return self.acknowledged == self.steps


@dataclass
class Conductor:
    """Lets the test pause every session between steps and hold reconnects."""

    running: asyncio.Event = field(default_factory=asyncio.Event)
    may_reconnect: asyncio.Event = field(default_factory=asyncio.Event)
    in_flight: int = 0

    def __post_init__(self) -> None:
        self.running.set()
        self.may_reconnect.set()

    async def quiet(self, timeout: float = 60) -> None:
        """Pause the sessions and wait until no CALL is outstanding."""
        self.running.clear()
        async with asyncio.timeout(timeout):
            while self.in_flight:  # noqa: ASYNC110 (a counter shared by the sessions)
                await asyncio.sleep(0.05)


async def run_session(
    session: BootSession, members: list[Member], conductor: Conductor, pause: float = 0.05
) -> None:
    """Run every step to acknowledgement, moving to the next member after a lost socket."""
    turn = 0
    while not session.done:
        member = members[min(turn, len(members) - 1)]
        try:
            async with station(member, session.station_id) as cs:
                session.instances.append(member.name)
                while not session.done:
                    await conductor.running.wait()
                    conductor.in_flight += 1
                    try:
                        step = session.acknowledged
                        answer = await cs.call(session.action, session.payload(step))
                    finally:
                        conductor.in_flight -= 1
                    if answer[0] == 3:
                        session.acknowledged = step + 1
                    else:  # not acknowledged: the station sends it again (OCPP-J §4.2.3)
                        session.errors.append(str(answer[2]))
                        await asyncio.sleep(0.5)
                    await asyncio.sleep(pause)
        except (ConnectionClosed, InvalidStatus, TimeoutError, OSError):
            session.disconnects += 1
            await conductor.may_reconnect.wait()
            turn += 1
            await asyncio.sleep(0.2)

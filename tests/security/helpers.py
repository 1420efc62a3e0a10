"""What the security tests share: provisioning over REST, reading stored security events,
Basic headers, and the HTTP status of a refused handshake."""

from __future__ import annotations

import base64
from typing import Any

import httpx
from websockets.exceptions import InvalidStatus

from citrine_base.interfaces.envelope import StationKey
from citrine_data import unit_of_work
from citrine_data.repositories import ChargingStationRepository, SecurityEventRepository
from tests.live import LiveServer, raw_station

PASSWORD = "correct-horse-battery-1"
OTHER_PASSWORD = "another-station-pass-2"


def basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


async def provision(
    http: httpx.AsyncClient,
    station_id: str,
    password: str | None = None,
    minimum_security_profile: int | None = None,
) -> dict[str, Any]:
    created = await http.post("/stations", json={"stationId": station_id})
    assert created.status_code == 201, created.text
    body: dict[str, Any] = {}
    if password is not None:
        body["password"] = password
    if minimum_security_profile is not None:
        body["minimumSecurityProfile"] = minimum_security_profile
    answer = await http.put(f"/stations/{station_id}/credentials", json=body)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def security_events(server: LiveServer, station_id: str) -> list[tuple[str, str]]:
    async with unit_of_work(server.runtime.sessions) as uow:
        key = StationKey(server.config.tenant_id, station_id)
        station = await ChargingStationRepository.from_session(uow.session).get_by_key(key)
        assert station is not None
        page = await SecurityEventRepository.from_session(uow.session).list(station.id)
    events = sorted(page.items, key=lambda event: event.id)
    return [(event.type, event.tech_info or "") for event in events]


async def refused_status(server: LiveServer, station_id: str, **kwargs: Any) -> InvalidStatus:
    """The refusal of a handshake that must fail with an HTTP status."""
    try:
        async with raw_station(server, station_id, **kwargs):
            pass
    except InvalidStatus as refused:
        return refused
    raise AssertionError(f"{station_id} was let in")

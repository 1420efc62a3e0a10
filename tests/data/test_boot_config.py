"""Boot settings per station, and the network profiles a station accepted."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from citrine_data.errors import Conflict
from citrine_data.models import ChargingStation
from citrine_data.repositories.boot_config import BootConfigRepository, BootSettings
from citrine_data.repositories.network_profile import NetworkProfileData, NetworkProfileRepository

T0 = datetime(2026, 2, 1, tzinfo=UTC)


class TestBootSettings:
    async def test_create_once(self, session: AsyncSession, station: ChargingStation) -> None:
        repository = BootConfigRepository(session)
        await repository.create(station.id, BootSettings(status="Pending", fetch_base_report=True))
        with pytest.raises(Conflict):
            await repository.create(station.id, BootSettings())
        loaded = await repository.get(station.id)
        assert loaded is not None
        assert (loaded.status, loaded.fetch_base_report) == ("Pending", True)

    async def test_set_status_creates_settings(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        repository = BootConfigRepository(session)
        assert await repository.set_status(station.id, "Accepted", only_while_pending=True)
        loaded = await repository.get(station.id)
        assert loaded is not None
        assert (loaded.status, loaded.set_variables) == ("Accepted", [])

    async def test_only_while_pending_keeps_an_operator_decision(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        repository = BootConfigRepository(session)
        await repository.upsert(station.id, BootSettings(status="Pending", retry_interval=5))
        assert await repository.set_status(
            station.id, "Rejected", reason="VariablesRejected", only_while_pending=True
        )
        assert not await repository.set_status(station.id, "Accepted", only_while_pending=True)
        assert await repository.set_status(station.id, "Accepted")
        session.expunge_all()
        loaded = await repository.get(station.id)
        assert loaded is not None
        assert (loaded.status, loaded.status_reason, loaded.retry_interval) == (
            "Accepted",
            None,
            5,
        )


class TestNetworkProfiles:
    async def test_one_profile_per_slot(
        self, session: AsyncSession, station: ChargingStation
    ) -> None:
        repository = NetworkProfileRepository(session)

        def profile(url: str) -> NetworkProfileData:
            return NetworkProfileData(
                ocpp_csms_url=url,
                security_profile=2,
                ocpp_version="OCPP20",
                ocpp_transport="JSON",
                ocpp_interface="Wired0",
                message_timeout=30,
                connection_data={"ocppCsmsUrl": url},
            )

        await repository.save(station.id, 1, profile("wss://a.example/ocpp"), T0)
        await repository.save(station.id, 2, profile("wss://b.example/ocpp"), T0)
        await repository.save(station.id, 1, profile("wss://c.example/ocpp"), T0)
        listed = await repository.list(station.id)
        assert [(p.configuration_slot, p.ocpp_csms_url) for p in listed] == [
            (1, "wss://c.example/ocpp"),
            (2, "wss://b.example/ocpp"),
        ]

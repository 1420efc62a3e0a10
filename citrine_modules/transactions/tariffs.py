"""Tariffs (block I): per tenant, per station or per EVSE; price per kWh, minute and session,
tax, currency. A transaction is charged by the most specific tariff valid when it started;
a tariff that running transactions are charged by cannot be deleted (end its validity with
``validTo`` instead, or wait for them to end)."""

from __future__ import annotations

from citrine_base.interfaces.envelope import StationKey
from citrine_data import Page, Session
from citrine_data.models import Tariff
from citrine_data.repositories import (
    ChargingStationRepository,
    TariffRepository,
    TransactionRepository,
)
from citrine_data.repositories.tariff import TariffData
from citrine_modules.rest import ConflictError, NotFoundError, Unprocessable
from citrine_modules.transactions.schemas import TariffIn


class TariffService:
    async def create(self, session: Session, tenant_id: str, body: TariffIn) -> Tariff:
        data = await self._data(session, tenant_id, body)
        tariff = await TariffRepository.from_session(session).create(tenant_id, data)
        return await self.get_or_raise(session, tenant_id, tariff.id)

    async def get_or_raise(self, session: Session, tenant_id: str, tariff_id: int) -> Tariff:
        tariff = await TariffRepository.from_session(session).get(tenant_id, tariff_id)
        if tariff is None:
            raise NotFoundError(f"No tariff {tariff_id}")
        return tariff

    async def update(
        self, session: Session, tenant_id: str, tariff_id: int, body: TariffIn
    ) -> Tariff:
        data = await self._data(session, tenant_id, body)
        tariff = await TariffRepository.from_session(session).update(tenant_id, tariff_id, data)
        if tariff is None:
            raise NotFoundError(f"No tariff {tariff_id}")
        return tariff

    async def delete(self, session: Session, tenant_id: str, tariff_id: int) -> None:
        await self.get_or_raise(session, tenant_id, tariff_id)
        running = await TransactionRepository.from_session(session).count_active_with_tariff(
            tariff_id
        )
        if running:
            raise ConflictError(
                f"Tariff {tariff_id} prices {running} running transaction(s); "
                "set validTo to retire it"
            )
        await TariffRepository.from_session(session).delete(tenant_id, tariff_id)

    async def list(
        self, session: Session, tenant_id: str, station_id: str | None, limit: int, offset: int
    ) -> Page[Tariff]:
        station_pk = None
        if station_id is not None:
            station_pk = await self._station_pk(session, tenant_id, station_id, NotFoundError)
        return await TariffRepository.from_session(session).list(
            tenant_id, station_pk=station_pk, limit=limit, offset=offset
        )

    async def _data(self, session: Session, tenant_id: str, body: TariffIn) -> TariffData:
        station_pk = None
        if body.station_id is not None:
            station_pk = await self._station_pk(session, tenant_id, body.station_id, Unprocessable)
        return TariffData(
            currency=body.currency,
            price_per_kwh=body.price_per_kwh,
            price_per_minute=body.price_per_minute,
            price_per_session=body.price_per_session,
            tax_rate=body.tax_rate,
            station_pk=station_pk,
            evse_id=body.evse_id,
            valid_from=body.valid_from,
            valid_to=body.valid_to,
        )

    @staticmethod
    async def _station_pk(
        session: Session,
        tenant_id: str,
        station_id: str,
        error: type[NotFoundError] | type[Unprocessable],
    ) -> int:
        key = StationKey(tenant_id, station_id)
        station_pk = await ChargingStationRepository.from_session(session).get_pk(key)
        if station_pk is None:
            raise error(f"No station {station_id}")
        return station_pk


tariffs = TariffService()

"""Charging stations with their EVSEs and connectors, and their per-station counters."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select, text, tuple_, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import ColumnElement

from citrine_base.interfaces.envelope import StationKey
from citrine_data.base import UTCDateTime
from citrine_data.errors import NotFound, translate_errors
from citrine_data.models.station import ChargingStation, Connector, Evse, StationSequence
from citrine_data.repositories.base import DEFAULT_LIMIT, Page, Repository

# Keys per UPDATE of set_offline_many: a few bound parameters each, far below both backends'
# limits.
KEY_BATCH = 500

_STATIONS = cast(Table, ChargingStation.__table__)
# mark_seen_many's statements, built once: the flush runs every few seconds for every station
# held, and building a statement costs more than SQLite takes to run it.
_SEEN_ONE = (
    update(_STATIONS)
    .where(
        _STATIONS.c.tenant_id == bindparam("seen_tenant"),
        _STATIONS.c.station_id == bindparam("seen_station"),
    )
    .values(last_seen_at=bindparam("seen_at", type_=UTCDateTime()))
)
_SEEN_FROM_ARRAYS = text(
    "UPDATE charging_stations AS station SET last_seen_at = seen.at"
    " FROM unnest(CAST(:tenants AS varchar[]), CAST(:stations AS varchar[]),"
    " CAST(:times AS timestamptz[])) AS seen(tenant_id, station_id, at)"
    " WHERE station.tenant_id = seen.tenant_id AND station.station_id = seen.station_id"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class StationInfo:
    """What a BootNotification says about the station (ChargingStationType)."""

    vendor_name: str
    model: str
    serial_number: str | None = None
    firmware_version: str | None = None
    modem_iccid: str | None = None
    modem_imsi: str | None = None


@dataclass(frozen=True, slots=True)
class ConnectedStation:
    station_pk: int
    registration_status: str | None
    minimum_security_profile: int


def _key_filter(key: StationKey) -> list[ColumnElement[bool]]:
    return [
        ChargingStation.tenant_id == key.tenant_id,
        ChargingStation.station_id == key.station_id,
    ]


class ChargingStationRepository(Repository):
    async def get_by_key(self, key: StationKey) -> ChargingStation | None:
        return await self._get_one_or_none(select(ChargingStation).where(*_key_filter(key)))

    async def get_pk(self, key: StationKey) -> int | None:
        """The station's key, without loading the row."""
        statement = select(ChargingStation.id).where(*_key_filter(key))
        with translate_errors():
            found: int | None = (await self.session.execute(statement)).scalar_one_or_none()
        return found

    async def get_by_key_or_raise(self, key: StationKey) -> ChargingStation:
        station = await self.get_by_key(key)
        if station is None:
            raise NotFound(f"unknown station {key}")
        return station

    async def get_detail(self, key: StationKey) -> ChargingStation | None:
        """The station with its location, EVSEs, connectors and their latest status."""
        statement = (
            select(ChargingStation)
            .where(*_key_filter(key))
            .options(
                selectinload(ChargingStation.location),
                selectinload(ChargingStation.evses)
                .selectinload(Evse.connectors)
                .selectinload(Connector.latest_status),
            )
        )
        return await self._get_one_or_none(statement)

    async def create(
        self, key: StationKey, *, location_pk: int | None = None, minimum_security_profile: int = 0
    ) -> ChargingStation:
        """Provision a station before it connects. ``Conflict`` if the tenant has it already,
        ``IntegrityViolation`` for an unknown tenant or location."""
        station = ChargingStation(
            tenant_id=key.tenant_id,
            station_id=key.station_id,
            location_pk=location_pk,
            minimum_security_profile=minimum_security_profile,
        )
        return await self._add(station)

    async def register(
        self, key: StationKey, info: StationInfo, *, booted_at: datetime, protocol: str | None
    ) -> ChargingStation:
        """Create or update the station from a BootNotification, in one statement."""
        values = {
            "tenant_id": key.tenant_id,
            "station_id": key.station_id,
            **asdict(info),
            "protocol": protocol,
            "last_boot_at": booted_at,
            "last_seen_at": booted_at,
        }
        return await self._upsert(ChargingStation, values, key=["tenant_id", "station_id"])

    async def set_registration_status(self, key: StationKey, status: str | None) -> bool:
        statement = (
            update(ChargingStation).where(*_key_filter(key)).values(registration_status=status)
        )
        return await self._execute_dml(statement) > 0

    async def set_online(
        self, key: StationKey, at: datetime, *, protocol: str | None = None
    ) -> bool:
        """False when no such station exists."""
        values: dict[str, object] = {"is_online": True, "last_seen_at": at}
        if protocol is not None:
            values["protocol"] = protocol
        statement = update(ChargingStation).where(*_key_filter(key)).values(**values)
        return await self._execute_dml(statement) > 0

    async def connect(
        self, key: StationKey, at: datetime, protocol: str
    ) -> ConnectedStation | None:
        """Mark a known station online and return what its connection needs, in one UPDATE;
        None when the station is unknown."""
        statement = (
            update(ChargingStation)
            .where(*_key_filter(key))
            .values(is_online=True, last_seen_at=at, protocol=protocol)
            .returning(
                ChargingStation.id,
                ChargingStation.registration_status,
                ChargingStation.minimum_security_profile,
            )
        )
        with translate_errors():
            row = (
                await self.session.execute(
                    statement, execution_options={"synchronize_session": False}
                )
            ).one_or_none()
        return None if row is None else ConnectedStation(row[0], row[1], row[2])

    async def set_offline(self, key: StationKey, at: datetime) -> bool:
        statement = (
            update(ChargingStation)
            .where(*_key_filter(key))
            .values(is_online=False, last_seen_at=at)
        )
        return await self._execute_dml(statement) > 0

    async def mark_seen_many(self, seen: Iterable[tuple[StationKey, datetime]]) -> int:
        """Set ``last_seen_at`` for many stations at once.

        A key given several times keeps its latest time. Unknown keys are ignored. Returns
        the number of stations updated. Meant for a background writer: station objects
        already loaded in this session are not refreshed.
        """
        latest: dict[StationKey, datetime] = {}
        for key, at in seen:
            if key not in latest or at > latest[key]:
                latest[key] = at
        if not latest:
            return 0
        # Sorted: concurrent writers then lock rows in the same order and cannot deadlock.
        ordered = sorted(latest.items())
        with translate_errors():
            if self.dialect_name == "postgresql":
                # One statement whatever the count: the keys travel as three arrays.
                result = await self.session.execute(
                    _SEEN_FROM_ARRAYS,
                    {
                        "tenants": [key.tenant_id for key, _ in ordered],
                        "stations": [key.station_id for key, _ in ordered],
                        "times": [at for _, at in ordered],
                    },
                )
                return cast("CursorResult[Any]", result).rowcount
            # SQLite: one compiled UPDATE run for every key by the driver (executemany, in
            # C, one trip to the database thread), which sums the rows it changed.
            result = await self.session.execute(
                _SEEN_ONE,
                [
                    {"seen_tenant": key.tenant_id, "seen_station": key.station_id, "seen_at": at}
                    for key, at in ordered
                ],
            )
            return cast("CursorResult[Any]", result).rowcount

    async def online_seen_before(
        self, before: datetime, limit: int, *, after: StationKey | None = None
    ) -> list[StationKey]:
        """Stations marked online that sent nothing since ``before`` (a presence sweep's
        candidates: the process that held them may be gone), in key order, from the first
        key past ``after`` (keyset paging)."""
        pair = tuple_(ChargingStation.tenant_id, ChargingStation.station_id)
        statement = select(ChargingStation.tenant_id, ChargingStation.station_id).where(
            ChargingStation.is_online.is_(True), ChargingStation.last_seen_at < before
        )
        if after is not None:
            statement = statement.where(pair > tuple_(after.tenant_id, after.station_id))
        statement = statement.order_by(ChargingStation.tenant_id, ChargingStation.station_id).limit(
            limit
        )
        with translate_errors():
            rows = (await self.session.execute(statement)).all()
        return [StationKey(tenant_id, station_id) for tenant_id, station_id in rows]

    async def set_offline_many(self, keys: Iterable[StationKey], *, seen_before: datetime) -> int:
        """Mark ``keys`` offline unless they were seen since ``seen_before`` (they came
        back meanwhile); returns how many changed."""
        ordered = sorted(set(keys))
        updated = 0
        pair = tuple_(ChargingStation.tenant_id, ChargingStation.station_id)
        for start in range(0, len(ordered), KEY_BATCH):
            chunk = ordered[start : start + KEY_BATCH]
            statement = (
                update(ChargingStation)
                .where(
                    pair.in_([(key.tenant_id, key.station_id) for key in chunk]),
                    ChargingStation.is_online.is_(True),
                    ChargingStation.last_seen_at < seen_before,
                )
                .values(is_online=False)
            )
            updated += await self._execute_dml(statement, synchronize=False)
        return updated

    async def list(
        self,
        tenant_id: str,
        *,
        online: bool | None = None,
        location_pk: int | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> Page[ChargingStation]:
        statement = select(ChargingStation).where(ChargingStation.tenant_id == tenant_id)
        if online is not None:
            statement = statement.where(ChargingStation.is_online.is_(online))
        if location_pk is not None:
            statement = statement.where(ChargingStation.location_pk == location_pk)
        statement = statement.order_by(ChargingStation.station_id)
        return await self._paginate(statement, limit=limit, offset=offset)

    async def delete(self, key: StationKey) -> bool:
        """``IntegrityViolation`` if the station has transactions (they are kept)."""
        return await self._execute_dml(delete(ChargingStation).where(*_key_filter(key))) > 0

    async def ensure_connector(
        self, station_pk: int, evse_id: int, connector_id: int, connector_type: str | None = None
    ) -> Connector:
        """The connector (and its EVSE), created when first mentioned by the station."""
        evse = await self._upsert(
            Evse, {"station_pk": station_pk, "evse_id": evse_id}, key=["station_pk", "evse_id"]
        )
        values: dict[str, object] = {"evse_pk": evse.id, "connector_id": connector_id}
        if connector_type is not None:
            values["connector_type"] = connector_type
        return await self._upsert(Connector, values, key=["evse_pk", "connector_id"])

    async def connector_pk(self, key: StationKey, evse_id: int, connector_id: int) -> int | None:
        """The key of the station's connector, found in one statement; None when unknown."""
        statement = (
            select(Connector.id)
            .join(Evse, Connector.evse_pk == Evse.id)
            .join(ChargingStation, Evse.station_pk == ChargingStation.id)
            .where(
                *_key_filter(key),
                Evse.evse_id == evse_id,
                Connector.connector_id == connector_id,
            )
        )
        with translate_errors():
            found: int | None = (await self.session.execute(statement)).scalar_one_or_none()
        return found

    async def get_connector(
        self, station_pk: int, evse_id: int, connector_id: int
    ) -> Connector | None:
        statement = (
            select(Connector)
            .join(Evse)
            .where(
                Evse.station_pk == station_pk,
                Evse.evse_id == evse_id,
                Connector.connector_id == connector_id,
            )
        )
        return await self._get_one_or_none(statement)

    async def next_value(self, station_pk: int, name: str) -> int:
        """The next number of a per-station counter ("request_id", "remote_start_id", ...),
        starting at 1; atomic under concurrency (one upsert)."""
        insert = self._insert(StationSequence).values(station_pk=station_pk, name=name, value=1)
        statement = insert.on_conflict_do_update(
            index_elements=["station_pk", "name"],
            set_={"value": StationSequence.value + 1},
        ).returning(StationSequence.value)
        with translate_errors():
            value: int = (await self.session.execute(statement)).scalar_one()
        return value

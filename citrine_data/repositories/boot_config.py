"""Per-station boot behaviour (what to answer a BootNotification, what to do while Pending)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import delete, or_

from citrine_data.errors import translate_errors
from citrine_data.models.boot import BootConfig
from citrine_data.repositories.base import Repository

PENDING = "Pending"


@dataclass(frozen=True, slots=True, kw_only=True)
class BootSettings:
    status: str | None = None  # None: the system's rule decides
    status_reason: str | None = None
    status_info: str | None = None
    heartbeat_interval: int | None = None
    retry_interval: int | None = None
    set_variables: list[dict[str, Any]] = field(default_factory=list)
    fetch_base_report: bool = False
    accept_with_rejected_variables: bool = True


class BootConfigRepository(Repository):
    async def get(self, station_pk: int) -> BootConfig | None:
        return await self._get(BootConfig, station_pk)

    async def upsert(self, station_pk: int, settings: BootSettings) -> BootConfig:
        """Create or replace the settings; ``IntegrityViolation`` for an unknown station."""
        values = {"station_pk": station_pk, **asdict(settings)}
        return await self._upsert_row(values)

    async def create(self, station_pk: int, settings: BootSettings) -> BootConfig:
        """``Conflict`` when the station has settings already."""
        return await self._add(BootConfig(station_pk=station_pk, **asdict(settings)))

    async def set_status(
        self,
        station_pk: int,
        status: str,
        *,
        reason: str | None = None,
        info: str | None = None,
        only_while_pending: bool = False,
    ) -> bool:
        """Set the status the station's next boot is answered with, creating the settings
        when there are none. With ``only_while_pending`` it changes only settings that are
        still Pending or leave the status to the system (an operator's decision made
        meanwhile wins); False when nothing changed."""
        values = {
            "station_pk": station_pk,
            "status": status,
            "status_reason": reason,
            "status_info": info,
            "set_variables": [],
        }
        insert = self._insert(BootConfig).values(values)
        where = None
        if only_while_pending:
            where = or_(BootConfig.status.is_(None), BootConfig.status == PENDING)
        statement = insert.on_conflict_do_update(
            index_elements=["station_pk"],
            set_={
                "status": insert.excluded.status,
                "status_reason": insert.excluded.status_reason,
                "status_info": insert.excluded.status_info,
            },
            where=where,
        ).returning(BootConfig.station_pk)
        with translate_errors():
            changed = (await self.session.execute(statement)).first() is not None
        return changed

    async def record_rejected_variables(
        self, station_pk: int, rejected: list[dict[str, Any]]
    ) -> BootConfig:
        """Remember which pending SetVariables the station rejected at its last boot."""
        values = {"station_pk": station_pk, "variables_rejected_on_last_boot": rejected}
        return await self._upsert_row(values)

    async def delete(self, station_pk: int) -> bool:
        statement = delete(BootConfig).where(BootConfig.station_pk == station_pk)
        return await self._execute_dml(statement) > 0

    async def _upsert_row(self, values: dict[str, Any]) -> BootConfig:
        return await self._upsert(BootConfig, values, key=["station_pk"])

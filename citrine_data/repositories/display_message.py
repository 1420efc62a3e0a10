"""Display messages."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import delete, select

from citrine_data.models.display_message import DisplayMessage
from citrine_data.repositories.base import Repository


@dataclass(frozen=True, slots=True, kw_only=True)
class DisplayMessageData:
    message_id: int
    priority: str
    format: str
    content: str
    state: str | None = None
    start_at: datetime | None = None
    end_at: datetime | None = None
    transaction_id: str | None = None
    language: str | None = None
    status: str | None = None


class DisplayMessageRepository(Repository):
    async def upsert(self, station_pk: int, data: DisplayMessageData) -> DisplayMessage:
        values = {"station_pk": station_pk, **asdict(data)}
        return await self._upsert(DisplayMessage, values, key=["station_pk", "message_id"])

    async def get(self, station_pk: int, message_id: int) -> DisplayMessage | None:
        statement = select(DisplayMessage).where(
            DisplayMessage.station_pk == station_pk, DisplayMessage.message_id == message_id
        )
        return await self._get_one_or_none(statement)

    async def list(self, station_pk: int) -> list[DisplayMessage]:
        statement = (
            select(DisplayMessage)
            .where(DisplayMessage.station_pk == station_pk)
            .order_by(DisplayMessage.message_id)
        )
        return await self._get_all(statement)

    async def delete(self, station_pk: int, message_id: int | None = None) -> int:
        """Delete one message, or all of the station's (ClearDisplayMessage semantics)."""
        statement = delete(DisplayMessage).where(DisplayMessage.station_pk == station_pk)
        if message_id is not None:
            statement = statement.where(DisplayMessage.message_id == message_id)
        return await self._execute_dml(statement)

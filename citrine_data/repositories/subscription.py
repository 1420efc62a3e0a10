"""Webhook subscriptions."""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, or_, select

from citrine_data.errors import translate_errors
from citrine_data.models.station import ChargingStation
from citrine_data.models.subscription import WebhookSubscription
from citrine_data.repositories.base import DEFAULT_LIMIT, Page, Repository


@dataclass(frozen=True, slots=True, kw_only=True)
class SubscriptionData:
    url: str
    events: list[str] = field(default_factory=lambda: ["*"])
    station_pk: int | None = None
    secret: str | None = None
    description: str | None = None
    is_active: bool = True


@dataclass(frozen=True, slots=True)
class ActiveSubscription:
    """An active subscription with the identity of its station (None: every station)."""

    subscription: WebhookSubscription
    station_id: str | None


class SubscriptionRepository(Repository):
    async def create(self, tenant_id: str, data: SubscriptionData) -> WebhookSubscription:
        subscription = WebhookSubscription(
            tenant_id=tenant_id,
            station_pk=data.station_pk,
            url=data.url,
            events=list(data.events),
            secret=data.secret,
            description=data.description,
            is_active=data.is_active,
        )
        return await self._add(subscription)

    async def get(self, tenant_id: str, subscription_pk: int) -> WebhookSubscription | None:
        statement = select(WebhookSubscription).where(
            WebhookSubscription.tenant_id == tenant_id, WebhookSubscription.id == subscription_pk
        )
        return await self._get_one_or_none(statement)

    async def update(self, subscription: WebhookSubscription, changes: dict[str, Any]) -> None:
        """Apply ``changes`` (column name -> value) to a loaded subscription."""
        for name, value in changes.items():
            if name not in WebhookSubscription.__table__.columns or name in ("id", "tenant_id"):
                raise ValueError(f"{name} is not a changeable column of a subscription")
            setattr(subscription, name, value)
        await self._flush()

    async def list_for_station(self, tenant_id: str, station_pk: int) -> list[WebhookSubscription]:
        """Active subscriptions that cover the station: its own and the tenant-wide ones."""
        statement = (
            select(WebhookSubscription)
            .where(
                WebhookSubscription.tenant_id == tenant_id,
                WebhookSubscription.is_active.is_(True),
                or_(
                    WebhookSubscription.station_pk.is_(None),
                    WebhookSubscription.station_pk == station_pk,
                ),
            )
            .order_by(WebhookSubscription.id)
        )
        return await self._get_all(statement)

    async def list(
        self, tenant_id: str, *, limit: int = DEFAULT_LIMIT, offset: int = 0
    ) -> Page[WebhookSubscription]:
        statement = (
            select(WebhookSubscription)
            .where(WebhookSubscription.tenant_id == tenant_id)
            .order_by(WebhookSubscription.id)
        )
        return await self._paginate(statement, limit=limit, offset=offset)

    async def list_active(self) -> builtins.list[ActiveSubscription]:
        """Every active subscription of every tenant, in one query: what a dispatcher holds
        in memory."""
        statement = (
            select(WebhookSubscription, ChargingStation.station_id)
            .outerjoin(ChargingStation, ChargingStation.id == WebhookSubscription.station_pk)
            .where(WebhookSubscription.is_active.is_(True))
            .order_by(WebhookSubscription.id)
        )
        rows = await self._rows(statement)
        return [ActiveSubscription(row[0], row[1]) for row in rows]

    async def station_ids(self, station_pks: builtins.list[int]) -> dict[int, str]:
        """Station identity of each primary key (for showing subscriptions)."""
        if not station_pks:
            return {}
        statement = select(ChargingStation.id, ChargingStation.station_id).where(
            ChargingStation.id.in_(station_pks)
        )
        return {row[0]: row[1] for row in await self._rows(statement)}

    async def delete(self, tenant_id: str, subscription_pk: int) -> bool:
        statement = delete(WebhookSubscription).where(
            WebhookSubscription.tenant_id == tenant_id, WebhookSubscription.id == subscription_pk
        )
        return await self._execute_dml(statement) > 0

    async def _rows(self, statement: Any) -> builtins.list[Any]:
        with translate_errors():
            return builtins.list((await self.session.execute(statement)).all())

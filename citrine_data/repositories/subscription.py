"""Webhook subscriptions."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, or_, select

from citrine_data.models.subscription import WebhookSubscription
from citrine_data.repositories.base import Repository


@dataclass(frozen=True, slots=True, kw_only=True)
class SubscriptionData:
    url: str
    events: list[str] = field(default_factory=lambda: ["*"])
    station_pk: int | None = None
    secret: str | None = None


class SubscriptionRepository(Repository):
    async def create(self, tenant_id: str, data: SubscriptionData) -> WebhookSubscription:
        subscription = WebhookSubscription(
            tenant_id=tenant_id,
            station_pk=data.station_pk,
            url=data.url,
            events=list(data.events),
            secret=data.secret,
            is_active=True,
        )
        return await self._add(subscription)

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

    async def list(self, tenant_id: str) -> list[WebhookSubscription]:
        statement = (
            select(WebhookSubscription)
            .where(WebhookSubscription.tenant_id == tenant_id)
            .order_by(WebhookSubscription.id)
        )
        return await self._get_all(statement)

    async def delete(self, tenant_id: str, subscription_pk: int) -> bool:
        statement = delete(WebhookSubscription).where(
            WebhookSubscription.tenant_id == tenant_id, WebhookSubscription.id == subscription_pk
        )
        return await self._execute_dml(statement) > 0

"""Subscription CRUD rules: a tenant's subscriptions, optionally scoped to one of its
stations; every change is announced once committed so that every process reloads."""

from __future__ import annotations

from typing import Any

from citrine_base.interfaces.envelope import StationKey
from citrine_data import Page, Session
from citrine_data.models import WebhookSubscription
from citrine_data.repositories import SubscriptionRepository
from citrine_data.repositories.subscription import SubscriptionData
from citrine_modules.rest import NotFoundError
from citrine_modules.station_api import station_or_404
from citrine_modules.webhooks.schemas import SubscriptionIn, SubscriptionOut, SubscriptionUpdate


class SubscriptionService:
    async def create(
        self, session: Session, tenant_id: str, body: SubscriptionIn
    ) -> SubscriptionOut:
        station_pk = await self._station_pk(session, tenant_id, body.station_id)
        created = await SubscriptionRepository.from_session(session).create(
            tenant_id,
            SubscriptionData(
                url=str(body.url),
                events=body.events,
                station_pk=station_pk,
                secret=body.secret,
                description=body.description,
                is_active=body.is_active,
            ),
        )
        return SubscriptionOut.of(created, body.station_id)

    async def get_or_raise(
        self, session: Session, tenant_id: str, subscription_id: int
    ) -> WebhookSubscription:
        found = await SubscriptionRepository.from_session(session).get(tenant_id, subscription_id)
        if found is None:
            raise NotFoundError(f"No webhook subscription {subscription_id}")
        return found

    async def show(self, session: Session, tenant_id: str, subscription_id: int) -> SubscriptionOut:
        found = await self.get_or_raise(session, tenant_id, subscription_id)
        return (await self._out(session, [found]))[0]

    async def update(
        self, session: Session, tenant_id: str, subscription_id: int, body: SubscriptionUpdate
    ) -> SubscriptionOut:
        found = await self.get_or_raise(session, tenant_id, subscription_id)
        given = body.model_dump(exclude_unset=True, by_alias=False)
        changes: dict[str, Any] = {}
        for name in ("url", "events", "is_active"):  # cannot be removed: null changes nothing
            if given.get(name) is not None:
                changes[name] = str(given[name]) if name == "url" else given[name]
        for name in ("secret", "description"):  # null removes them
            if name in given:
                changes[name] = given[name]
        if "station_id" in given:
            changes["station_pk"] = await self._station_pk(session, tenant_id, body.station_id)
        await SubscriptionRepository.from_session(session).update(found, changes)
        return await self.show(session, tenant_id, subscription_id)

    async def delete(self, session: Session, tenant_id: str, subscription_id: int) -> None:
        if not await SubscriptionRepository.from_session(session).delete(
            tenant_id, subscription_id
        ):
            raise NotFoundError(f"No webhook subscription {subscription_id}")

    async def list_page(
        self, session: Session, tenant_id: str, limit: int, offset: int
    ) -> tuple[Page[WebhookSubscription], dict[int, str]]:
        repository = SubscriptionRepository.from_session(session)
        page = await repository.list(tenant_id, limit=limit, offset=offset)
        pks = sorted({s.station_pk for s in page.items if s.station_pk is not None})
        return page, await repository.station_ids(pks)

    async def _out(
        self, session: Session, subscriptions: list[WebhookSubscription]
    ) -> list[SubscriptionOut]:
        pks = sorted({s.station_pk for s in subscriptions if s.station_pk is not None})
        names = await SubscriptionRepository.from_session(session).station_ids(pks)
        return [
            SubscriptionOut.of(s, names.get(s.station_pk) if s.station_pk else None)
            for s in subscriptions
        ]

    async def _station_pk(
        self, session: Session, tenant_id: str, station_id: str | None
    ) -> int | None:
        if station_id is None:
            return None
        return (await station_or_404(session, StationKey(tenant_id, station_id))).id


subscription_service = SubscriptionService()

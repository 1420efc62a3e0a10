"""REST: webhook subscriptions of a tenant (CRUD), a test post, and this process's delivery
counters. Changes take effect at once here and within moments in every other process."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from fastapi import APIRouter, Response

from citrine_base.interfaces.envelope import StationKey
from citrine_modules.rest import Admin, NotFoundError, PageOut, Paging, Reader, Uow
from citrine_modules.station_api import TenantQuery
from citrine_modules.webhooks.directory import SubscriptionDirectory
from citrine_modules.webhooks.dispatcher import WebhookDispatcher
from citrine_modules.webhooks.events import WebhookEvent
from citrine_modules.webhooks.filters import PING, known_filters
from citrine_modules.webhooks.schemas import (
    DispatchStatsOut,
    PingOut,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionUpdate,
)
from citrine_modules.webhooks.service import subscription_service

PATH = "/webhooks/subscriptions"


def webhooks_router(
    directory: SubscriptionDirectory,
    dispatcher: WebhookDispatcher,
    announce_change: Callable[[], Awaitable[None]],
) -> APIRouter:
    """``announce_change`` runs once a change is committed: reload here, tell the others."""
    router = APIRouter(tags=["webhooks"])

    @router.post(PATH, status_code=201, response_model=SubscriptionOut)
    async def create_subscription(
        body: SubscriptionIn, principal: Admin, uow: Uow, tenant: TenantQuery = None
    ) -> SubscriptionOut:
        created = await subscription_service.create(uow.session, principal.tenant_for(tenant), body)
        uow.after_commit(announce_change)
        return created

    @router.get(PATH, response_model=PageOut[SubscriptionOut])
    async def list_subscriptions(
        principal: Reader, uow: Uow, paging: Paging, tenant: TenantQuery = None
    ) -> PageOut[SubscriptionOut]:
        page, names = await subscription_service.list_page(
            uow.session, principal.tenant_for(tenant), paging.limit, paging.offset
        )
        return PageOut.of(
            page, lambda s: SubscriptionOut.of(s, names.get(s.station_pk) if s.station_pk else None)
        )

    @router.get(f"{PATH}/{{subscription_id}}", response_model=SubscriptionOut)
    async def get_subscription(
        subscription_id: int, principal: Reader, uow: Uow, tenant: TenantQuery = None
    ) -> SubscriptionOut:
        return await subscription_service.show(
            uow.session, principal.tenant_for(tenant), subscription_id
        )

    @router.patch(f"{PATH}/{{subscription_id}}", response_model=SubscriptionOut)
    async def update_subscription(
        subscription_id: int,
        body: SubscriptionUpdate,
        principal: Admin,
        uow: Uow,
        tenant: TenantQuery = None,
    ) -> SubscriptionOut:
        updated = await subscription_service.update(
            uow.session, principal.tenant_for(tenant), subscription_id, body
        )
        uow.after_commit(announce_change)
        return updated

    @router.delete(f"{PATH}/{{subscription_id}}", status_code=204)
    async def delete_subscription(
        subscription_id: int, principal: Admin, uow: Uow, tenant: TenantQuery = None
    ) -> Response:
        await subscription_service.delete(
            uow.session, principal.tenant_for(tenant), subscription_id
        )
        uow.after_commit(announce_change)
        return Response(status_code=204)

    @router.post(f"{PATH}/{{subscription_id}}/ping", status_code=202, response_model=PingOut)
    async def ping_subscription(
        subscription_id: int, principal: Admin, uow: Uow, tenant: TenantQuery = None
    ) -> PingOut:
        """Post a ``Ping`` event to the subscription now, to try the receiver and its
        signature check; the outcome shows in the stats."""
        tenant_id = principal.tenant_for(tenant)
        subscription = await subscription_service.get_or_raise(
            uow.session, tenant_id, subscription_id
        )
        target = directory.target(subscription.id)
        if target is None:
            raise NotFoundError(f"Webhook subscription {subscription_id} is not active")
        event = WebhookEvent(
            id=str(uuid.uuid4()),
            type=PING,
            station=StationKey(tenant_id, target.station_id or ""),
            time=datetime.now(UTC),
            payload=b'{"ping":true}',
        )
        return PingOut(queued=dispatcher.offer(target, event, event.body()), event_id=event.id)

    @router.get("/webhooks/eventTypes", response_model=list[str])
    async def event_types(principal: Reader) -> list[str]:
        """Every event filter a subscription may hold."""
        return known_filters()

    @router.get("/webhooks/stats", response_model=DispatchStatsOut)
    async def stats(principal: Admin) -> DispatchStatsOut:
        """This process's deliveries since it started (each process counts its own)."""
        counted = dispatcher.stats
        return DispatchStatsOut(
            subscriptions_loaded=len(directory),
            queued=dispatcher.queued,
            waiting_retry=dispatcher.waiting_retry,
            delivered=counted.delivered,
            failed=counted.failed,
            dropped=counted.dropped,
            retried=counted.retried,
            last_outcome=dict(counted.by_subscription),
        )

    return router

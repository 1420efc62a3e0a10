"""Webhooks module: posts station events and OCPP messages to subscribers.

Listens to: ``EVENTS_TOPIC`` (Connected, Disconnected), ``WEBHOOK_EVENTS_TOPIC`` (events
modules publish once committed: NotifyEvent, SecurityEventNotification), and, as the router's
``MessageObserver``, every OCPP exchange of the stations held by this process.
Handles no OCPP action.

A stored event is posted by one process of the cluster (a broker group); an OCPP exchange by
the process that holds the station's socket, so the module must run in the processes that
hold sockets for ``Message:*`` subscriptions to be served.
"""

from __future__ import annotations

import structlog
from fastapi import APIRouter

from citrine_base.interfaces.broker import BrokerError, Subscription
from citrine_base.interfaces.envelope import Envelope, EnvelopeKind, Initiator, StationKey
from citrine_base.topics import (
    CONNECTED,
    DISCONNECTED,
    EVENTS_TOPIC,
    SUBSCRIPTIONS_CHANGED_TOPIC,
    WEBHOOK_EVENTS_TOPIC,
)
from citrine_modules.deps import CsmsModule, ModuleDeps
from citrine_modules.webhooks.api import webhooks_router
from citrine_modules.webhooks.directory import SubscriptionDirectory, Target
from citrine_modules.webhooks.dispatcher import WebhookDispatcher
from citrine_modules.webhooks.events import WebhookEvent, from_event, from_exchange
from citrine_modules.webhooks.filters import MESSAGE

log = structlog.get_logger(__name__)

CHANGED = "SubscriptionsChanged"


class WebhooksModule(CsmsModule):
    name = "webhooks"

    def __init__(self, deps: ModuleDeps) -> None:
        super().__init__(deps)
        config = deps.config.webhooks
        self.directory = SubscriptionDirectory(deps.sessions, config.refresh_interval)
        self.dispatcher = WebhookDispatcher(config)
        self._subscriptions: list[Subscription] = []

    def routers(self) -> list[APIRouter]:
        return [webhooks_router(self.directory, self.dispatcher, self.subscriptions_changed)]

    async def start(self) -> None:
        await self.directory.start()
        await self.dispatcher.start()
        broker = self.deps.broker
        self._subscriptions = [
            await broker.subscribe(WEBHOOK_EVENTS_TOPIC, self._on_event, group="webhooks"),
            await broker.subscribe(EVENTS_TOPIC, self._on_connection, group="events.webhooks"),
            # No group: every process must hear of a change to reload its snapshot.
            await broker.subscribe(SUBSCRIPTIONS_CHANGED_TOPIC, self._on_changed),
        ]

    async def stop(self) -> None:
        for subscription in self._subscriptions:
            await subscription.cancel()
        await self.directory.stop()
        await self.dispatcher.stop()

    def ocpp_exchange(self, call: Envelope, reply: Envelope) -> None:
        """``MessageObserver``: called inline on the station's path; a dict lookup when no
        subscription wants the action."""
        targets = self.directory.targets(call.station, MESSAGE, call.action)
        if targets:
            self._post(from_exchange(call, reply), targets)

    async def subscriptions_changed(self) -> None:
        """After a committed change: reload here now, and tell the other processes."""
        await self.directory.reload()
        notice = Envelope(
            kind=EnvelopeKind.EVENT,
            station=StationKey("", ""),
            action=CHANGED,
            message_id=CHANGED,
            initiator=Initiator.CSMS,
            origin=self.deps.config.instance_id,
        )
        try:
            await self.deps.broker.publish(SUBSCRIPTIONS_CHANGED_TOPIC, notice)
        except BrokerError as exc:  # the others reload within refresh_interval anyway
            log.warning("webhooks.change_not_broadcast", error=str(exc))

    async def _on_event(self, envelope: Envelope) -> None:
        targets = self.directory.targets(envelope.station, envelope.action)
        if targets:
            self._post(from_event(envelope), targets)

    async def _on_connection(self, envelope: Envelope) -> None:
        if envelope.action in (CONNECTED, DISCONNECTED):
            await self._on_event(envelope)

    async def _on_changed(self, envelope: Envelope) -> None:
        if envelope.origin != self.deps.config.instance_id:  # ours reloaded already
            self.directory.invalidate()

    def _post(self, event: WebhookEvent, targets: list[Target]) -> None:
        body = event.body()  # once for every subscriber
        for target in targets:
            self.dispatcher.offer(target, event, body)

"""Transactions module (blocks E Transactions, G StatusNotification, I Tariff and cost,
J Meter values).

Handles: TransactionEvent, MeterValues, StatusNotification.
Sends: CostUpdated (also pushed periodically, once across the cluster), GetTransactionStatus.
Result handlers: GetTransactionStatus (a transaction the station no longer has, with nothing
queued, is ended here too).
"""

from __future__ import annotations

import uuid

import orjson
from fastapi import APIRouter

from citrine_base.decorators import as_handler, as_result_handler
from citrine_base.interfaces.envelope import Envelope, EnvelopeKind, Initiator, StationKey
from citrine_base.ocpp.v201 import Action, enums, messages
from citrine_base.topics import SITE_TRANSACTIONS_CHANGED, TRANSACTION_ENDED, TRANSACTION_STARTED
from citrine_modules.deps import CsmsModule, ModuleDeps
from citrine_modules.evdriver.authorization import authorization_for
from citrine_modules.transactions import api, tariff_api
from citrine_modules.transactions.costs import CostPusher
from citrine_modules.transactions.events import TransactionEventService
from citrine_modules.transactions.service import metering, status_service, transaction_status
from citrine_util.handler_runner import CallOutcome, HandlerContext
from citrine_util.tasks import ClusterJob

COST_UPDATED_JOB = "transactions-cost-updated"


class TransactionsModule(CsmsModule):
    name = "transactions"
    sends = (Action.COST_UPDATED, Action.GET_TRANSACTION_STATUS)

    def __init__(self, deps: ModuleDeps) -> None:
        super().__init__(deps)
        self._authorizer = authorization_for(deps.config, deps.cache)
        self.events = TransactionEventService(self._authorizer)
        self.costs = CostPusher(
            deps.sessions,
            deps.commands,
            deps.cache,
            deps.config.transactions.cost_updated_timeout,
        )

    async def start(self) -> None:
        interval = self.deps.config.transactions.cost_updated_interval
        if interval > 0:
            job = ClusterJob(self.deps.cache, self.deps.config.instance_id).runner(
                interval, self._push_costs, COST_UPDATED_JOB
            )
            self.deps.tasks.every(interval, job, COST_UPDATED_JOB)

    async def stop(self) -> None:
        await self._authorizer.aclose()

    async def _push_costs(self) -> None:
        await self.costs.push()

    def routers(self) -> list[APIRouter]:
        return [api.router, tariff_api.router]

    @as_handler(Action.TRANSACTION_EVENT)
    async def transaction_event(
        self, ctx: HandlerContext, request: messages.TransactionEventRequest
    ) -> messages.TransactionEventResponse:
        response = await self.events.handle(ctx.session, ctx.station, request)
        if request.event_type is not enums.TransactionEventEnum.UPDATED:
            ctx.after_commit(lambda: self._announce(ctx.station, request))
        return response

    async def _announce(
        self, station: StationKey, request: messages.TransactionEventRequest
    ) -> None:
        """Tell who shares site limits (smart charging) that a transaction started or ended.
        A repeated event announces again; the listeners re-share idempotently."""
        started = request.event_type is enums.TransactionEventEnum.STARTED
        event = Envelope(
            kind=EnvelopeKind.EVENT,
            station=station,
            action=TRANSACTION_STARTED if started else TRANSACTION_ENDED,
            message_id=str(uuid.uuid4()),
            initiator=Initiator.STATION,
            origin=self.deps.config.instance_id,
            payload=orjson.dumps({"transactionId": request.transaction_info.transaction_id}),
        )
        await self.deps.broker.publish(SITE_TRANSACTIONS_CHANGED, event)

    @as_handler(Action.METER_VALUES)
    async def meter_values(
        self, ctx: HandlerContext, request: messages.MeterValuesRequest
    ) -> messages.MeterValuesResponse:
        await metering.record_meter_values(ctx.session, ctx.station, request)
        return messages.MeterValuesResponse()

    @as_handler(Action.STATUS_NOTIFICATION)
    async def status_notification(
        self, ctx: HandlerContext, request: messages.StatusNotificationRequest
    ) -> messages.StatusNotificationResponse:
        await status_service.record_status(ctx.session, ctx.station, request)
        return messages.StatusNotificationResponse()

    @as_result_handler(Action.GET_TRANSACTION_STATUS)
    async def transaction_status_answered(self, outcome: CallOutcome) -> None:
        request, response = outcome.request, outcome.response
        if isinstance(request, messages.GetTransactionStatusRequest) and isinstance(
            response, messages.GetTransactionStatusResponse
        ):
            await transaction_status.status_answered(
                outcome.session, outcome.station, request, response
            )

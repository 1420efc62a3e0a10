"""EVDriver module (blocks C Authorization, D Local Authorization List, H Reservation, F
remote control).

Handles: Authorize, ReservationStatusUpdate.
Records the answers to: ReserveNow, CancelReservation, RequestStartTransaction,
SendLocalList, GetLocalListVersion (however they were sent); an accepted CustomerInformation
clear of a token takes it off that station's local list (N10.FR.02).
Sends: RequestStartTransaction, RequestStopTransaction, UnlockConnector, ClearCache,
SendLocalList, GetLocalListVersion, ReserveNow, CancelReservation.

Other modules use, without a network hop: ``authorization.authorize`` (the IdTokenInfo of a
token), ``reservation_service.consume`` (a TransactionEvent carried a reservationId) and
``remote_starts.find`` / ``remote_starts.link`` (a TransactionEvent carried a remoteStartId).
"""

from __future__ import annotations

import structlog
from fastapi import APIRouter

from citrine_base.decorators import as_handler, as_result_handler
from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import Action, enums, messages
from citrine_data import unit_of_work
from citrine_modules.deps import CsmsModule, ModuleDeps
from citrine_modules.evdriver.api import router as data_router
from citrine_modules.evdriver.api_commands import command_router
from citrine_modules.evdriver.authorization import authorization_for
from citrine_modules.evdriver.contract import ContractCertificates
from citrine_modules.evdriver.local_list import local_lists
from citrine_modules.evdriver.local_list_sync import LocalListPush, managed_key
from citrine_modules.evdriver.remote import remote_starts
from citrine_modules.evdriver.reservations import reservation_service
from citrine_modules.rest import ApiError
from citrine_util.handler_runner import CallOutcome, HandlerContext
from citrine_util.tasks import ClusterJob

log = structlog.get_logger(__name__)

CertificateStatus = enums.AuthorizeCertificateStatusEnum
# A refused contract certificate refuses the token with it (C07.FR.16).
_REFUSED = frozenset(CertificateStatus) - {
    CertificateStatus.ACCEPTED,
    CertificateStatus.NO_CERTIFICATE_AVAILABLE,
}


class EvDriverModule(CsmsModule):
    name = "evdriver"
    sends = (
        Action.REQUEST_START_TRANSACTION,
        Action.REQUEST_STOP_TRANSACTION,
        Action.UNLOCK_CONNECTOR,
        Action.CLEAR_CACHE,
        Action.SEND_LOCAL_LIST,
        Action.GET_LOCAL_LIST_VERSION,
        Action.RESERVE_NOW,
        Action.CANCEL_RESERVATION,
    )

    def __init__(self, deps: ModuleDeps) -> None:
        super().__init__(deps)
        self.authorization = authorization_for(deps.config, deps.cache)
        self.contracts = ContractCertificates()
        self.local_list_push = LocalListPush(deps)

    async def start(self) -> None:
        interval = self.deps.config.evdriver.reservation_sweep_interval
        job = ClusterJob(self.deps.cache, self.deps.config.instance_id).runner(
            interval, self.expire_reservations, "reservation-expiry"
        )
        self.deps.tasks.every(interval, job, "reservation-expiry")

    async def stop(self) -> None:
        await self.authorization.aclose()

    def routers(self) -> list[APIRouter]:
        return [
            data_router,
            command_router(self.deps, self.authorization, self.local_list_push),
        ]

    async def expire_reservations(self) -> None:
        async with unit_of_work(self.deps.sessions) as uow:
            expired = await reservation_service.expire_due(uow.session)
        if expired:
            log.info("reservation.expired", count=expired)

    @as_handler(Action.AUTHORIZE)
    async def authorize(
        self, ctx: HandlerContext, request: messages.AuthorizeRequest
    ) -> messages.AuthorizeResponse:
        checked = await self.authorization.authorize_request(
            ctx.session, ctx.station, request.id_token
        )
        certificate = await self.contracts.status(ctx.session, ctx.station.tenant_id, request)
        info = checked.info
        if certificate in _REFUSED:
            info = info.model_copy(update={"status": enums.AuthorizationStatusEnum.INVALID})
        return messages.AuthorizeResponse(id_token_info=info, certificate_status=certificate)

    @as_handler(Action.RESERVATION_STATUS_UPDATE)
    async def reservation_status_update(
        self, ctx: HandlerContext, request: messages.ReservationStatusUpdateRequest
    ) -> messages.ReservationStatusUpdateResponse:
        await reservation_service.status_update(ctx.session, ctx.station, request)
        return messages.ReservationStatusUpdateResponse()

    @as_result_handler(Action.RESERVE_NOW)
    async def reserve_now_answered(self, outcome: CallOutcome) -> None:
        request, response = outcome.request, outcome.response
        if not isinstance(request, messages.ReserveNowRequest):
            return
        if isinstance(response, messages.ReserveNowResponse):
            await reservation_service.answered(outcome.session, outcome.station, request, response)
        else:  # the station may or may not hold it; nothing is invented
            log.warning(
                "reservation.not_answered",
                station_id=outcome.station.station_id,
                reservation_id=request.id,
                error=outcome.error_code,
            )

    @as_result_handler(Action.CANCEL_RESERVATION)
    async def cancel_reservation_answered(self, outcome: CallOutcome) -> None:
        request, response = outcome.request, outcome.response
        if isinstance(request, messages.CancelReservationRequest) and isinstance(
            response, messages.CancelReservationResponse
        ):
            await reservation_service.cancelled(outcome.session, outcome.station, request, response)

    @as_result_handler(Action.REQUEST_START_TRANSACTION)
    async def request_start_answered(self, outcome: CallOutcome) -> None:
        request, response = outcome.request, outcome.response
        if not isinstance(request, messages.RequestStartTransactionRequest):
            return
        answer = (
            response if isinstance(response, messages.RequestStartTransactionResponse) else None
        )
        await remote_starts.answered(
            outcome.session, outcome.station, request, answer, outcome.error_code
        )

    @as_result_handler(Action.SEND_LOCAL_LIST)
    async def send_local_list_answered(self, outcome: CallOutcome) -> None:
        request = outcome.request
        if not isinstance(request, messages.SendLocalListRequest):
            return
        if await self.deps.cache.get(managed_key(outcome.message_id)) is not None:
            return  # sent by our own push, which recorded it in order
        station_pk = await local_lists.station_pk(outcome.session, outcome.station)
        if station_pk is None:
            return
        response = outcome.response
        if (
            isinstance(response, messages.SendLocalListResponse)
            and response.status is enums.SendLocalListStatusEnum.ACCEPTED
        ):
            await local_lists.applied(outcome.session, station_pk, request)
        else:
            await local_lists.refused(outcome.session, station_pk)

    @as_result_handler(Action.CUSTOMER_INFORMATION)
    async def customer_information_answered(self, outcome: CallOutcome) -> None:
        """N10.FR.02 (TC_N_46): a customer whose data a station accepted to clear comes off
        that station's local list. A task: it is a CALL of its own."""
        request, response = outcome.request, outcome.response
        if (
            isinstance(request, messages.CustomerInformationRequest)
            and request.clear
            and request.id_token is not None
            and isinstance(response, messages.CustomerInformationResponse)
            and response.status is enums.CustomerInformationStatusEnum.ACCEPTED
        ):
            token = request.id_token
            self.deps.tasks.spawn(
                self._forget(outcome.station, token.id_token, token.type.value),
                "local-list-forget",
            )

    async def _forget(self, station: StationKey, id_token: str, type: str) -> None:
        try:
            report = await self.local_list_push.remove(station, id_token, type)
        except ApiError as error:  # offline, a push in progress, no answer: the next full
            log.warning(  # push (our copy is then untrusted) or the operator catches up
                "local_list.customer_not_removed", station_id=station.station_id, error=str(error)
            )
            return
        if report is not None:
            log.info(
                "local_list.customer_removed",
                station_id=station.station_id,
                status=report.status,
                version=report.version,
            )

    @as_result_handler(Action.GET_LOCAL_LIST_VERSION)
    async def local_list_version_answered(self, outcome: CallOutcome) -> None:
        response = outcome.response
        if not isinstance(response, messages.GetLocalListVersionResponse):
            return
        station_pk = await local_lists.station_pk(outcome.session, outcome.station)
        if station_pk is not None:
            await local_lists.reported(outcome.session, station_pk, response.version_number)

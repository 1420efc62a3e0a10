"""Remote control (block F): RequestStartTransaction and RequestStopTransaction.

A remote start is recorded before its CALL goes out, with the ``remoteStartId`` the CSMS
chose (a per-station counter unless the operator gives one), so that the transaction the
station then starts, whose first TransactionEvent carries that id (F02.FR.01), can be
linked to it: the Transactions module calls ``remote_starts.find(session, station,
remote_start_id)`` and ``remote_starts.link(...)``. The station's answer is recorded when it
arrives (also for requests sent through the generic REST endpoint).
"""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from pydantic import ValidationError

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import datatypes, enums, messages
from citrine_data import Session
from citrine_data.models import RemoteStart, TransactionState
from citrine_data.repositories import (
    ChargingStationRepository,
    RemoteStartRepository,
    TransactionRepository,
)
from citrine_data.repositories.remote_start import RemoteStartAnswer, RemoteStartData
from citrine_modules.evdriver.authorization import AuthorizationService, group_id_token
from citrine_modules.evdriver.schemas import IdTokenRef, RemoteStartIn, RemoteStopIn
from citrine_modules.rest import ConflictError, NotFoundError, Unprocessable

SEQUENCE = "remote_start_id"
FAILED = "failed"
MAX_ID_ATTEMPTS = 100


def ocpp_token(ref: IdTokenRef) -> datatypes.IdToken:
    return datatypes.IdToken(id_token=ref.id_token, type=ref.type)


async def station_pk_or_raise(session: Session, station: StationKey) -> int:
    found = await ChargingStationRepository.from_session(session).get_by_key(station)
    if found is None:
        raise NotFoundError(f"No station {station.station_id}")
    return found.id


class RemoteStartService:
    async def prepare(
        self,
        session: Session,
        authorization: AuthorizationService,
        station: StationKey,
        body: RemoteStartIn,
    ) -> messages.RequestStartTransactionRequest:
        """Check the request, choose its remoteStartId and record it (F01, F02)."""
        station_pk = await station_pk_or_raise(session, station)
        id_token = ocpp_token(body.id_token)
        checked = await authorization.authorize(
            session, station, id_token, evse_id=body.evse_id, starting=True
        )
        if not checked.accepted:
            raise Unprocessable(f"The token is {checked.info.status.value} for this start")
        group = ocpp_token(body.group_id_token) if body.group_id_token else None
        if group is None and checked.token is not None:
            group = group_id_token(checked.token)
        request = messages.RequestStartTransactionRequest(
            id_token=id_token,
            remote_start_id=await self._choose_id(session, station_pk, body.remote_start_id),
            evse_id=body.evse_id,
            group_id_token=group,
            charging_profile=_tx_profile(body.charging_profile),
        )
        await RemoteStartRepository.from_session(session).create(station_pk, _data(request))
        return request

    async def _choose_id(self, session: Session, station_pk: int, given: int | None) -> int:
        repository = RemoteStartRepository.from_session(session)
        if given is not None:
            if await repository.get(station_pk, given) is not None:
                raise ConflictError(f"remoteStartId {given} was already used at this station")
            return given
        stations = ChargingStationRepository.from_session(session)
        for _ in range(MAX_ID_ATTEMPTS):  # skip ids an operator chose by hand
            candidate = await stations.next_value(station_pk, SEQUENCE)
            if await repository.get(station_pk, candidate) is None:
                return candidate
        raise ConflictError("Could not find a free remoteStartId")

    async def answered(
        self,
        session: Session,
        station: StationKey,
        request: messages.RequestStartTransactionRequest,
        response: messages.RequestStartTransactionResponse | None,
        error: str | None,
    ) -> None:
        """Record the station's answer (or that none came) to a RequestStartTransaction."""
        found = await ChargingStationRepository.from_session(session).get_by_key(station)
        if found is None:
            return
        repository = RemoteStartRepository.from_session(session)
        await repository.ensure(found.id, _data(request))
        now = datetime.now(UTC)
        if response is None:
            answer = RemoteStartAnswer(status=FAILED, at=now, reason=(error or "")[:255] or None)
        else:
            info = response.status_info
            answer = RemoteStartAnswer(
                status=response.status.value,
                at=now,
                reason=info.reason_code if info else None,
                transaction_id=response.transaction_id,
            )
        await repository.record_answer(found.id, request.remote_start_id, answer)

    async def find(
        self, session: Session, station: StationKey, remote_start_id: int
    ) -> RemoteStart | None:
        """The remote start request the station's transaction answers (one query)."""
        return await RemoteStartRepository.from_session(session).find(station, remote_start_id)

    async def link(
        self,
        session: Session,
        station: StationKey,
        remote_start_id: int,
        transaction_pk: int,
        transaction_id: str,
    ) -> bool:
        """Note which transaction the request started; False when there was no request."""
        return await RemoteStartRepository.from_session(session).link(
            station, remote_start_id, transaction_pk, transaction_id
        )

    async def prepare_stop(
        self, session: Session, station: StationKey, body: RemoteStopIn
    ) -> messages.RequestStopTransactionRequest:
        """Only an active transaction we know of is asked to stop (F03)."""
        station_pk = await station_pk_or_raise(session, station)
        transaction = await TransactionRepository.from_session(session).get(
            station_pk, body.transaction_id
        )
        if transaction is None:
            raise NotFoundError(f"No transaction {body.transaction_id} at {station.station_id}")
        if transaction.state is not TransactionState.ACTIVE:
            raise ConflictError(f"Transaction {body.transaction_id} has ended")
        return messages.RequestStopTransactionRequest(transaction_id=body.transaction_id)


def _tx_profile(raw: dict[str, object] | None) -> datatypes.ChargingProfile | None:
    if raw is None:
        return None
    try:
        profile = datatypes.ChargingProfile.model_validate_json(orjson.dumps(raw))
    except ValidationError as error:
        raise Unprocessable(f"chargingProfile is not an OCPP ChargingProfile: {error}") from None
    # K05 / F01.FR.08: the profile of a remote start is the transaction's own profile.
    if profile.charging_profile_purpose is not enums.ChargingProfilePurposeEnum.TX_PROFILE:
        raise Unprocessable("chargingProfile must have purpose TxProfile")
    if profile.transaction_id is not None:
        raise Unprocessable("chargingProfile of a remote start has no transactionId yet")
    return profile


def _data(request: messages.RequestStartTransactionRequest) -> RemoteStartData:
    group = request.group_id_token
    return RemoteStartData(
        remote_start_id=request.remote_start_id,
        id_token=request.id_token.id_token,
        id_token_type=request.id_token.type.value,
        requested_at=datetime.now(UTC),
        evse_id=request.evse_id,
        group_id_token=group.id_token if group else None,
        group_id_token_type=group.type.value if group else None,
    )


remote_starts = RemoteStartService()

"""Authorization of id tokens (block C): the IdTokenInfo the CSMS answers for a token.

Used by Authorize and, for every idToken a TransactionEvent carries, by the Transactions
module (E01-E05: the CSMS re-checks tokens the station may have accepted offline or from its
cache): ``await authorization.authorize(session, station, id_token, evse_id=...,
starting=..., transaction_id=...)``. Rules, in order:

* ``NoAuthorization`` tokens (free vend, C-39) are Accepted;
* a token the tenant does not know is asked of the external authorizer when there is one
  (roaming, ``external.py``), and otherwise ``Unknown``;
* a token whose own status is not Accepted keeps it (Blocked, Invalid, NoCredit, ...), and
  so does a member of a group whose status is not Accepted (blocking a fleet blocks its cards);
* a token past its ``cache_expiry_at`` is ``Expired``;
* a master pass token (or a member of a master pass group, C16) may stop transactions but
  never start one: starting, it is ``Invalid``;
* a token used where it may not be is ``NotAtThisLocation`` or ``NotAllowedTypeEVSE``
  (``restrictions.py``); one limited to some EVSEs gets them in ``evseId``;
* a token starting a transaction while it holds another one is ``ConcurrentTx``, unless it
  may hold several. At Authorize (not yet starting: the driver may be stopping the
  transaction it runs here) only a transaction at another station counts.

The group token is returned wherever one is set (C01.FR.06, C09, TC_C_39_CSMS).

The shared instance ``authorization`` asks no external authorizer; a module that wants the
roaming hook builds its own with ``authorization_for(config, cache)`` and closes it on stop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

import orjson

from citrine_base.config import SystemConfig
from citrine_base.interfaces.cache import Cache
from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import datatypes, enums
from citrine_data import Session
from citrine_data.models import IdToken
from citrine_data.repositories import (
    ChargingStationRepository,
    IdTokenRepository,
    TransactionRepository,
)
from citrine_modules.evdriver import restrictions
from citrine_modules.evdriver.external import (
    ExternalAuthorizer,
    ExternalQuery,
    HttpExternalAuthorizer,
)

Status = enums.AuthorizationStatusEnum


@dataclass(frozen=True, slots=True)
class Authorization:
    """The answer for a token, and our row for it (None when unknown here)."""

    info: datatypes.IdTokenInfo
    token: IdToken | None

    @property
    def accepted(self) -> bool:
        return self.info.status is Status.ACCEPTED


class Concurrency(Enum):
    NONE = "none"  # stopping, or an update: other transactions do not matter
    START = "start"  # starting a transaction: any other active one counts
    ELSEWHERE = "elsewhere"  # Authorize: only an active one at another station counts


def is_master_pass(token: IdToken) -> bool:
    return token.is_master_pass or (token.group is not None and token.group.is_master_pass)


class AuthorizationService:
    def __init__(self, external: ExternalAuthorizer | None = None) -> None:
        self._external = external

    async def aclose(self) -> None:
        if self._external is not None:
            await self._external.aclose()

    async def authorize(
        self,
        session: Session,
        station: StationKey,
        id_token: datatypes.IdToken,
        *,
        evse_id: int | None = None,
        starting: bool = False,
        transaction_id: str | None = None,
    ) -> Authorization:
        """The IdTokenInfo for ``id_token`` used at ``station`` (on ``evse_id`` if known).

        ``starting``: the token starts (or started) transaction ``transaction_id``; another
        active transaction of the same token makes it ConcurrentTx.
        """
        concurrency = Concurrency.START if starting else Concurrency.NONE
        return await self.check(
            session, station, id_token, evse_id, concurrency, transaction_id=transaction_id
        )

    async def authorize_request(
        self, session: Session, station: StationKey, id_token: datatypes.IdToken
    ) -> Authorization:
        """For an AuthorizeRequest: the EVSE is not known yet, the driver may start or stop."""
        return await self.check(session, station, id_token, None, Concurrency.ELSEWHERE)

    async def check(
        self,
        session: Session,
        station: StationKey,
        id_token: datatypes.IdToken,
        evse_id: int | None,
        concurrency: Concurrency,
        *,
        transaction_id: str | None = None,
    ) -> Authorization:
        if id_token.type is enums.IdTokenEnum.NO_AUTHORIZATION:
            return Authorization(datatypes.IdTokenInfo(status=Status.ACCEPTED), None)
        token = await IdTokenRepository.from_session(session).get_with_group(
            station.tenant_id, id_token.id_token, id_token.type.value
        )
        if token is None:
            return Authorization(await self._unknown(station, id_token, evse_id), None)
        status, evse_ids = self.own_status(token, concurrency), None
        if status is None and restrictions.is_restricted(token):
            place = await restrictions.load_place(session, station)
            verdict = restrictions.judge(token, place, evse_id)
            status, evse_ids = verdict.status, verdict.evse_ids
        if status is None:
            status = await self._concurrency(session, station, token, concurrency, transaction_id)
        return Authorization(token_info(token, status or Status.ACCEPTED, evse_ids), token)

    async def _unknown(
        self, station: StationKey, id_token: datatypes.IdToken, evse_id: int | None
    ) -> datatypes.IdTokenInfo:
        if self._external is not None:
            info = await self._external.authorize(ExternalQuery(station, id_token, evse_id))
            if info is not None:
                return info
        return datatypes.IdTokenInfo(status=Status.UNKNOWN)

    @staticmethod
    def own_status(token: IdToken, concurrency: Concurrency) -> Status | None:
        """What the token row and its group decide alone (None: nothing against it)."""
        for holder in (token, token.group):
            if holder is not None and holder.status != Status.ACCEPTED.value:
                return Status(holder.status)
        if token.cache_expiry_at is not None and token.cache_expiry_at <= datetime.now(UTC):
            return Status.EXPIRED
        if concurrency is Concurrency.START and is_master_pass(token):
            return Status.INVALID
        return None

    @staticmethod
    async def _concurrency(
        session: Session,
        station: StationKey,
        token: IdToken,
        concurrency: Concurrency,
        transaction_id: str | None,
    ) -> Status | None:
        if concurrency is Concurrency.NONE or token.allow_concurrent_tx or is_master_pass(token):
            return None
        active = await TransactionRepository.from_session(session).list_active_for_token(token.id)
        others = [tx for tx in active if tx.transaction_id != transaction_id]
        if not others:
            return None
        if concurrency is Concurrency.ELSEWHERE:
            here = await ChargingStationRepository.from_session(session).get_by_key(station)
            others = [tx for tx in others if here is None or tx.station_pk != here.id]
        return Status.CONCURRENT_TX if others else None


def token_info(
    token: IdToken, status: Status, evse_ids: list[int] | None = None
) -> datatypes.IdTokenInfo:
    """The IdTokenInfo of our token row with ``status``."""
    return datatypes.IdTokenInfo(
        status=status,
        cache_expiry_date_time=token.cache_expiry_at,
        charging_priority=token.charging_priority,
        language1=token.language1,
        language2=token.language2,
        evse_id=evse_ids or None,
        group_id_token=group_id_token(token),
        personal_message=personal_message(token),
    )


def group_id_token(token: IdToken) -> datatypes.IdToken | None:
    group = token.group
    if group is None:
        return None
    return datatypes.IdToken(id_token=group.id_token, type=enums.IdTokenEnum(group.type))


def personal_message(token: IdToken) -> datatypes.MessageContent | None:
    if not token.personal_message:
        return None
    # Stored as its wire JSON; strict models read enums from JSON text only.
    return datatypes.MessageContent.model_validate_json(orjson.dumps(token.personal_message))


def authorization_for(config: SystemConfig, cache: Cache) -> AuthorizationService:
    """The service with the configured external authorizer (if any); ``aclose`` it on stop."""
    settings = config.evdriver.external_authorizer
    if settings is None:
        return AuthorizationService()
    return AuthorizationService(HttpExternalAuthorizer(settings, cache))


authorization = AuthorizationService()

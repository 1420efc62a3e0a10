"""Authorization of id tokens (block C): the IdTokenInfo the CSMS answers for a token.

Used by Authorize and, for every idToken a TransactionEvent carries, by the Transactions
module (E01-E05: the CSMS re-checks tokens the station may have accepted offline or from its
cache). Rules, in order:

* ``NoAuthorization`` tokens (free vend, C-39) are Accepted;
* a token the tenant does not know is ``Unknown``;
* a token whose own status is not Accepted keeps it (Blocked, Invalid, NoCredit, ...);
* a token past its ``cache_expiry_at`` is ``Expired``;
* a token limited to some EVSEs used on another one is ``NotAllowedTypeEVSE``;
* a token starting a transaction while it already holds another one is ``ConcurrentTx``
  (a master pass token never starts one, C16: it only stops).

The group token is returned wherever one is set (C09, TC_C_39_CSMS), and ``evseId`` lists the
EVSEs a limited token may use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import datatypes, enums
from citrine_data import Session
from citrine_data.models import IdToken
from citrine_data.repositories import IdTokenRepository, TransactionRepository

Status = enums.AuthorizationStatusEnum


@dataclass(frozen=True, slots=True)
class Authorization:
    """The answer for a token, and our row for it (None when unknown)."""

    info: datatypes.IdTokenInfo
    token: IdToken | None

    @property
    def accepted(self) -> bool:
        return self.info.status is Status.ACCEPTED


class AuthorizationService:
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
        if id_token.type is enums.IdTokenEnum.NO_AUTHORIZATION:
            return Authorization(datatypes.IdTokenInfo(status=Status.ACCEPTED), None)
        token = await IdTokenRepository.from_session(session).get_with_group(
            station.tenant_id, id_token.id_token, id_token.type.value
        )
        if token is None:
            return Authorization(datatypes.IdTokenInfo(status=Status.UNKNOWN), None)
        status = await self._status(session, token, evse_id, starting, transaction_id)
        return Authorization(self._info(token, status), token)

    async def _status(
        self,
        session: Session,
        token: IdToken,
        evse_id: int | None,
        starting: bool,
        transaction_id: str | None,
    ) -> Status:
        status = Status(token.status)
        if status is not Status.ACCEPTED:
            return status
        if token.cache_expiry_at is not None and token.cache_expiry_at <= datetime.now(UTC):
            return Status.EXPIRED
        if evse_id and token.allowed_evse_ids is not None and evse_id not in token.allowed_evse_ids:
            return Status.NOT_ALLOWED_TYPE_EVSE
        if starting and not token.is_master_pass:
            active = await TransactionRepository.from_session(session).list_active_for_token(
                token.id
            )
            if any(other.transaction_id != transaction_id for other in active):
                return Status.CONCURRENT_TX
        return status

    @staticmethod
    def _info(token: IdToken, status: Status) -> datatypes.IdTokenInfo:
        group = token.group
        return datatypes.IdTokenInfo(
            status=status,
            cache_expiry_date_time=token.cache_expiry_at,
            charging_priority=token.charging_priority,
            language1=token.language1,
            language2=token.language2,
            evse_id=list(token.allowed_evse_ids) if token.allowed_evse_ids else None,
            group_id_token=(
                datatypes.IdToken(id_token=group.id_token, type=enums.IdTokenEnum(group.type))
                if group is not None
                else None
            ),
            personal_message=(
                # Stored as its wire JSON; strict models read enums from JSON text only.
                datatypes.MessageContent.model_validate_json(orjson.dumps(token.personal_message))
                if token.personal_message
                else None
            ),
        )


authorization = AuthorizationService()

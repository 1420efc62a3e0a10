"""The token table: create, replace, read, delete and bulk import id tokens of a tenant."""

from __future__ import annotations

from collections.abc import Sequence

from citrine_data import IntegrityViolation, Page, Session
from citrine_data.models import IdToken
from citrine_data.repositories import IdTokenRepository
from citrine_data.repositories.authorization import TokenFilter, TokenImport, TokenInfo, token_key
from citrine_modules.evdriver.schemas import IdTokenImportItem, IdTokenIn, IdTokenRef
from citrine_modules.rest import NotFoundError, Unprocessable


def token_info(body: IdTokenIn, group_pk: int | None) -> TokenInfo:
    return TokenInfo(
        status=body.status,
        cache_expiry_at=body.cache_expiry_date_time,
        charging_priority=body.charging_priority,
        language1=body.language1,
        language2=body.language2,
        personal_message=(
            body.personal_message.model_dump(mode="json", exclude_none=True)
            if body.personal_message
            else None
        ),
        group_id_token_pk=group_pk,
        allowed_station_ids=body.allowed_station_ids,
        allowed_location_ids=body.allowed_location_ids,
        allowed_evse_ids=body.allowed_evse_ids,
        allowed_connector_types=(
            [kind.value for kind in body.allowed_connector_types]
            if body.allowed_connector_types
            else None
        ),
        is_master_pass=body.is_master_pass,
        allow_concurrent_tx=body.allow_concurrent_tx,
        in_local_list=body.in_local_list,
        additional_info=(
            [item.model_dump(mode="json") for item in body.additional_info]
            if body.additional_info
            else None
        ),
    )


class TokenService:
    async def put(
        self, session: Session, tenant_id: str, id_token: str, type: str, body: IdTokenIn
    ) -> tuple[IdToken, bool]:
        """Create or replace the token; True when it was created."""
        repository = IdTokenRepository.from_session(session)
        group_pk = await self._group_pk(session, tenant_id, body.group_id_token)
        if body.group_id_token is not None and token_key(
            body.group_id_token.id_token, body.group_id_token.type.value
        ) == token_key(id_token, type):
            raise Unprocessable("A token cannot be its own group")
        created = await repository.get(tenant_id, id_token, type) is None
        await repository.upsert(tenant_id, id_token, type, token_info(body, group_pk))
        return await self.get_or_raise(session, tenant_id, id_token, type), created

    async def get_or_raise(
        self, session: Session, tenant_id: str, id_token: str, type: str
    ) -> IdToken:
        found = await IdTokenRepository.from_session(session).get_with_group(
            tenant_id, id_token, type
        )
        if found is None:
            raise NotFoundError(f"No token {type} {id_token}")
        return found

    async def delete(self, session: Session, tenant_id: str, id_token: str, type: str) -> None:
        """The token goes; stations' local lists drop it at their next update."""
        if not await IdTokenRepository.from_session(session).delete(tenant_id, id_token, type):
            raise NotFoundError(f"No token {type} {id_token}")

    async def list_tokens(
        self, session: Session, tenant_id: str, where: TokenFilter, limit: int, offset: int
    ) -> Page[IdToken]:
        return await IdTokenRepository.from_session(session).list(
            tenant_id, where=where, limit=limit, offset=offset
        )

    async def import_many(
        self, session: Session, tenant_id: str, items: Sequence[IdTokenImportItem]
    ) -> int:
        rows = [
            TokenImport(
                item.id_token,
                item.type.value,
                token_info(item, None),
                (item.group_id_token.id_token, item.group_id_token.type.value)
                if item.group_id_token
                else None,
            )
            for item in items
        ]
        try:
            return await IdTokenRepository.from_session(session).import_many(tenant_id, rows)
        except IntegrityViolation as problem:
            raise Unprocessable(problem.message) from None

    @staticmethod
    async def _group_pk(session: Session, tenant_id: str, group: IdTokenRef | None) -> int | None:
        if group is None:
            return None
        found = await IdTokenRepository.from_session(session).get(
            tenant_id, group.id_token, group.type.value
        )
        if found is None:
            raise Unprocessable(f"Unknown group token {group.type.value} {group.id_token}")
        return found.id


tokens = TokenService()

"""The local authorization list of each station (block D), managed by the CSMS.

The list is built from the token table: the tenant's tokens marked ``in_local_list`` that
may be used at the station, each with the IdTokenInfo the CSMS would answer (its status,
its group, the station's EVSEs it may use). The CSMS keeps what each station holds (the
entries of the updates it accepted, and their version), so a differential update sends only
what changed: entries added or updated with their idTokenInfo, entries removed without
(D01.FR.16/17). The version is the CSMS's: one above the highest it knows of (its own, or
what the station last reported), > 0 (D01.FR.18), one more for every message.

A list larger than one message may hold (``LocalAuthListCtrlr.ItemsPerMessage`` and
``BytesPerMessage``, B05-like limits; a configured default when unknown) is sent as one
Full followed by Differentials (D01.FR.04, .05).

Effects are recorded only when the station answers Accepted (``applied``); a Failed or
VersionMismatch answer, or none at all, makes our copy untrusted (``needs_full``): the next
update is a full one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import datatypes, enums, messages
from citrine_data import Session
from citrine_data.models import ChargingStation, IdToken, LocalListEntry, LocalListVersion
from citrine_data.repositories import (
    ChargingStationRepository,
    DeviceModelRepository,
    IdTokenRepository,
    LocalListRepository,
)
from citrine_data.repositories.authorization import EntryData, TokenKey, token_key
from citrine_data.repositories.device_model import ComponentKey, VariableKey
from citrine_modules.evdriver import restrictions
from citrine_modules.evdriver.authorization import AuthorizationService, Concurrency, token_info
from citrine_modules.rest import NotFoundError

Update = enums.UpdateEnum
Status = enums.AuthorizationStatusEnum
CONTROLLER = ComponentKey("LocalAuthListCtrlr")
MESSAGE_OVERHEAD = 128
"""Bytes of a SendLocalList frame besides its entries (frame, ids, version, update type)."""


@dataclass(frozen=True, slots=True)
class Limits:
    """What the station's device model says about its list (None: not reported)."""

    items_per_message: int
    bytes_per_message: int | None = None
    max_entries: int | None = None
    enabled: bool | None = None


@dataclass(frozen=True, slots=True)
class Prepared:
    """Everything a push needs, read in one unit of work."""

    station_pk: int
    state: LocalListVersion | None
    desired: list[datatypes.AuthorizationData]
    held: list[LocalListEntry]
    limits: Limits

    @property
    def next_version(self) -> int:
        known = (
            [0] if self.state is None else [self.state.version, self.state.reported_version or 0]
        )
        return max(known) + 1

    @property
    def trusted(self) -> bool:
        """Whether our copy of the station's list may serve for a differential update."""
        return self.state is not None and not self.state.needs_full


class LocalListService:
    async def prepare(self, session: Session, station: StationKey, default_items: int) -> Prepared:
        found = await ChargingStationRepository.from_session(session).get_by_key(station)
        if found is None:
            raise NotFoundError(f"No station {station.station_id}")
        lists = LocalListRepository.from_session(session)
        return Prepared(
            station_pk=found.id,
            state=await lists.get_state(found.id),
            desired=await self.desired(session, station),
            held=await lists.entries(found.id),
            limits=await self.limits(session, found, default_items),
        )

    async def desired(
        self, session: Session, station: StationKey
    ) -> list[datatypes.AuthorizationData]:
        """The list the station should hold, from the token table."""
        tokens = await IdTokenRepository.from_session(session).list_for_local_lists(
            station.tenant_id
        )
        place: restrictions.Place | None = None
        wanted: list[datatypes.AuthorizationData] = []
        for token in tokens:
            evse_ids = None
            if restrictions.is_restricted(token):
                place = place or await restrictions.load_place(session, station)
                verdict = restrictions.judge(token, place, None)
                if verdict.status is not None:
                    continue  # not usable at this station: not on its list
                evse_ids = verdict.evse_ids
            status = AuthorizationService.own_status(token, Concurrency.NONE) or Status.ACCEPTED
            wanted.append(authorization_data(token, token_info(token, status, evse_ids)))
        return wanted

    async def limits(
        self, session: Session, station: ChargingStation, default_items: int
    ) -> Limits:
        values = {
            name: await _variable(session, station.id, name)
            for name in ("ItemsPerMessage", "BytesPerMessage", "Entries", "Enabled")
        }
        items, size, entries, enabled = values.values()
        return Limits(
            items_per_message=_positive(items[0]) or default_items,
            bytes_per_message=_positive(size[0]),
            max_entries=_positive(entries[1]),
            enabled=None if enabled[0] is None else enabled[0].strip().lower() == "true",
        )

    def plan(self, prepared: Prepared, update: Update) -> list[messages.SendLocalListRequest]:
        """The messages of a Full or Differential update (none: nothing changed)."""
        version = prepared.next_version
        if update is Update.FULL or not prepared.trusted:
            return self._messages(prepared.desired, version, prepared.limits, full=True)
        changes = differential(prepared.desired, prepared.held)
        if not changes:
            return []
        return self._messages(changes, version, prepared.limits, full=False)

    def removal(self, prepared: Prepared, key: TokenKey) -> messages.SendLocalListRequest | None:
        """A Differential that takes one token off the station's list (N10.FR.02: its
        customer's data was cleared there); None when our copy says the station does not
        hold it."""
        held = [e for e in prepared.held if token_key(e.id_token, e.id_token_type) == key]
        if not held:
            return None
        id_token = datatypes.IdToken(
            id_token=held[0].id_token, type=enums.IdTokenEnum(held[0].id_token_type)
        )
        return messages.SendLocalListRequest(
            version_number=prepared.next_version,
            update_type=Update.DIFFERENTIAL,
            local_authorization_list=[datatypes.AuthorizationData(id_token=id_token)],
        )

    def _messages(
        self,
        entries: Sequence[datatypes.AuthorizationData],
        version: int,
        limits: Limits,
        *,
        full: bool,
    ) -> list[messages.SendLocalListRequest]:
        parts = split(entries, limits.items_per_message, limits.bytes_per_message)
        plan = []
        for number, part in enumerate(parts or [[]]):
            kind = Update.FULL if full and number == 0 else Update.DIFFERENTIAL
            plan.append(
                messages.SendLocalListRequest(
                    version_number=version + number,
                    update_type=kind,
                    local_authorization_list=list(part) or None,
                )
            )
        return plan

    async def applied(
        self, session: Session, station_pk: int, request: messages.SendLocalListRequest
    ) -> None:
        """The station accepted ``request``: our copy of its list follows."""
        lists = LocalListRepository.from_session(session)
        entries = request.local_authorization_list or []
        now = datetime.now(UTC)
        if request.update_type is Update.FULL:
            await lists.replace_entries(station_pk, [entry_data(item) for item in entries])
            await lists.save_state(
                station_pk, version=request.version_number, needs_full=False, synced_at=now
            )
            return
        await lists.apply_differential(
            station_pk,
            upserts=[entry_data(item) for item in entries if item.id_token_info is not None],
            removals=[
                (item.id_token.id_token, item.id_token.type.value)
                for item in entries
                if item.id_token_info is None
            ],
        )
        await lists.save_state(station_pk, version=request.version_number, synced_at=now)

    async def refused(self, session: Session, station_pk: int) -> None:
        """A SendLocalList was refused or not answered: what the station holds is unsure."""
        await LocalListRepository.from_session(session).save_state(station_pk, needs_full=True)

    async def reported(self, session: Session, station_pk: int, version: int) -> None:
        """GetLocalListVersion answered ``version`` (0: the station has no list, D02)."""
        lists = LocalListRepository.from_session(session)
        state = await lists.get_state(station_pk)
        now = datetime.now(UTC)
        if version == 0:
            await lists.clear(station_pk)
            await lists.save_state(
                station_pk, version=0, reported_version=0, reported_at=now, needs_full=False
            )
        elif state is None or state.version != version:
            await lists.save_state(
                station_pk,
                version=version,
                reported_version=version,
                reported_at=now,
                needs_full=True,
            )
        else:
            await lists.save_state(station_pk, reported_version=version, reported_at=now)

    async def station_pk(self, session: Session, station: StationKey) -> int | None:
        found = await ChargingStationRepository.from_session(session).get_by_key(station)
        return None if found is None else found.id


def authorization_data(
    token: IdToken, info: datatypes.IdTokenInfo | None
) -> datatypes.AuthorizationData:
    additional = (
        [
            datatypes.AdditionalInfo.model_validate_json(orjson.dumps(item))
            for item in token.additional_info
        ]
        if token.additional_info
        else None
    )
    id_token = datatypes.IdToken(
        id_token=token.id_token, type=enums.IdTokenEnum(token.type), additional_info=additional
    )
    return datatypes.AuthorizationData(id_token=id_token, id_token_info=info)


def entry_data(item: datatypes.AuthorizationData) -> EntryData:
    return EntryData(item.id_token.id_token, item.id_token.type.value, item.to_wire())


def _key(item: datatypes.AuthorizationData) -> TokenKey:
    return token_key(item.id_token.id_token, item.id_token.type.value)


def differential(
    desired: Sequence[datatypes.AuthorizationData], held: Sequence[LocalListEntry]
) -> list[datatypes.AuthorizationData]:
    """Entries to add or update (with their info), then entries to remove (without)."""
    have = {token_key(entry.id_token, entry.id_token_type): entry for entry in held}
    changed = [
        item
        for item in desired
        if _key(item) not in have or have[_key(item)].authorization_data != item.to_wire()
    ]
    wanted = {_key(item) for item in desired}
    removed = [
        datatypes.AuthorizationData(
            id_token=datatypes.IdToken(
                id_token=entry.id_token, type=enums.IdTokenEnum(entry.id_token_type)
            )
        )
        for key, entry in have.items()
        if key not in wanted
    ]
    return changed + removed


def split(
    entries: Sequence[datatypes.AuthorizationData], items: int, size: int | None
) -> list[list[datatypes.AuthorizationData]]:
    """Consecutive parts of at most ``items`` entries and (roughly) ``size`` bytes each."""
    parts: list[list[datatypes.AuthorizationData]] = []
    current: list[datatypes.AuthorizationData] = []
    used = MESSAGE_OVERHEAD
    for entry in entries:
        length = len(orjson.dumps(entry.to_wire())) + 1
        too_big = size is not None and current and used + length > size
        if len(current) >= items or too_big:
            parts.append(current)
            current, used = [], MESSAGE_OVERHEAD
        current.append(entry)
        used += length
    if current:
        parts.append(current)
    return parts


async def _variable(
    session: Session, station_pk: int, name: str
) -> tuple[str | None, float | None]:
    """(Actual value, maxLimit) of a LocalAuthListCtrlr variable, as reported."""
    found = await DeviceModelRepository.from_session(session).get_variable(
        station_pk, CONTROLLER, VariableKey(name)
    )
    if found is None:
        return None, None
    actual = next((a.value for a in found.attributes if a.type == "Actual"), None)
    limit = found.characteristics.max_limit if found.characteristics is not None else None
    return actual, limit


def _positive(value: str | float | None) -> int | None:
    try:
        number = int(float(value)) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and number > 0 else None


local_lists = LocalListService()

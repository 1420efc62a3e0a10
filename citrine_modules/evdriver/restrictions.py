"""Where a token may be used: stations and locations, EVSE numbers, connector types (C01).

* A token limited to stations or locations, used anywhere else, is ``NotAtThisLocation``.
* A token limited to EVSE numbers gets those of the station in ``evseId``; if the station
  has none of them it is ``NotAtThisLocation`` (allowed at no EVSE here).
* A token limited to connector types may use the EVSEs with such a connector; if the station
  has none it is ``NotAllowedTypeEVSE``. A connector whose type the CSMS does not know does
  not count: a restriction an operator asked for is not waived for lack of data.
* Once the EVSE is known (a TransactionEvent), an EVSE outside the allowed ones is
  ``NotAllowedTypeEVSE``.

The station's inventory is read only for tokens that have such limits; the common token
costs no query here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import enums
from citrine_data import Session
from citrine_data.models import IdToken
from citrine_data.repositories import ChargingStationRepository

Status = enums.AuthorizationStatusEnum


@dataclass(frozen=True, slots=True)
class Place:
    """A station as the restrictions see it: its location and the connector types per EVSE."""

    station_id: str
    location_pk: int | None = None
    evses: dict[int, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Verdict:
    """``status`` None: allowed here, on ``evse_ids`` (None: on every EVSE)."""

    status: Status | None = None
    evse_ids: list[int] | None = None


def is_restricted(token: IdToken) -> bool:
    return any(
        limit is not None
        for limit in (
            token.allowed_station_ids,
            token.allowed_location_ids,
            token.allowed_evse_ids,
            token.allowed_connector_types,
        )
    )


async def load_place(session: Session, station: StationKey) -> Place:
    found = await ChargingStationRepository.from_session(session).get_detail(station)
    if found is None:
        return Place(station.station_id)
    evses = {
        evse.evse_id: frozenset(c.connector_type for c in evse.connectors if c.connector_type)
        for evse in found.evses
    }
    return Place(station.station_id, found.location_pk, evses)


def judge(token: IdToken, place: Place, evse_id: int | None) -> Verdict:
    if not _at_allowed_place(token, place):
        return Verdict(Status.NOT_AT_THIS_LOCATION)
    by_number = set(token.allowed_evse_ids) if token.allowed_evse_ids is not None else None
    by_type = _evses_of_allowed_type(token, place)
    if evse_id is not None:
        if any(allowed is not None and evse_id not in allowed for allowed in (by_number, by_type)):
            return Verdict(Status.NOT_ALLOWED_TYPE_EVSE)
        return Verdict(evse_ids=_listed(by_number, by_type, place))
    if by_type is not None and not by_type:
        return Verdict(Status.NOT_ALLOWED_TYPE_EVSE)
    if by_number is not None and place.evses and not by_number & set(place.evses):
        return Verdict(Status.NOT_AT_THIS_LOCATION)
    listed = _listed(by_number, by_type, place)
    if listed == []:  # the numbered EVSEs it may use have no connector of its types
        return Verdict(Status.NOT_ALLOWED_TYPE_EVSE)
    return Verdict(evse_ids=listed)


def _at_allowed_place(token: IdToken, place: Place) -> bool:
    stations, locations = token.allowed_station_ids, token.allowed_location_ids
    if stations is None and locations is None:
        return True
    return place.station_id in (stations or ()) or (
        place.location_pk is not None and place.location_pk in (locations or ())
    )


def _evses_of_allowed_type(token: IdToken, place: Place) -> set[int] | None:
    if token.allowed_connector_types is None:
        return None
    wanted = set(token.allowed_connector_types)
    return {evse_id for evse_id, types in place.evses.items() if types & wanted}


def _listed(by_number: set[int] | None, by_type: set[int] | None, place: Place) -> list[int] | None:
    """The EVSEs of this station the token may use, when it is limited to some."""
    if by_number is None and by_type is None:
        return None
    allowed = set(place.evses) if place.evses else None
    for limit in (by_number, by_type):
        if limit is not None:
            allowed = limit if allowed is None else allowed & limit
    return sorted(allowed or ())

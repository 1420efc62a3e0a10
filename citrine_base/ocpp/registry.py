"""What each OCPP action is: its request and response models and who may send it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from citrine_base.ocpp.model import OcppModel


class Direction(StrEnum):
    """Who sends the request of an action."""

    STATION_TO_CSMS = "StationToCsms"
    CSMS_TO_STATION = "CsmsToStation"
    BOTH = "Both"


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """One OCPP action: the name on the wire, its two payload models and its direction."""

    action: str
    request: type[OcppModel]
    response: type[OcppModel]
    direction: Direction

    @property
    def sent_by_station(self) -> bool:
        return self.direction is not Direction.CSMS_TO_STATION

    @property
    def sent_by_csms(self) -> bool:
        return self.direction is not Direction.STATION_TO_CSMS

"""Station security module (block A): station credentials over REST.

Handles: no OCPP action (stations authenticate at the handshake, ``server.station_auth``).
Sends: SetVariables ``SecurityCtrlr.BasicAuthPassword`` when an operator rotates a station's
password (A01), from its own endpoint.
"""

from __future__ import annotations

from fastapi import APIRouter

from citrine_modules.deps import CsmsModule, ModuleDeps
from citrine_modules.station_security.api import StationSecurityApi


class StationSecurityModule(CsmsModule):
    name = "station_security"

    def __init__(self, deps: ModuleDeps) -> None:
        super().__init__(deps)
        self.api = StationSecurityApi(deps)

    def routers(self) -> list[APIRouter]:
        return [self.api.router]

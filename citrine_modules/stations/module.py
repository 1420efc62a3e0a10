"""Stations module: the registry of tenants, locations and charging stations (REST only).

Handles: no OCPP action (the router registers stations as they connect, the configuration
module records what they say at boot).
"""

from __future__ import annotations

from fastapi import APIRouter

from citrine_modules.deps import CsmsModule
from citrine_modules.stations.api import router


class StationsModule(CsmsModule):
    name = "stations"

    def routers(self) -> list[APIRouter]:
        return [router]

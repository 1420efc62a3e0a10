"""REST: a station's credentials (admin scope). The password never comes back out."""

from __future__ import annotations

import structlog
from fastapi import APIRouter

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import Action, messages
from citrine_data import unit_of_work
from citrine_modules.deps import ModuleDeps
from citrine_modules.rest import Admin, Uow
from citrine_modules.station_api import TenantQuery, call_station
from citrine_modules.station_security.schemas import (
    CredentialsIn,
    CredentialsOut,
    RotateIn,
    RotateOut,
)
from citrine_modules.station_security.service import (
    APPLIED,
    attribute_status,
    checked_password,
    password_request,
    station_security,
)
from citrine_util.passwords import generate_password, hash_async

log = structlog.get_logger(__name__)

CREDENTIALS = "/stations/{station_id}/credentials"


class StationSecurityApi:
    def __init__(self, deps: ModuleDeps) -> None:
        self.deps = deps
        self.router = APIRouter(tags=["station security"])
        route = self.router.add_api_route
        route(CREDENTIALS, self.get_credentials, methods=["GET"])
        route(CREDENTIALS, self.set_credentials, methods=["PUT"])
        route(f"{CREDENTIALS}/rotate", self.rotate, methods=["POST"])

    async def get_credentials(
        self, station_id: str, principal: Admin, uow: Uow, tenant: TenantQuery = None
    ) -> CredentialsOut:
        """Whether the station has a password, and its minimum security profile."""
        key = StationKey(principal.tenant_for(tenant), station_id)
        return CredentialsOut.of(station_id, await station_security.get_or_raise(uow.session, key))

    async def set_credentials(
        self,
        station_id: str,
        body: CredentialsIn,
        principal: Admin,
        uow: Uow,
        tenant: TenantQuery = None,
    ) -> CredentialsOut:
        """Set the password the station was given out of band (its first one, typically; any
        previous one stops working) and/or its minimum security profile."""
        key = StationKey(principal.tenant_for(tenant), station_id)
        password_hash = None
        if body.password is not None:
            password_hash = await hash_async(checked_password(body.password.get_secret_value()))
        record = await station_security.set_credentials(
            uow.session, key, password_hash, body.minimum_security_profile
        )
        log.info("station.credentials_set", station_id=station_id, by=principal.name)
        return CredentialsOut.of(station_id, record)

    async def rotate(
        self, station_id: str, body: RotateIn, principal: Admin, tenant: TenantQuery = None
    ) -> RotateOut:
        """Give the connected station a new password (A01): SetVariables
        SecurityCtrlr.BasicAuthPassword, stored once the station accepted it."""
        key = StationKey(principal.tenant_for(tenant), station_id)
        async with unit_of_work(self.deps.sessions) as uow:
            await station_security.get_or_raise(uow.session, key)
        secret = body.password.get_secret_value() if body.password else generate_password()
        password_hash = await hash_async(checked_password(secret))
        response = await call_station(
            self.deps.commands,
            key,
            Action.SET_VARIABLES,
            password_request(secret),
            messages.SetVariablesResponse,
        )
        status = attribute_status(response)
        async with unit_of_work(self.deps.sessions) as uow:
            if status in APPLIED:
                record = await station_security.rotated(uow.session, key, password_hash)
            else:
                record = await station_security.get_or_raise(uow.session, key)
        stored = status in APPLIED
        log.info("station.password_rotation", station_id=station_id, status=status.value)
        return RotateOut(
            attribute_status=status.value,
            stored=stored,
            credentials=CredentialsOut.of(station_id, record),
        )

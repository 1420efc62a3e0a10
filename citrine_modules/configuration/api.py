"""REST: a station's boot settings (create, read, replace, delete, accept) and the network
profiles it accepted."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from citrine_base.interfaces.envelope import StationKey
from citrine_data import unit_of_work
from citrine_modules.commands import CommandError
from citrine_modules.configuration.network import network_profiles
from citrine_modules.configuration.provisioning import Provisioning
from citrine_modules.configuration.schemas import (
    AcceptOut,
    BootConfigIn,
    BootConfigOut,
    NetworkProfileOut,
    TriggerOut,
)
from citrine_modules.configuration.settings import boot_settings
from citrine_modules.deps import ModuleDeps
from citrine_modules.rest import Admin, Operator, Reader, Uow

TenantQuery = Annotated[
    str | None, Query(alias="tenantId", description="For platform operators: the tenant")
]
BOOT_CONFIG = "/stations/{station_id}/boot-config"


class ConfigurationApi:
    def __init__(self, deps: ModuleDeps, provisioning: Provisioning) -> None:
        self.deps = deps
        self.provisioning = provisioning
        self.router = APIRouter(tags=["provisioning"])
        route = self.router.add_api_route
        route(BOOT_CONFIG, self.get_boot_config, methods=["GET"])
        route(BOOT_CONFIG, self.create_boot_config, methods=["POST"], status_code=201)
        route(BOOT_CONFIG, self.replace_boot_config, methods=["PUT"])
        route(BOOT_CONFIG, self.delete_boot_config, methods=["DELETE"], status_code=204)
        route(f"{BOOT_CONFIG}/accept", self.accept, methods=["POST"])
        route("/stations/{station_id}/network-profiles", self.list_profiles, methods=["GET"])

    async def get_boot_config(
        self, station_id: str, principal: Reader, uow: Uow, tenant: TenantQuery = None
    ) -> BootConfigOut:
        """The station's own boot settings (404: it has none, the system default applies)."""
        key = StationKey(principal.tenant_for(tenant), station_id)
        return BootConfigOut.of(await boot_settings.get_or_raise(uow.session, key))

    async def create_boot_config(
        self,
        station_id: str,
        body: BootConfigIn,
        principal: Admin,
        uow: Uow,
        tenant: TenantQuery = None,
    ) -> BootConfigOut:
        """Give the station boot settings of its own (409 when it has some)."""
        key = StationKey(principal.tenant_for(tenant), station_id)
        return BootConfigOut.of(await boot_settings.create(uow.session, key, body))

    async def replace_boot_config(
        self,
        station_id: str,
        body: BootConfigIn,
        principal: Admin,
        uow: Uow,
        tenant: TenantQuery = None,
    ) -> BootConfigOut:
        """Create or replace the station's boot settings; they apply from its next boot."""
        key = StationKey(principal.tenant_for(tenant), station_id)
        return BootConfigOut.of(await boot_settings.replace(uow.session, key, body))

    async def delete_boot_config(
        self, station_id: str, principal: Admin, uow: Uow, tenant: TenantQuery = None
    ) -> Response:
        """Drop the station's settings: the system default applies from its next boot."""
        key = StationKey(principal.tenant_for(tenant), station_id)
        await boot_settings.delete(uow.session, key)
        return Response(status_code=204)

    async def accept(
        self, station_id: str, principal: Operator, tenant: TenantQuery = None
    ) -> AcceptOut:
        """Accept a station (a Pending one, typically) and ask it to boot again at once
        (TriggerMessage BootNotification) so that it learns it (TC_B_31_CSMS)."""
        key = StationKey(principal.tenant_for(tenant), station_id)
        async with unit_of_work(self.deps.sessions) as uow:  # committed before the trigger
            boot, registration = await boot_settings.accept(uow.session, key)
        trigger = None
        if registration != "Accepted":
            triggered = await self.provisioning.trigger_boot(key)
            error = None
            if triggered.problem is not None:
                error = CommandError(
                    code=triggered.problem.code, description=triggered.problem.description
                )
            trigger = TriggerOut(status=triggered.status, error=error)
        return AcceptOut(boot_config=BootConfigOut.of(boot), trigger=trigger)

    async def list_profiles(
        self, station_id: str, principal: Reader, uow: Uow, tenant: TenantQuery = None
    ) -> list[NetworkProfileOut]:
        """The network connection profiles the station accepted (SetNetworkProfile), by slot."""
        key = StationKey(principal.tenant_for(tenant), station_id)
        station = await boot_settings.station_or_raise(uow.session, key)
        return [
            NetworkProfileOut.of(p) for p in await network_profiles.list(uow.session, station.id)
        ]

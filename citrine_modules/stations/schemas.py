"""REST bodies of the station registry."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from citrine_data.models import ChargingStation, Connector, Evse, Location, Tenant
from citrine_modules.rest import ApiModel

TENANT_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
IDENTITY_PATTERN = r"^[A-Za-z0-9*\-_=+|@.]{1,48}$"


class TenantIn(ApiModel):
    id: str = Field(pattern=TENANT_PATTERN, examples=["acme"])
    name: str = Field(min_length=1, max_length=255, examples=["Acme Charging"])


class TenantOut(ApiModel):
    id: str
    name: str
    created_at: datetime

    @classmethod
    def of(cls, tenant: Tenant) -> TenantOut:
        return cls.model_validate(tenant)


class LocationIn(ApiModel):
    name: str = Field(min_length=1, max_length=255, examples=["Depot North"])
    address: str | None = Field(default=None, max_length=255)
    city: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=20)
    state: str | None = Field(default=None, max_length=100)
    country: str | None = Field(default=None, min_length=2, max_length=3, examples=["NL"])
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    time_zone: str | None = Field(default=None, max_length=64, examples=["Europe/Amsterdam"])
    grid_connection_limit_amps: float | None = Field(
        default=None, gt=0, description="The site's grid connection, shared by its stations"
    )


class LocationOut(LocationIn):
    id: int
    tenant_id: str

    @classmethod
    def of(cls, location: Location) -> LocationOut:
        return cls.model_validate(location)


class StationIn(ApiModel):
    """Provision a station before it connects (needed when unknown stations are refused)."""

    station_id: str = Field(pattern=IDENTITY_PATTERN, examples=["CS-0001"])
    location_id: int | None = None
    minimum_security_profile: int = Field(default=0, ge=0, le=3)


class StationUpdate(ApiModel):
    location_id: int | None = None
    minimum_security_profile: int | None = Field(default=None, ge=0, le=3)


class ConnectorOut(ApiModel):
    connector_id: int
    connector_type: str | None
    status: str | None = None
    status_at: datetime | None = None

    @classmethod
    def of(cls, connector: Connector) -> ConnectorOut:
        latest = connector.latest_status
        return cls(
            connector_id=connector.connector_id,
            connector_type=connector.connector_type,
            status=latest.status if latest else None,
            status_at=latest.status_at if latest else None,
        )


class EvseOut(ApiModel):
    evse_id: int
    connectors: list[ConnectorOut]

    @classmethod
    def of(cls, evse: Evse) -> EvseOut:
        return cls(
            evse_id=evse.evse_id, connectors=[ConnectorOut.of(item) for item in evse.connectors]
        )


class StationOut(ApiModel):
    station_id: str
    tenant_id: str
    vendor_name: str | None
    model: str | None
    serial_number: str | None
    firmware_version: str | None
    location_id: int | None
    protocol: str | None
    is_online: bool
    last_seen_at: datetime | None
    last_boot_at: datetime | None
    registration_status: str | None
    minimum_security_profile: int

    @classmethod
    def of(cls, station: ChargingStation) -> StationOut:
        return cls.model_validate(
            {**_columns(station), "location_id": station.location_pk}, from_attributes=False
        )


class StationDetail(StationOut):
    evses: list[EvseOut]

    @classmethod
    def of(cls, station: ChargingStation) -> StationDetail:
        return cls.model_validate(
            {
                **_columns(station),
                "location_id": station.location_pk,
                "evses": [EvseOut.of(evse) for evse in station.evses],
            },
            from_attributes=False,
        )


def _columns(station: ChargingStation) -> dict[str, object]:
    return {
        column.key: getattr(station, column.key) for column in ChargingStation.__table__.columns
    }

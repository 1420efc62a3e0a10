"""REST bodies of the smart charging data endpoints (camelCase on the wire)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from citrine_data.models import (
    ChargingProfile,
    ChargingProfileReport,
    EvChargingNeeds,
    ExternalChargingLimit,
    ManagedProfile,
)
from citrine_modules.rest import ApiModel
from citrine_modules.smart_charging.convert import ocpp_profile
from citrine_modules.smart_charging.schedule import ComputedSchedule
from citrine_modules.smart_charging.site import Share

SHARING_RULE = (
    "equal shares per phase among the running transactions, none above its EVSE's maximum "
    "(what a capped EVSE cannot use goes to the others); below 6 A per transaction the newest "
    "transactions are paused; shares rounded down to 0.1 A"
)


class ProfileOut(ApiModel):
    evse_id: int
    source: str = Field(description="csms: set by the CSMS; station: reported by the station")
    status: str | None = Field(description="The station's answer to SetChargingProfile")
    charging_limit_source: str
    charging_profile: dict[str, Any] = Field(description="The ChargingProfileType, as sent")
    updated_at: datetime

    @classmethod
    def of(cls, row: ChargingProfile) -> ProfileOut:
        return cls(
            evse_id=row.evse_id,
            source=row.source.value,
            status=row.status,
            charging_limit_source=row.charging_limit_source,
            charging_profile=ocpp_profile(row).to_wire(),
            updated_at=row.updated_at,
        )


class ComputedScheduleOut(ApiModel):
    schedule: dict[str, Any] = Field(description="A CompositeScheduleType")
    unlimited_periods: list[int] = Field(
        description="startPeriod of the periods no stored profile limits"
    )
    assumptions: list[str]

    @classmethod
    def of(cls, computed: ComputedSchedule) -> ComputedScheduleOut:
        return cls(
            schedule=computed.schedule.to_wire(),
            unlimited_periods=computed.unlimited_periods,
            assumptions=computed.assumptions,
        )


class ExternalLimitOut(ApiModel):
    evse_id: int
    source: str
    is_grid_critical: bool | None
    schedules: list[dict[str, Any]] | None
    updated_at: datetime

    @classmethod
    def of(cls, row: ExternalChargingLimit) -> ExternalLimitOut:
        return cls.model_validate(row)


class NeedsOut(ApiModel):
    evse_id: int
    transaction_id: str | None
    status: str = Field(description="What the CSMS answered: Accepted, Processing, Rejected")
    needs: dict[str, Any] = Field(description="The ChargingNeedsType")
    max_schedule_tuples: int | None
    received_at: datetime
    ev_schedule: dict[str, Any] | None
    ev_schedule_time_base: datetime | None
    ev_schedule_status: str | None

    @classmethod
    def of(cls, row: EvChargingNeeds) -> NeedsOut:
        return cls.model_validate(row)


class ReportOut(ApiModel):
    request_id: int
    evse_id: int | None
    criteria: dict[str, Any] | None
    status: str
    parts_received: int
    requested_at: datetime
    completed_at: datetime | None

    @classmethod
    def of(cls, row: ChargingProfileReport) -> ReportOut:
        return cls.model_validate(row)


class ShareOut(ApiModel):
    station_id: str
    transaction_id: str
    evse_id: int | None
    share_amps: float
    profile_id: int | None = Field(description="The CSMS's TxProfile for the transaction")
    status: str | None = Field(description="The station's answer to it (None: waiting)")
    sent_at: datetime | None
    sent_schedule: dict[str, Any] | None


class SiteOut(ApiModel):
    location_id: int
    grid_connection_limit_amps: float | None
    sharing_rule: str = SHARING_RULE
    transactions: list[ShareOut]

    @classmethod
    def of(
        cls,
        location_id: int,
        limit: float | None,
        shares: list[Share],
        managed: dict[tuple[int, str], ManagedProfile],
    ) -> SiteOut:
        items = []
        for share in shares:
            row = managed.get((share.station_pk, share.transaction_id))
            items.append(
                ShareOut(
                    station_id=share.station.station_id,
                    transaction_id=share.transaction_id,
                    evse_id=share.evse_id,
                    share_amps=share.share_amps,
                    profile_id=row.profile_id if row else None,
                    status=row.status if row else None,
                    sent_at=row.sent_at if row else None,
                    sent_schedule=row.schedule if row else None,
                )
            )
        return cls(location_id=location_id, grid_connection_limit_amps=limit, transactions=items)

"""REST bodies of the EVDriver module: id tokens, reservations, remote starts, local lists."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, Field, field_validator

from citrine_base.ocpp.v201 import enums
from citrine_data.models import IdToken, RemoteStart, Reservation
from citrine_modules.rest import ApiModel

TOKEN_EXAMPLE = {"idToken": "04A2B3C4D5E6F7", "type": "ISO14443"}
STORED_STATUSES = (
    "Accepted",
    "Blocked",
    "Expired",
    "Invalid",
    "NoCredit",
    "NotAtThisTime",
)
"""Statuses a token may hold here; the others are decided per use (ConcurrentTx, ...)."""

EvseId = Annotated[int, Field(ge=1)]


class IdTokenRef(ApiModel):
    """An OCPP IdToken: its value (case insensitive) and its type."""

    id_token: str = Field(min_length=1, max_length=36, examples=["04A2B3C4D5E6F7"])
    type: enums.IdTokenEnum = Field(examples=["ISO14443"])


class MessageContentIn(ApiModel):
    format: enums.MessageFormatEnum = enums.MessageFormatEnum.UTF8
    language: str | None = Field(default=None, max_length=8, examples=["en"])
    content: str = Field(min_length=1, max_length=512, examples=["Welcome back!"])


class AdditionalInfoIn(ApiModel):
    additional_id_token: str = Field(min_length=1, max_length=36)
    type: str = Field(min_length=1, max_length=50)


class IdTokenIn(ApiModel):
    """A token's IdTokenInfo and where it may be used. Lists left out mean no limit."""

    status: str = Field(default="Accepted", examples=["Accepted"], description=str(STORED_STATUSES))
    cache_expiry_date_time: AwareDatetime | None = Field(
        default=None, description="After this the token is Expired"
    )
    charging_priority: int | None = Field(default=None, ge=-9, le=9)
    language1: str | None = Field(default=None, max_length=8)
    language2: str | None = Field(default=None, max_length=8)
    personal_message: MessageContentIn | None = None
    group_id_token: IdTokenRef | None = Field(
        default=None, description="The group (fleet) token; it must exist", examples=[None]
    )
    allowed_station_ids: list[str] | None = Field(default=None, examples=[["CS-0001"]])
    allowed_location_ids: list[int] | None = None
    allowed_evse_ids: list[EvseId] | None = Field(default=None, examples=[[1, 2]])
    allowed_connector_types: list[enums.ConnectorEnum] | None = None
    is_master_pass: bool = Field(default=False, description="Stops any transaction, starts none")
    allow_concurrent_tx: bool = False
    in_local_list: bool = Field(default=False, description="Sent to stations' local lists")
    additional_info: list[AdditionalInfoIn] | None = None

    @field_validator("status")
    @classmethod
    def _stored_status(cls, value: str) -> str:
        if value not in STORED_STATUSES:
            raise ValueError(f"status must be one of {', '.join(STORED_STATUSES)}")
        return value

    @field_validator(
        "allowed_station_ids", "allowed_location_ids", "allowed_evse_ids", "allowed_connector_types"
    )
    @classmethod
    def _empty_is_no_limit(cls, value: list[Any] | None) -> list[Any] | None:
        # An empty evseId list means every EVSE in OCPP; an empty limit here means the same.
        return value or None


class IdTokenImportItem(IdTokenIn):
    id_token: str = Field(min_length=1, max_length=36)
    type: enums.IdTokenEnum


class IdTokenImport(ApiModel):
    tokens: list[IdTokenImportItem] = Field(min_length=1, max_length=10_000)


class ImportOut(ApiModel):
    imported: int


class IdTokenOut(IdTokenImportItem):
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, token: IdToken) -> IdTokenOut:
        group = token.group
        return cls.model_validate(
            {
                "id_token": token.id_token,
                "type": token.type,
                "status": token.status,
                "cache_expiry_date_time": token.cache_expiry_at,
                "charging_priority": token.charging_priority,
                "language1": token.language1,
                "language2": token.language2,
                "personal_message": token.personal_message,
                "group_id_token": {"id_token": group.id_token, "type": group.type}
                if group
                else None,
                "allowed_station_ids": token.allowed_station_ids,
                "allowed_location_ids": token.allowed_location_ids,
                "allowed_evse_ids": token.allowed_evse_ids,
                "allowed_connector_types": token.allowed_connector_types,
                "is_master_pass": token.is_master_pass,
                "allow_concurrent_tx": token.allow_concurrent_tx,
                "in_local_list": token.in_local_list,
                "additional_info": token.additional_info,
                "created_at": token.created_at,
                "updated_at": token.updated_at,
            },
            from_attributes=False,
        )


class ReservationIn(ApiModel):
    """Reserve an EVSE (or any EVSE, or one with a connector type) for a token."""

    station_id: str = Field(examples=["CS-0001"])
    id: int | None = Field(
        default=None,
        ge=0,
        description="Reservation id; chosen by the CSMS when left out. An id in use replaces "
        "that reservation (H01.FR.02)",
    )
    expiry_date_time: AwareDatetime
    id_token: IdTokenRef = Field(examples=[TOKEN_EXAMPLE])
    group_id_token: IdTokenRef | None = Field(
        default=None, description="Defaults to the token's group, when it has one"
    )
    evse_id: EvseId | None = None
    connector_type: enums.ConnectorEnum | None = None


class ReservationOut(ApiModel):
    station_id: str
    reservation_id: int
    status: str
    status_reason: str | None
    holding: bool
    expiry_date_time: datetime
    id_token: IdTokenRef
    group_id_token: IdTokenRef | None
    evse_id: int | None
    connector_type: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, reservation: Reservation, now: datetime) -> ReservationOut:
        group = reservation.group_id_token
        return cls.model_validate(
            {
                "station_id": reservation.station.station_id,
                "reservation_id": reservation.reservation_id,
                "status": reservation.status,
                "status_reason": reservation.status_reason,
                "holding": reservation.status in ("requested", "Accepted")
                and reservation.expiry_at > now,
                "expiry_date_time": reservation.expiry_at,
                "id_token": {"id_token": reservation.id_token, "type": reservation.id_token_type},
                "group_id_token": {"id_token": group, "type": reservation.group_id_token_type}
                if group
                else None,
                "evse_id": reservation.evse_id,
                "connector_type": reservation.connector_type,
                "created_at": reservation.created_at,
                "updated_at": reservation.updated_at,
            },
            from_attributes=False,
        )


class CommandOut(ApiModel):
    """The station's answer to the CALL the endpoint sent (its OCPP response payload)."""

    station_id: str
    answer: dict[str, Any] = Field(examples=[{"status": "Accepted"}])


class ReserveOut(CommandOut):
    reservation_id: int


class RemoteStartIn(ApiModel):
    """Ask a station to start a transaction for a token (F01, F02)."""

    station_id: str = Field(examples=["CS-0001"])
    id_token: IdTokenRef = Field(examples=[TOKEN_EXAMPLE])
    evse_id: EvseId | None = None
    group_id_token: IdTokenRef | None = Field(
        default=None, description="Defaults to the token's group, when it has one"
    )
    remote_start_id: int | None = Field(
        default=None, description="Chosen by the CSMS when left out (recommended)"
    )
    charging_profile: dict[str, Any] | None = Field(
        default=None, description="An OCPP ChargingProfile with purpose TxProfile"
    )


class RemoteStartOut(ApiModel):
    station_id: str
    remote_start_id: int
    status: str
    status_reason: str | None
    id_token: IdTokenRef
    group_id_token: IdTokenRef | None
    evse_id: int | None
    transaction_id: str | None
    requested_at: datetime
    answered_at: datetime | None

    @classmethod
    def of(cls, start: RemoteStart) -> RemoteStartOut:
        group = start.group_id_token
        return cls.model_validate(
            {
                "station_id": start.station.station_id,
                "remote_start_id": start.remote_start_id,
                "status": start.status,
                "status_reason": start.status_reason,
                "id_token": {"id_token": start.id_token, "type": start.id_token_type},
                "group_id_token": {"id_token": group, "type": start.group_id_token_type}
                if group
                else None,
                "evse_id": start.evse_id,
                "transaction_id": start.transaction_id,
                "requested_at": start.requested_at,
                "answered_at": start.answered_at,
            },
            from_attributes=False,
        )


class RemoteStartSent(CommandOut):
    remote_start_id: int


class RemoteStopIn(ApiModel):
    station_id: str = Field(examples=["CS-0001"])
    transaction_id: str = Field(min_length=1, max_length=36)


class LocalListPushIn(ApiModel):
    update_type: enums.UpdateEnum = Field(
        default=enums.UpdateEnum.DIFFERENTIAL,
        description="Differential sends what changed (a full list when the CSMS is unsure "
        "what the station holds)",
    )


class LocalListPushOut(ApiModel):
    station_id: str
    status: str = Field(
        description="The station's last answer, or Unchanged", examples=["Accepted"]
    )
    update_type: str | None
    version: int | None
    messages: int
    entries: int
    full_resent: bool


class LocalListOut(ApiModel):
    station_id: str
    version: int | None = Field(description="The version the station holds, as far as known")
    reported_version: int | None
    reported_at: datetime | None
    synced_at: datetime | None
    needs_full: bool
    entries: int


class LocalListEntryOut(ApiModel):
    id_token: str
    type: str
    authorization_data: dict[str, Any]

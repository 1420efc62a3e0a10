"""REST bodies of the certificates module. Private keys never appear in any of them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from citrine_base.ocpp.v201 import enums
from citrine_modules.rest import ApiModel


class CertificateOut(ApiModel):
    id: int
    certificate_type: str
    pem: str
    serial_number: str
    issuer: str
    subject: str
    not_before: datetime
    not_after: datetime


class RenewIn(ApiModel):
    """A02: ask the station for a new CSR (TriggerMessage SignChargingStationCertificate or
    SignV2GCertificate), or for both at once (SignCombinedCertificate)."""

    certificate_type: enums.CertificateSigningUseEnum = Field(
        default=enums.CertificateSigningUseEnum.CHARGING_STATION_CERTIFICATE,
        examples=["ChargingStationCertificate"],
    )
    combined: bool = Field(
        default=False,
        description="Renew the station certificate and the V2G certificate together "
        "(SignCombinedCertificate: the station sends a CSR for each); certificateType is "
        "then ignored",
    )


class InstallIn(ApiModel):
    """M05: a CA certificate for the station to trust."""

    certificate_type: enums.InstallCertificateUseEnum = Field(examples=["CSMSRootCertificate"])
    certificate: str = Field(
        min_length=1, max_length=5500, description="PEM of one X.509 certificate"
    )


class RefreshIn(ApiModel):
    """M03: which types to ask for; none means all."""

    certificate_type: list[enums.GetCertificateIdUseEnum] | None = Field(
        default=None, min_length=1, examples=[["CSMSRootCertificate"]]
    )


class InstalledOut(ApiModel):
    id: int
    certificate_type: str
    hash_algorithm: str
    issuer_name_hash: str
    issuer_key_hash: str
    serial_number: str
    updated_at: datetime


class SigningOut(ApiModel):
    id: int
    certificate_type: str | None
    status: str
    reason: str | None
    certificate_pk: int | None = Field(serialization_alias="certificateId")
    delivery_status: str | None
    delivery_info: str | None
    created_at: datetime


class OperationOut(ApiModel):
    id: int
    action: str
    certificate_type: str | None
    hash_data: dict[str, Any] | None
    status: str
    status_info: dict[str, Any] | None
    created_at: datetime

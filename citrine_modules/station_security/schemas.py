"""REST bodies of station credentials (basic-auth passwords, minimum security profile)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr

from citrine_data.repositories.credentials import StationAuthRecord
from citrine_modules.rest import ApiModel
from citrine_util.passwords import MAX_LENGTH, MIN_LENGTH

Password = Annotated[
    SecretStr,
    Field(
        min_length=MIN_LENGTH,
        max_length=MAX_LENGTH,
        description="16-64 printable ASCII characters; stored only as a salted hash",
        examples=["9Zk2mQ7rT4vX8bN1pL6sW3yA"],
    ),
]


class CredentialsIn(ApiModel):
    """Set the password the station already holds (configured on it out of band)."""

    password: Password | None = Field(default=None, description="None: keep the current one")
    minimum_security_profile: int | None = Field(
        default=None, ge=0, le=3, description="Lowest profile it may connect with (no downgrade)"
    )


class RotateIn(ApiModel):
    """A new password for the station (A01): generated when not given."""

    password: Password | None = None


class CredentialsOut(ApiModel):
    station_id: str
    minimum_security_profile: int
    password_set: bool
    previous_password_accepted: bool = Field(
        description="The password before the last rotation still opens a connection, until "
        "the station first connects with the new one"
    )

    @classmethod
    def of(cls, station_id: str, record: StationAuthRecord) -> CredentialsOut:
        return cls(
            station_id=station_id,
            minimum_security_profile=record.minimum_security_profile,
            password_set=record.password_hash is not None,
            previous_password_accepted=record.previous_hash is not None,
        )


class RotateOut(ApiModel):
    attribute_status: str = Field(description="The station's SetVariables attributeStatus")
    stored: bool = Field(description="Whether the new password is now the station's")
    credentials: CredentialsOut

"""Station credentials: the basic-auth password (stored as a hash) and the minimum profile.

A rotation (A01) writes the new password on the station (SetVariables
``SecurityCtrlr.BasicAuthPassword``) and stores its hash only once the station answered
Accepted (or RebootRequired: it holds the value); the old hash stays valid as
``previous_hash`` until the station first connects with the new one (``server.station_auth``),
so a station that reconnects before it applied the change is not locked out. Any other answer
keeps the current password (A01.FR.04).
"""

from __future__ import annotations

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import datatypes, enums, messages
from citrine_data import Session
from citrine_data.repositories import ChargingStationRepository, StationCredentialRepository
from citrine_data.repositories.credentials import StationAuthRecord
from citrine_modules.rest import NotFoundError, Unprocessable
from citrine_util.passwords import PasswordRefused, check_password

APPLIED = frozenset(
    {enums.SetVariableStatusEnum.ACCEPTED, enums.SetVariableStatusEnum.REBOOT_REQUIRED}
)


def checked_password(password: str) -> str:
    try:
        check_password(password)
    except PasswordRefused as refused:
        raise Unprocessable(str(refused)) from None
    return password


def password_request(password: str) -> messages.SetVariablesRequest:
    return messages.SetVariablesRequest(
        set_variable_data=[
            datatypes.SetVariableData(
                attribute_value=password,
                component=datatypes.Component(name="SecurityCtrlr"),
                variable=datatypes.Variable(name="BasicAuthPassword"),
            )
        ]
    )


def attribute_status(response: messages.SetVariablesResponse) -> enums.SetVariableStatusEnum:
    results = response.set_variable_result
    if len(results) != 1:
        raise Unprocessable(f"The station answered {len(results)} results for one variable")
    return results[0].attribute_status


class StationSecurityService:
    async def get_or_raise(self, session: Session, key: StationKey) -> StationAuthRecord:
        record = await StationCredentialRepository.from_session(session).auth_record(key)
        if record is None:
            raise NotFoundError(f"No station {key.station_id}")
        return record

    async def set_credentials(
        self,
        session: Session,
        key: StationKey,
        password_hash: str | None,
        minimum_security_profile: int | None,
    ) -> StationAuthRecord:
        record = await self.get_or_raise(session, key)
        if password_hash is not None:
            credentials = StationCredentialRepository.from_session(session)
            await credentials.replace_password_hash(record.station_pk, password_hash)
        if minimum_security_profile is not None:
            station = await ChargingStationRepository.from_session(session).get_by_key(key)
            if station is not None:
                station.minimum_security_profile = minimum_security_profile
                await session.flush()
        return await self.get_or_raise(session, key)

    async def rotated(
        self, session: Session, key: StationKey, password_hash: str
    ) -> StationAuthRecord:
        """The station holds the new password: its hash is current, the old one previous."""
        record = await self.get_or_raise(session, key)
        credentials = StationCredentialRepository.from_session(session)
        await credentials.set_password_hash(record.station_pk, password_hash)
        return await self.get_or_raise(session, key)


station_security = StationSecurityService()

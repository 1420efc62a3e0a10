"""B01.FR.11/12: on security profile 3 the serial number in the station certificate's CN must
be the one the station reports in BootNotification; on a mismatch the CSMS closes the socket.

The handshake (``server.station_auth``) passes the CN in ``Admission.certificate_serial``;
every BootNotification of that connection is compared with it.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

import structlog

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.model import OcppModel
from citrine_base.ocpp.v201 import messages
from citrine_data import DataError, unit_of_work
from citrine_modules.deps import ModuleDeps
from citrine_util.networking import StationConnection
from citrine_util.networking.connection import CLOSE_POLICY
from citrine_util.security_events import announce_security_event, record_security_event

log = structlog.get_logger(__name__)

EVENT_TYPE = "InvalidChargingStationCertificate"


class SerialBinding:
    def __init__(self, deps: ModuleDeps) -> None:
        self.deps = deps
        self._serials: dict[StationKey, str] = {}

    def bind(self, station: StationKey, serial: str | None) -> None:
        if serial is None:
            self._serials.pop(station, None)
        else:
            self._serials[station] = serial

    def forget(self, station: StationKey) -> None:
        self._serials.pop(station, None)

    async def holds(self, connection: StationConnection, request: OcppModel) -> bool:
        """Whether the boot ``request`` matches the certificate; if not, the event is stored
        and the connection closed."""
        expected = self._serials.get(connection.station)
        if expected is None or not isinstance(request, messages.BootNotificationRequest):
            return True
        found = request.charging_station.serial_number
        if found == expected:
            return True
        reason = f"BootNotification serialNumber {found!r} is not the certificate's CN {expected!r}"
        log.warning("station.serial_mismatch", station_id=connection.station.station_id)
        await self._record(connection.station, reason)
        await connection.close(CLOSE_POLICY, "Serial number does not match the certificate")
        return False

    async def _record(self, station: StationKey, reason: str) -> None:
        try:
            async with unit_of_work(self.deps.sessions) as uow:
                event = await record_security_event(
                    uow.session, station, EVENT_TYPE, reason, datetime.now(UTC)
                )
                if event is not None:
                    announce = functools.partial(announce_security_event, self.deps.broker, event)
                    uow.after_commit(announce)
        except DataError as exc:
            log.warning(
                "station.security_event_lost", station_id=station.station_id, error=str(exc)
            )

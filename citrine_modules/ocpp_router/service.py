"""The station registry as the router sees it: who may connect, online state, last seen.

One database round trip when a station connects and one when it disconnects; between the two,
"last seen" is kept in memory and written for every station at once on an interval
(``PresenceBook``), never per message.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from citrine_base.config import UnknownStationPolicy
from citrine_base.interfaces.envelope import StationKey
from citrine_data import Session
from citrine_data.repositories import BootConfigRepository, ChargingStationRepository
from citrine_data.repositories.boot_config import BootSettings
from citrine_modules.ocpp_router.boot_gate import Registration

PROTOCOL = "ocpp2.0.1"


@dataclass(frozen=True, slots=True)
class Admission:
    """A station let in: its registration as remembered from earlier connections."""

    registration: Registration
    minimum_security_profile: int
    registered_now: bool
    # Profile 3: the serial number in the certificate's CN, which BootNotification must carry.
    certificate_serial: str | None = None


class StationRegistryService:
    async def admit(
        self, session: Session, key: StationKey, policy: UnknownStationPolicy
    ) -> Admission | None:
        """Let ``key`` connect and mark it online, or None when it must be refused.

        An unknown identity is registered unless the policy refuses it; under the
        ``pending`` policy its boot configuration answers Pending until an operator accepts.
        """
        stations = ChargingStationRepository.from_session(session)
        now = datetime.now(UTC)
        known = await stations.connect(key, now, PROTOCOL)
        if known is not None:
            return Admission(
                registration=Registration.of(known.registration_status),
                minimum_security_profile=known.minimum_security_profile,
                registered_now=False,
            )
        if policy is UnknownStationPolicy.REFUSE:
            return None
        station = await stations.create(key)
        if policy is UnknownStationPolicy.PENDING:
            await BootConfigRepository.from_session(session).upsert(
                station.id, BootSettings(status=Registration.PENDING.value)
            )
        await stations.set_online(key, now, protocol=PROTOCOL)
        return Admission(
            registration=Registration.NONE,
            minimum_security_profile=station.minimum_security_profile,
            registered_now=True,
        )

    async def disconnected(self, session: Session, key: StationKey) -> None:
        await ChargingStationRepository.from_session(session).set_offline(key, datetime.now(UTC))

    async def write_last_seen(self, session: Session, seen: dict[StationKey, float]) -> int:
        stations = ChargingStationRepository.from_session(session)
        return await stations.mark_seen_many(
            (key, datetime.fromtimestamp(at, UTC)) for key, at in seen.items()
        )


registry_service = StationRegistryService()


class PresenceBook:
    """When each station held here last sent a frame (G02.FR.04: any message is a sign of
    life). ``touch`` is one dict store; ``take`` hands the batch to the writer."""

    def __init__(self) -> None:
        self._seen: dict[StationKey, float] = {}

    def touch(self, key: StationKey) -> None:
        self._seen[key] = time.time()

    def take(self) -> dict[StationKey, float]:
        seen, self._seen = self._seen, {}
        return seen

"""The boot state gate (B01-B03): what a station may send, and be sent, before it is Accepted.

=====================  ==========================================  ===========================
registration           the station may send                        the CSMS may send
=====================  ==========================================  ===========================
never booted           BootNotification                            TriggerMessage (to boot it)
Pending                BootNotification, NotifyReport, and what a  GetVariables, SetVariables,
                       TriggerMessage asked for (B02.FR.01)        GetBaseReport, GetReport,
                                                                   TriggerMessage,
                                                                   CertificateSigned (A02)
Rejected               BootNotification                            nothing (B03.FR.03)
Accepted               everything                                  everything
=====================  ==========================================  ===========================

Any other station CALL is answered SecurityError (B02.FR.09, B03.FR.07, TC_B_30_CSMS). The
state is remembered across reconnects: it is read from the station's record when it
connects, because a station does not boot again on every reconnect (OCPP-J §5.3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from citrine_base.ocpp.v201 import Action, enums


class Registration(StrEnum):
    NONE = "None"  # no BootNotification answered yet
    ACCEPTED = enums.RegistrationStatusEnum.ACCEPTED.value
    PENDING = enums.RegistrationStatusEnum.PENDING.value
    REJECTED = enums.RegistrationStatusEnum.REJECTED.value

    @classmethod
    def of(cls, status: str | None) -> Registration:
        return cls(status) if status in {member.value for member in cls} else cls.NONE


_TRIGGERED_ACTION: dict[str, str] = {
    enums.MessageTriggerEnum.SIGN_CHARGING_STATION_CERTIFICATE: Action.SIGN_CERTIFICATE,
    enums.MessageTriggerEnum.SIGN_V2G_CERTIFICATE: Action.SIGN_CERTIFICATE,
    enums.MessageTriggerEnum.SIGN_COMBINED_CERTIFICATE: Action.SIGN_CERTIFICATE,
}

_PENDING_FROM_STATION = frozenset({Action.BOOT_NOTIFICATION, Action.NOTIFY_REPORT})
_PENDING_TO_STATION = frozenset(
    {
        Action.GET_VARIABLES,
        Action.SET_VARIABLES,
        Action.GET_BASE_REPORT,
        Action.GET_REPORT,
        Action.TRIGGER_MESSAGE,
        Action.CERTIFICATE_SIGNED,
    }
)


def triggered_action(requested_message: str) -> str:
    """The action a station sends when asked by TriggerMessage for ``requested_message``."""
    return _TRIGGERED_ACTION.get(requested_message, requested_message)


@dataclass(slots=True)
class BootGate:
    """The gate of one connection."""

    registration: Registration = Registration.NONE
    triggered: set[str] = field(default_factory=set)

    def refuses_from_station(self, action: str) -> str | None:
        """Why a station CALL of ``action`` is refused now, or None when it may pass."""
        if self.registration is Registration.ACCEPTED or action == Action.BOOT_NOTIFICATION:
            return None
        if self.registration is Registration.PENDING:
            if action in _PENDING_FROM_STATION:
                return None
            if action in self.triggered:  # kept until the next boot: one trigger may
                return None  # bring several messages (a StatusNotification per connector)
            return f"{action} is not allowed while the boot is Pending"
        if self.registration is Registration.REJECTED:
            return f"{action} is not allowed: the station's boot was Rejected"
        return f"{action} is not allowed before a BootNotification was answered"

    def refuses_to_station(self, action: str) -> str | None:
        """Why the CSMS may not send ``action`` now, or None when it may."""
        if self.registration is Registration.ACCEPTED:
            return None
        if self.registration is Registration.PENDING and action in _PENDING_TO_STATION:
            return None
        if self.registration is Registration.NONE and action == Action.TRIGGER_MESSAGE:
            return None
        return f"{action} cannot be sent while the station's registration is {self.registration}"

    def booted(self, status: str) -> None:
        self.registration = Registration.of(status)
        self.triggered.clear()

    def trigger_sent(self, requested_message: str) -> None:
        if self.registration is not Registration.ACCEPTED:
            self.triggered.add(triggered_action(requested_message))

"""The OCPP 2.0.1 security events (Appendices, ``security_events.csv``) and which are critical.

A station queues critical events until they are delivered; the CSMS raises them as operator
alerts. Types outside the list are allowed (``type`` is a free string of 50 characters) and
are not critical.
"""

from __future__ import annotations

CRITICAL_SECURITY_EVENTS: frozenset[str] = frozenset(
    {
        "FirmwareUpdated",
        "SettingSystemTime",
        "StartupOfTheDevice",
        "ResetOrReboot",
        "SecurityLogWasCleared",
        "MemoryExhaustion",
        "TamperDetectionActivated",
        "InvalidFirmwareSignature",
        "InvalidFirmwareSigningCertificate",
        "InvalidCsmsCertificate",
        "InvalidChargingStationCertificate",
        "InvalidTLSVersion",
        "InvalidTLSCipherSuite",
        "MaintenanceLoginAccepted",
        "MaintenanceLoginFailed",
    }
)

NON_CRITICAL_SECURITY_EVENTS: frozenset[str] = frozenset(
    {
        "FailedToAuthenticateAtCsms",
        "CsmsFailedToAuthenticate",
        "ReconfigurationOfSecurityParameters",
        "InvalidMessages",
        "AttemptedReplayAttacks",
    }
)


def is_critical(event_type: str) -> bool:
    return event_type in CRITICAL_SECURITY_EVENTS

"""All ORM models, imported here so that ``Base.metadata`` knows every table.

Naming: ``*_id`` columns hold identifiers that mean something outside the database (OCPP ids
such as ``station_id``, ``evse_id``, ``transaction_id``, and the tenant slug); ``*_pk`` columns
are foreign keys to our surrogate integer keys (``station_pk`` -> ``charging_stations.id``).
"""

from citrine_data.models.authorization import IdToken, LocalListEntry, LocalListVersion
from citrine_data.models.boot import BootConfig
from citrine_data.models.certificate import Certificate, InstalledCertificate
from citrine_data.models.credentials import ApiKey, StationCredential
from citrine_data.models.device_model import (
    Component,
    Report,
    ReportPart,
    Variable,
    VariableAttribute,
    VariableCharacteristics,
)
from citrine_data.models.display_message import DisplayMessage
from citrine_data.models.file_transfer import FirmwareRequest, LogRequest
from citrine_data.models.location import Location
from citrine_data.models.message_log import Direction, OcppMessageLog
from citrine_data.models.meter import MeterValue, SampledValue
from citrine_data.models.monitoring import EventRecord, VariableMonitor
from citrine_data.models.network_profile import NetworkProfile
from citrine_data.models.reservation import Reservation
from citrine_data.models.security_event import SecurityEvent
from citrine_data.models.smart_charging import (
    ChargingProfile,
    ChargingSchedule,
    ChargingSchedulePeriod,
    ProfileSource,
)
from citrine_data.models.station import ChargingStation, Connector, Evse, StationSequence
from citrine_data.models.status import ConnectorStatusHistory, ConnectorStatusLatest
from citrine_data.models.subscription import WebhookSubscription
from citrine_data.models.tariff import Tariff
from citrine_data.models.tenant import Tenant
from citrine_data.models.transaction import Transaction, TransactionEvent, TransactionState

__all__ = [
    "ApiKey",
    "BootConfig",
    "Certificate",
    "ChargingProfile",
    "ChargingSchedule",
    "ChargingSchedulePeriod",
    "ChargingStation",
    "Component",
    "Connector",
    "ConnectorStatusHistory",
    "ConnectorStatusLatest",
    "Direction",
    "DisplayMessage",
    "EventRecord",
    "Evse",
    "FirmwareRequest",
    "IdToken",
    "InstalledCertificate",
    "LocalListEntry",
    "LocalListVersion",
    "Location",
    "LogRequest",
    "MeterValue",
    "NetworkProfile",
    "OcppMessageLog",
    "ProfileSource",
    "Report",
    "ReportPart",
    "Reservation",
    "SampledValue",
    "SecurityEvent",
    "StationCredential",
    "StationSequence",
    "Tariff",
    "Tenant",
    "Transaction",
    "TransactionEvent",
    "TransactionState",
    "Variable",
    "VariableAttribute",
    "VariableCharacteristics",
    "VariableMonitor",
    "WebhookSubscription",
]

"""All ORM models, imported here so that ``Base.metadata`` knows every table.

Naming: ``*_id`` columns hold identifiers that mean something outside the database (OCPP ids
such as ``station_id``, ``evse_id``, ``transaction_id``, and the tenant slug); ``*_pk`` columns
are foreign keys to our surrogate integer keys (``station_pk`` -> ``charging_stations.id``).
"""

from citrine_data.models.authorization import IdToken, LocalListEntry, LocalListVersion
from citrine_data.models.boot import BootConfig
from citrine_data.models.certificate import (
    Certificate,
    CertificateOperation,
    CertificateSigning,
    InstalledCertificate,
)
from citrine_data.models.credentials import ApiKey, StationCredential
from citrine_data.models.customer_information import (
    CustomerInformationPart,
    CustomerInformationRequest,
)
from citrine_data.models.device_model import (
    Component,
    Report,
    ReportPart,
    Variable,
    VariableAttribute,
    VariableCharacteristics,
)
from citrine_data.models.display_message import DisplayMessage, DisplayMessageReport
from citrine_data.models.file_transfer import (
    FirmwareFile,
    FirmwarePublication,
    FirmwareRequest,
    LogRequest,
)
from citrine_data.models.location import Location
from citrine_data.models.message_log import Direction, OcppMessageLog
from citrine_data.models.meter import MeterValue, SampledValue
from citrine_data.models.monitoring import EventRecord, MonitoringReport, VariableMonitor
from citrine_data.models.network_profile import NetworkProfile
from citrine_data.models.remote_start import RemoteStart
from citrine_data.models.reservation import Reservation
from citrine_data.models.security_event import SecurityEvent
from citrine_data.models.smart_charging import (
    ChargingProfile,
    ChargingProfileReport,
    ChargingSchedule,
    ChargingSchedulePeriod,
    EvChargingNeeds,
    ExternalChargingLimit,
    ManagedProfile,
    ProfileSource,
)
from citrine_data.models.station import ChargingStation, Connector, Evse, StationSequence
from citrine_data.models.status import ConnectorStatusHistory, ConnectorStatusLatest
from citrine_data.models.subscription import WebhookSubscription
from citrine_data.models.tariff import Tariff
from citrine_data.models.tenant import Tenant
from citrine_data.models.transaction import (
    EndedBy,
    Transaction,
    TransactionEvent,
    TransactionState,
)

__all__ = [
    "ApiKey",
    "BootConfig",
    "Certificate",
    "CertificateOperation",
    "CertificateSigning",
    "ChargingProfile",
    "ChargingProfileReport",
    "ChargingSchedule",
    "ChargingSchedulePeriod",
    "ChargingStation",
    "Component",
    "Connector",
    "ConnectorStatusHistory",
    "ConnectorStatusLatest",
    "CustomerInformationPart",
    "CustomerInformationRequest",
    "Direction",
    "DisplayMessage",
    "DisplayMessageReport",
    "EndedBy",
    "EvChargingNeeds",
    "EventRecord",
    "Evse",
    "ExternalChargingLimit",
    "FirmwareFile",
    "FirmwarePublication",
    "FirmwareRequest",
    "IdToken",
    "InstalledCertificate",
    "LocalListEntry",
    "LocalListVersion",
    "Location",
    "LogRequest",
    "ManagedProfile",
    "MeterValue",
    "MonitoringReport",
    "NetworkProfile",
    "OcppMessageLog",
    "ProfileSource",
    "RemoteStart",
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

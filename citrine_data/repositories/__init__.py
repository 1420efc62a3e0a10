"""One repository per aggregate, bound to a session: ``XRepository.from_session(session)``.

Methods take domain arguments, flush but never commit, and raise ``citrine_data.errors``.
"""

from citrine_data.repositories.authorization import IdTokenRepository, LocalListRepository
from citrine_data.repositories.base import DEFAULT_LIMIT, MAX_LIMIT, Page, Repository
from citrine_data.repositories.boot_config import BootConfigRepository
from citrine_data.repositories.certificate import (
    CertificateOperationRepository,
    CertificateRepository,
    CertificateSigningRepository,
    InstalledCertificateRepository,
)
from citrine_data.repositories.charging_state import (
    EvChargingNeedsRepository,
    ExternalLimitRepository,
    ManagedProfileRepository,
    SiteRepository,
)
from citrine_data.repositories.credentials import ApiKeyRepository, StationCredentialRepository
from citrine_data.repositories.customer_information import CustomerInformationRepository
from citrine_data.repositories.device_model import DeviceModelRepository
from citrine_data.repositories.device_model_batch import DeviceModelBatchRepository
from citrine_data.repositories.display_message import DisplayMessageRepository
from citrine_data.repositories.file_transfer import FileTransferRepository
from citrine_data.repositories.firmware_file import FirmwareFileRepository
from citrine_data.repositories.location import LocationRepository
from citrine_data.repositories.message_log import MessageLogRepository
from citrine_data.repositories.meter import MeterValueRepository
from citrine_data.repositories.monitoring import MonitoringRepository
from citrine_data.repositories.network_profile import NetworkProfileRepository
from citrine_data.repositories.remote_start import RemoteStartRepository
from citrine_data.repositories.report import ReportRepository
from citrine_data.repositories.reservation import ReservationRepository
from citrine_data.repositories.security_event import SecurityEventRepository
from citrine_data.repositories.smart_charging import (
    ChargingProfileReportRepository,
    ChargingProfileRepository,
)
from citrine_data.repositories.station import ChargingStationRepository
from citrine_data.repositories.status import ConnectorStatusRepository
from citrine_data.repositories.subscription import SubscriptionRepository
from citrine_data.repositories.tariff import TariffRepository
from citrine_data.repositories.tenant import TenantRepository
from citrine_data.repositories.transaction import TransactionRepository

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "ApiKeyRepository",
    "BootConfigRepository",
    "CertificateOperationRepository",
    "CertificateRepository",
    "CertificateSigningRepository",
    "ChargingProfileReportRepository",
    "ChargingProfileRepository",
    "ChargingStationRepository",
    "ConnectorStatusRepository",
    "CustomerInformationRepository",
    "DeviceModelBatchRepository",
    "DeviceModelRepository",
    "DisplayMessageRepository",
    "EvChargingNeedsRepository",
    "ExternalLimitRepository",
    "FileTransferRepository",
    "FirmwareFileRepository",
    "IdTokenRepository",
    "InstalledCertificateRepository",
    "LocalListRepository",
    "LocationRepository",
    "ManagedProfileRepository",
    "MessageLogRepository",
    "MeterValueRepository",
    "MonitoringRepository",
    "NetworkProfileRepository",
    "Page",
    "RemoteStartRepository",
    "ReportRepository",
    "Repository",
    "ReservationRepository",
    "SecurityEventRepository",
    "SiteRepository",
    "StationCredentialRepository",
    "SubscriptionRepository",
    "TariffRepository",
    "TenantRepository",
    "TransactionRepository",
]

"""The smaller per-station aggregates: meter values, reservations, profiles, tariffs,
certificates, security events, display messages, file transfers, subscriptions, credentials."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from citrine_data.errors import Conflict, IntegrityViolation, InvalidValue
from citrine_data.models import ChargingStation, ProfileSource, Tenant
from citrine_data.repositories.certificate import (
    CertificateData,
    CertificateHash,
    CertificateRepository,
    InstalledCertificateRepository,
)
from citrine_data.repositories.credentials import ApiKeyRepository, StationCredentialRepository
from citrine_data.repositories.display_message import DisplayMessageData, DisplayMessageRepository
from citrine_data.repositories.file_transfer import FileTransferRepository, FirmwareData
from citrine_data.repositories.meter import MeterValueRepository, SampledValueData
from citrine_data.repositories.reservation import ReservationData, ReservationRepository
from citrine_data.repositories.security_event import SecurityEventRepository
from citrine_data.repositories.smart_charging import (
    ChargingProfileRepository,
    PeriodData,
    ProfileData,
    ScheduleData,
)
from citrine_data.repositories.subscription import SubscriptionData, SubscriptionRepository
from citrine_data.repositories.tariff import TariffData, TariffRepository
from citrine_data.repositories.transaction import TransactionRepository, TransactionStart

T0 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


async def test_meter_values(session: AsyncSession, station: ChargingStation) -> None:
    transaction = await TransactionRepository(session).create(
        station.id, TransactionStart(transaction_id="tx", started_at=T0)
    )
    repository = MeterValueRepository(session)
    samples = [
        SampledValueData(value=1234.5, unit="Wh"),
        SampledValueData(value=11.0, measurand="Power.Active.Import", phase="L1"),
    ]
    await repository.add(
        station.id, evse_id=1, timestamp=T0, sampled_values=samples, transaction_pk=transaction.id
    )
    await repository.add(station.id, evse_id=0, timestamp=T0, sampled_values=samples[:1])
    session.expunge_all()
    [value] = await repository.list_for_transaction(transaction.id)
    assert [(s.measurand, s.value) for s in value.sampled_values] == [
        ("Energy.Active.Import.Register", 1234.5),
        ("Power.Active.Import", 11.0),
    ]
    assert len(await repository.list_for_station(station.id, since=T0)) == 2


async def test_reservations(session: AsyncSession, station: ChargingStation) -> None:
    repository = ReservationRepository(session)
    data = ReservationData(
        reservation_id=1,
        expiry_at=T0 + timedelta(minutes=30),
        id_token="A",
        id_token_type="ISO14443",
        evse_id=1,
    )
    await repository.create(station.id, data)
    with pytest.raises(Conflict):
        await repository.create(station.id, data)
    assert len(await repository.list_holding(station.id, at=T0)) == 1
    assert await repository.set_status(station.id, 1, "Cancelled")
    assert await repository.list_holding(station.id, at=T0) == []


async def test_charging_profiles(session: AsyncSession, station: ChargingStation) -> None:
    repository = ChargingProfileRepository(session)

    def profile(limit: float) -> ProfileData:
        schedule = ScheduleData(
            schedule_id=1,
            charging_rate_unit="A",
            periods=[
                PeriodData(start_period=0, limit=limit),
                PeriodData(start_period=3600, limit=8),
            ],
        )
        return ProfileData(
            profile_id=10,
            stack_level=1,
            purpose="TxDefaultProfile",
            kind="Absolute",
            source=ProfileSource.CSMS,
            schedules=[schedule],
            evse_id=1,
        )

    await repository.replace(station.id, profile(16))
    await repository.replace(station.id, profile(32))  # same id replaces, no conflict
    session.expunge_all()
    [stored] = await repository.list(station.id, evse_id=1)
    assert [(p.start_period, p.limit) for p in stored.schedules[0].periods] == [
        (0, 32.0),
        (3600, 8.0),
    ]
    assert stored.source is ProfileSource.CSMS
    assert await repository.delete(station.id, 10)
    assert await repository.get(station.id, 10) is None


async def test_tariff_specificity(
    session: AsyncSession, tenant: Tenant, station: ChargingStation
) -> None:
    repository = TariffRepository(session)
    wide = await repository.create(
        tenant.id, TariffData(currency="EUR", price_per_kwh=Decimal("0.30"))
    )
    at_station = await repository.create(
        tenant.id, TariffData(currency="EUR", price_per_kwh=Decimal("0.40"), station_pk=station.id)
    )
    at_evse = await repository.create(
        tenant.id,
        TariffData(
            currency="EUR",
            price_per_kwh=Decimal("0.50"),
            station_pk=station.id,
            evse_id=2,
            valid_to=T0,
        ),
    )
    assert await repository.find_applicable(tenant.id, station.id, 1, T0) is at_station
    assert (
        await repository.find_applicable(tenant.id, station.id, 2, T0 - timedelta(days=1))
        is at_evse
    )
    assert await repository.find_applicable(tenant.id, station.id, 2, T0) is at_station  # expired
    assert await repository.find_applicable(tenant.id, station.id + 1000, None, T0) is wide
    with pytest.raises(IntegrityViolation):  # an EVSE tariff must name its station
        await repository.create(tenant.id, TariffData(currency="EUR", evse_id=1))


async def test_certificates(
    session: AsyncSession, tenant: Tenant, station: ChargingStation
) -> None:
    repository = CertificateRepository(session)
    data = CertificateData(
        certificate_type="CSMSRootCertificate",
        pem="-----BEGIN CERTIFICATE-----",
        serial_number="0a",
        issuer="CN=Root",
        subject="CN=Root",
        not_before=T0,
        not_after=T0 + timedelta(days=365),
    )
    await repository.add(tenant.id, data)
    with pytest.raises(Conflict):
        await repository.add(tenant.id, data)
    assert await repository.get(tenant.id, "CN=Root", "0a") is not None
    assert len(await repository.expiring_before(T0 + timedelta(days=400))) == 1

    installed = InstalledCertificateRepository(session)
    hash_data = CertificateHash(
        hash_algorithm="SHA256", issuer_name_hash="aa", issuer_key_hash="bb", serial_number="0a"
    )
    await installed.record(station.id, "CSMSRootCertificate", hash_data)
    await installed.record(station.id, "CSMSRootCertificate", hash_data)  # idempotent
    assert len(await installed.list(station.id)) == 1
    await installed.replace_all(station.id, [])
    assert await installed.list(station.id) == []


async def test_security_events_and_display_messages(
    session: AsyncSession, station: ChargingStation
) -> None:
    events = SecurityEventRepository(session)
    for minutes in range(3):
        await events.add(
            station.id, type="StartupOfTheDevice", timestamp=T0 + timedelta(minutes=minutes)
        )
    page = await events.list(station.id, since=T0 + timedelta(minutes=1))
    assert page.total == 2

    messages = DisplayMessageRepository(session)
    await messages.upsert(
        station.id,
        DisplayMessageData(message_id=1, priority="NormalCycle", format="UTF8", content="Hi"),
    )
    await messages.upsert(
        station.id,
        DisplayMessageData(message_id=1, priority="AlwaysFront", format="UTF8", content="Hello"),
    )
    [message] = await messages.list(station.id)
    assert (message.priority, message.content) == ("AlwaysFront", "Hello")
    assert await messages.delete(station.id) == 1


async def test_firmware_status_history(session: AsyncSession, station: ChargingStation) -> None:
    repository = FileTransferRepository(session)
    request = await repository.create_firmware_request(
        station.id, FirmwareData(request_id=5, location="https://fw.example/1.bin", retrieve_at=T0)
    )
    await repository.record_status(request, "Downloading", T0)
    await repository.record_status(request, "Installed", T0 + timedelta(minutes=5))
    session.expunge_all()
    latest = await repository.latest_firmware_request(station.id)
    assert latest is not None
    assert latest.status == "Installed"
    assert [entry["status"] for entry in latest.status_history] == ["Downloading", "Installed"]


async def test_subscriptions(
    session: AsyncSession, tenant: Tenant, station: ChargingStation
) -> None:
    repository = SubscriptionRepository(session)
    await repository.create(tenant.id, SubscriptionData(url="https://hooks.example/all"))
    await repository.create(
        tenant.id,
        SubscriptionData(
            url="https://hooks.example/cs1", station_pk=station.id, events=["TransactionEvent"]
        ),
    )
    assert len(await repository.list_for_station(tenant.id, station.id)) == 2
    assert len(await repository.list_for_station(tenant.id, station.id + 1000)) == 1


async def test_station_password_rotation(session: AsyncSession, station: ChargingStation) -> None:
    repository = StationCredentialRepository(session)
    await repository.set_password_hash(station.id, "hash-1")
    rotated = await repository.set_password_hash(station.id, "hash-2")
    assert (rotated.password_hash, rotated.previous_hash) == ("hash-2", "hash-1")
    await repository.forget_previous(station.id)
    current = await repository.get(station.id)
    assert current is not None
    assert current.previous_hash is None


async def test_api_keys(session: AsyncSession, tenant: Tenant) -> None:
    repository = ApiKeyRepository(session)
    key = await repository.create(
        tenant.id, name="ops", key_prefix="ck_1234", key_hash="h1", scopes=["read"]
    )
    assert await repository.get_usable_by_hash("h1", at=T0) is key
    with pytest.raises(Conflict):
        await repository.create(
            tenant.id, name="ops", key_prefix="ck_5678", key_hash="h2", scopes=[]
        )
    assert await repository.revoke(tenant.id, "ops", T0)
    assert await repository.get_usable_by_hash("h1", at=T0) is None


async def test_a_number_beyond_the_column_is_invalid_value(session: AsyncSession) -> None:
    # A REST id like 10**25 reaches the driver: sqlite3 overflows, PostgreSQL refuses int32.
    repository = ApiKeyRepository(session)
    with pytest.raises(InvalidValue):
        await repository.get(10**25)
    if repository.dialect_name == "postgresql":  # an INTEGER column there is 32 bits
        with pytest.raises(InvalidValue):
            await repository.get(2**40)

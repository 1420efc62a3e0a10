"""Charging profiles: checked before they are sent, stored with the station's answer, cleared,
and kept in step with what the station reports (K01, K09, K10)."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import structlog

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import datatypes, enums, messages
from citrine_data import Session
from citrine_data.models import ChargingProfileReport, ProfileSource
from citrine_data.repositories import (
    ChargingProfileReportRepository,
    ChargingProfileRepository,
    ChargingStationRepository,
    ManagedProfileRepository,
    TransactionRepository,
)
from citrine_data.repositories.smart_charging import ProfileFilter
from citrine_modules.smart_charging.capabilities import station_capabilities
from citrine_modules.smart_charging.composite import EXTERNAL, TX
from citrine_modules.smart_charging.convert import profile_data, stored_engine_profile
from citrine_modules.smart_charging.rules import ProfileContext, check_profile

log = structlog.get_logger(__name__)

ACCEPTED = "Accepted"


async def station_pk(session: Session, key: StationKey) -> int:
    """The station's row id; ``NotFound`` (404 over REST) for an unknown station."""
    return (await ChargingStationRepository.from_session(session).get_by_key_or_raise(key)).id


async def profile_context(
    session: Session, pk: int, now: datetime, *, reserve_managed: bool = True
) -> ProfileContext:
    """What the rules need to know about the station, in four queries.

    ``reserve_managed`` False is for the CSMS's own managed profiles, which may replace
    themselves and must not be refused for being managed."""
    running = {
        item.transaction_id: item.evse_id
        for item in await TransactionRepository.from_session(session).list_active(pk)
    }
    installed = []
    for row in await ChargingProfileRepository.from_session(session).list_installed(pk):
        profile = stored_engine_profile(row)
        # A TxProfile ends with its transaction: the station has dropped it.
        if profile is not None and (profile.purpose != TX or profile.transaction_id in running):
            installed.append(profile)
    managed = {}
    if reserve_managed:
        rows = await ManagedProfileRepository.from_session(session).list_for_stations([pk])
        managed = {row.transaction_id: row.profile_id for row in rows}
    return ProfileContext(
        now=now,
        capabilities=await station_capabilities(session, pk),
        installed=installed,
        running=running,
        managed=managed,
    )


def _reserved_id(profile: datatypes.ChargingProfile, context: ProfileContext) -> list[str]:
    for transaction_id, profile_id in context.managed.items():
        if profile.id == profile_id and profile.transaction_id != transaction_id:
            return [
                f"profile id {profile.id} is the CSMS's own profile of transaction "
                f"{transaction_id}; choose another id"
            ]
    return []


class ProfileService:
    """Stateless: the rules and the bookkeeping of charging profiles."""

    async def check_set(
        self, session: Session, key: StationKey, request: messages.SetChargingProfileRequest
    ) -> list[str]:
        context = await profile_context(session, await station_pk(session, key), _now())
        profile = request.charging_profile
        return [
            *check_profile(request.evse_id, profile, context),
            *_reserved_id(profile, context),
        ]

    async def set_answered(
        self,
        session: Session,
        key: StationKey,
        request: messages.SetChargingProfileRequest,
        response: messages.SetChargingProfileResponse | None,
        error: str | None,
    ) -> bool:
        """Store the profile with the station's answer (``error``: it did not answer);
        True when it is one of the CSMS's managed profiles."""
        pk = await station_pk(session, key)
        profile = request.charging_profile
        managed = ManagedProfileRepository.from_session(session)
        if response is None:
            log.warning("charging_profile.not_set", station_id=key.station_id, error=error)
            return await managed.set_status(pk, profile.id, (error or "error")[:20])
        status = response.status.value
        is_managed = await managed.set_status(pk, profile.id, status)
        profiles = ChargingProfileRepository.from_session(session)
        if status != ACCEPTED:
            existing = await profiles.get(pk, profile.id)
            if existing is not None and (
                existing.status == ACCEPTED or existing.source is ProfileSource.STATION
            ):
                return is_managed  # a refused replacement leaves the installed one in place
        data = profile_data(request.evse_id, profile, source=ProfileSource.CSMS, status=status)
        await profiles.replace(pk, data)
        return is_managed

    async def remote_start_answered(
        self,
        session: Session,
        key: StationKey,
        request: messages.RequestStartTransactionRequest,
        response: messages.RequestStartTransactionResponse,
    ) -> None:
        """A RequestStartTransaction with a TxProfile (K05, TC_K_37): the station installs
        the profile when it accepts; store it for the EVSE and transaction."""
        profile = request.charging_profile
        if profile is None or response.status.value != ACCEPTED or not request.evse_id:
            return
        transaction_id = response.transaction_id or profile.transaction_id
        profile = profile.model_copy(update={"transaction_id": transaction_id})
        data = profile_data(request.evse_id, profile, source=ProfileSource.CSMS, status=ACCEPTED)
        await ChargingProfileRepository.from_session(session).replace(
            await station_pk(session, key), data
        )

    def check_clear(self, request: messages.ClearChargingProfileRequest) -> list[str]:
        criteria = request.charging_profile_criteria
        if request.charging_profile_id is None and criteria is None:
            return [
                "give chargingProfileId or chargingProfileCriteria (an empty criteria object "
                "clears every profile the CSMS may clear)"
            ]
        purpose = criteria.charging_profile_purpose if criteria else None
        if purpose is not None and purpose.value == EXTERNAL:
            return [
                "ChargingStationExternalConstraints profiles belong to external systems; the "
                "CSMS never clears them (K10.FR.06)"
            ]
        if criteria is not None and criteria.evse_id is not None and criteria.evse_id < 0:
            return [f"evseId {criteria.evse_id} is negative"]
        return []

    async def check_clear_stored(
        self, session: Session, key: StationKey, request: messages.ClearChargingProfileRequest
    ) -> list[str]:
        problems = self.check_clear(request)
        if problems or request.charging_profile_id is None:
            return problems
        stored = await ChargingProfileRepository.from_session(session).get(
            await station_pk(session, key), request.charging_profile_id
        )
        if stored is not None and stored.purpose == EXTERNAL:
            return [
                f"profile {stored.profile_id} is a ChargingStationExternalConstraints profile; "
                "the CSMS never clears it (K10.FR.06)"
            ]
        return []

    async def clear_answered(
        self,
        session: Session,
        key: StationKey,
        request: messages.ClearChargingProfileRequest,
        response: messages.ClearChargingProfileResponse,
    ) -> None:
        """Accepted: the matching profiles are gone. Unknown: the station had none of them,
        so the CSMS's copies were stale; they go too."""
        pk = await station_pk(session, key)
        criteria = request.charging_profile_criteria
        which = ProfileFilter(
            profile_ids=(
                [request.charging_profile_id] if request.charging_profile_id is not None else None
            ),
            evse_id=criteria.evse_id if criteria else None,
            purpose=(
                criteria.charging_profile_purpose.value
                if criteria and criteria.charging_profile_purpose
                else None
            ),
            stack_level=criteria.stack_level if criteria else None,
            exclude_purpose=EXTERNAL,
        )
        cleared = await ChargingProfileRepository.from_session(session).delete_matching(pk, which)
        await ManagedProfileRepository.from_session(session).forget_profiles(pk, cleared)
        log.info(
            "charging_profile.cleared",
            station_id=key.station_id,
            status=response.status.value,
            profiles=cleared,
        )

    async def prepare_report(
        self, session: Session, key: StationKey, request: messages.GetChargingProfilesRequest
    ) -> None:
        """Record the request before it is sent: its reports may come before its answer.
        ``Conflict`` (409) when the station already has a report with this requestId."""
        await ChargingProfileReportRepository.from_session(session).start(
            await station_pk(session, key),
            request.request_id,
            evse_id=request.evse_id,
            criteria=request.charging_profile.to_wire(),
            requested_at=_now(),
        )

    async def report_answered(
        self,
        session: Session,
        key: StationKey,
        request: messages.GetChargingProfilesRequest,
        status: str,
    ) -> None:
        """The answer to GetChargingProfiles; NoProfiles means the CSMS's matching copies
        are stale."""
        pk = await station_pk(session, key)
        reports = ChargingProfileReportRepository.from_session(session)
        report = await reports.get(pk, request.request_id)
        if report is None:
            report = await reports.start(
                pk,
                request.request_id,
                evse_id=request.evse_id,
                criteria=request.charging_profile.to_wire(),
                requested_at=_now(),
            )
        if report.status == "complete":
            return
        if status == enums.GetChargingProfileStatusEnum.NO_PROFILES.value:
            await reports.set_status(report, status, completed_at=_now())
            await self._drop_unreported(session, pk, report)
        else:
            await reports.set_status(report, status[:20])

    async def report_received(
        self, session: Session, key: StationKey, request: messages.ReportChargingProfilesRequest
    ) -> None:
        """Store a part of a report (paged with tbc); at the last part, drop stored profiles
        that match the request but were not reported."""
        pk = await station_pk(session, key)
        profiles = ChargingProfileRepository.from_session(session)
        source = request.charging_limit_source.value
        for profile in request.charging_profile:
            data = profile_data(
                request.evse_id,
                profile,
                source=ProfileSource.STATION,
                status=None,
                limit_source=source,
            )
            await profiles.replace(pk, data)
        reports = ChargingProfileReportRepository.from_session(session)
        report = await reports.get(pk, request.request_id)
        if report is None:  # a report the CSMS did not ask for, or forgot: store, never sync
            report = await reports.start(
                pk, request.request_id, evse_id=None, criteria=None, requested_at=_now()
            )
        seen = [(request.evse_id, profile.id) for profile in request.charging_profile]
        await reports.record_part(report, seen, to_be_continued=bool(request.tbc), at=_now())
        if not request.tbc:
            await self._drop_unreported(session, pk, report)

    async def _drop_unreported(
        self, session: Session, pk: int, report: ChargingProfileReport
    ) -> None:
        if report.criteria is None:
            return
        criterion = datatypes.ChargingProfileCriterion.model_validate_json(_json(report.criteria))
        which = ProfileFilter(
            evse_id=report.evse_id,
            purpose=(
                criterion.charging_profile_purpose.value
                if criterion.charging_profile_purpose
                else None
            ),
            stack_level=criterion.stack_level,
            profile_ids=criterion.charging_profile_id,
            limit_sources=(
                [source.value for source in criterion.charging_limit_source]
                if criterion.charging_limit_source
                else None
            ),
        )
        keep = [(pair[0], pair[1]) for pair in report.seen]
        dropped = await ChargingProfileRepository.from_session(session).delete_matching(
            pk, which, keep=keep
        )
        if dropped:
            log.info("charging_profile.not_on_station", station_pk=pk, profiles=dropped)
            await ManagedProfileRepository.from_session(session).forget_profiles(pk, dropped)


def _json(value: object) -> bytes:
    return orjson.dumps(value)


def _now() -> datetime:
    return datetime.now(UTC)


profile_service = ProfileService()

"""What REST endpoints that talk to a station share: sending a CALL and turning its failure
into an HTTP answer, finding the station, and reading OCPP-shaped bodies.

::

    ApiError
    ├── StationOffline      404  not connected
    ├── StationNotReady     409  its boot is not Accepted: only provisioning CALLs pass
    ├── StationBusy         429  too many CALLs already wait for it
    ├── StationFailed       502  it answered a CALLERROR, or an answer its schema refuses
    ├── CommandFailed       503  the CSMS could not deliver the CALL
    └── StationTimeout      504  it did not answer in time
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Protocol, TypeVar

import orjson
from fastapi import Query
from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from citrine_base.interfaces.envelope import StationKey
from citrine_base.interfaces.module import CommandSender
from citrine_base.ocpp.model import OcppModel
from citrine_base.ocpp.v201 import datatypes
from citrine_base.rpc import errors
from citrine_data import Conflict, Session, SessionFactory, unit_of_work
from citrine_data.models import ChargingStation
from citrine_data.repositories import ChargingStationRepository
from citrine_modules.rest import ApiError, ApiModel, ConflictError, NotFoundError

R = TypeVar("R", bound=OcppModel)
M = TypeVar("M", bound=OcppModel)
Rec = TypeVar("Rec")

REQUEST_ID_SEQUENCE = "request_id"
"""The station's counter that request ids (GetMonitoringReport, CustomerInformation,
GetDisplayMessages, ...) are drawn from, so that no two requests of a station share one."""
REQUEST_ID_ATTEMPTS = 20
T = TypeVar("T")
Res = TypeVar("Res")


class StationOffline(NotFoundError):
    outcome: ClassVar[str] = "local:offline"


class StationNotReady(ConflictError):
    outcome: ClassVar[str] = "local:not_accepted"


class StationBusy(ApiError):
    status = 429
    outcome: ClassVar[str] = "local:queue_full"


class StationFailed(ApiError):
    status = 502
    outcome: ClassVar[str] = "error"


class CommandFailed(ApiError):
    status = 503
    outcome: ClassVar[str] = "local:failed"


class StationTimeout(ApiError):
    status = 504
    outcome: ClassVar[str] = "local:timeout"


def outcome_of(failure: ApiError) -> str:
    """What is recorded for a request whose CALL failed: ``local:<why>`` as result handlers
    see it, or ``error`` for a CALLERROR."""
    return str(getattr(failure, "outcome", "local:failed"))


def _api_error(failure: errors.CallFailed) -> ApiError:
    if isinstance(failure, errors.CallTimeout):
        return StationTimeout(str(failure) or "The station did not answer in time")
    if isinstance(failure, errors.StationOffline):
        return StationOffline(str(failure) or "The station is not connected")
    if isinstance(failure, errors.StationNotAccepted):
        return StationNotReady(str(failure))
    if isinstance(failure, errors.CommandQueueFull):
        return StationBusy(str(failure))
    if isinstance(failure, errors.ResponseInvalid):
        return StationFailed(f"The station's answer is invalid: {failure}")
    return CommandFailed(str(failure) or "The CALL could not be delivered")


async def call_station(
    commands: CommandSender,
    station: StationKey,
    action: str,
    request: OcppModel,
    response_type: type[R],
    *,
    timeout: float | None = None,
) -> R:
    """The station's answer to ``request``, or the ``ApiError`` of why there is none."""
    try:
        response = await commands.call(station, action, request, timeout=timeout)
    except errors.OcppError as error:
        raise StationFailed(
            f"The station answered {action} with {error.code.value}: {error.description}"
        ) from None
    except errors.CallFailed as failure:
        raise _api_error(failure) from None
    if not isinstance(response, response_type):
        raise StationFailed(f"{action} was answered with {type(response).__name__}")
    return response


async def station_or_404(session: Session, key: StationKey) -> ChargingStation:
    station = await ChargingStationRepository.from_session(session).get_by_key(key)
    if station is None:
        raise NotFoundError(f"No station {key.station_id}")
    return station


def ocpp_json(model: type[M]) -> Callable[[Any], M]:
    """A ``BeforeValidator`` reading a REST field as OCPP JSON: the generated models are
    strict, so enums and date-times only come from JSON text, exactly as on the wire.

    ``Annotated[datatypes.X, BeforeValidator(ocpp_json(datatypes.X))]``
    """

    def convert(value: Any) -> M:
        if isinstance(value, model):
            return value
        try:
            return model.model_validate_json(orjson.dumps(value))
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in problem['loc']) or '(root)'}: {problem['msg']}"
                for problem in error.errors()[:5]
            )
            raise PydanticCustomError(
                "ocpp_invalid", "{problems}", {"problems": problems}
            ) from None
        except TypeError as error:  # not JSON at all (cannot come from a request body)
            raise PydanticCustomError(
                "ocpp_invalid", "{problems}", {"problems": str(error)}
            ) from None

    return convert


TenantQuery = Annotated[
    str | None, Query(alias="tenantId", description="For platform operators: the tenant")
]


async def send_in_parts(
    parts: Sequence[Sequence[T]], send: Callable[[Sequence[T]], Awaitable[list[Res]]]
) -> tuple[list[Res], int, ApiError | None]:
    """Send ``parts`` one CALL after the other: (all results, CALLs answered, the failure
    that stopped the rest). With nothing answered at all the failure is raised instead."""
    results: list[Res] = []
    for answered, part in enumerate(parts):
        try:
            results.extend(await send(part))
        except ApiError as failure:
            if answered == 0:
                raise
            return results, answered, failure
    return results, len(parts), None


async def with_new_request_id(
    session: Session, station_pk: int, record: Callable[[int], Awaitable[Rec]]
) -> Rec:
    """``record(request_id)`` under the next request id of the station's sequence that is not
    taken (a request sent with an id of its own may hold one): ``record`` raises ``Conflict``
    for a taken id."""
    stations = ChargingStationRepository.from_session(session)
    for _ in range(REQUEST_ID_ATTEMPTS):
        request_id = await stations.next_value(station_pk, REQUEST_ID_SEQUENCE)
        try:
            return await record(request_id)
        except Conflict:
            continue
    raise Conflict("No free request id for the station")


class CallError(ApiModel):
    """Why part of a split request got no answer."""

    status: int
    detail: str


class StatusOut(ApiModel):
    """A station's status answer."""

    status: str
    reason_code: str | None = None
    additional_info: str | None = None

    @classmethod
    def of(cls, status: str, info: datatypes.StatusInfo | None) -> StatusOut:
        return cls(
            status=status,
            reason_code=info.reason_code if info else None,
            additional_info=info.additional_info if info else None,
        )


class RequestStatusOut(StatusOut):
    """The answer to a request whose results come later, under ``request_id``."""

    request_id: int

    @classmethod
    def answered(
        cls, request_id: int, status: str, info: datatypes.StatusInfo | None
    ) -> RequestStatusOut:
        return cls(request_id=request_id, **StatusOut.of(status, info).model_dump())


class Tracked(Protocol):
    """A request record whose results arrive later (a report, a customer query)."""

    request_id: int
    status: str | None
    completed_at: datetime | None


TrackedT = TypeVar("TrackedT", bound=Tracked)


def end_unanswered(record: Tracked, outcome: str) -> None:
    """The CALL got no answer: the record ends with ``outcome``, unless a result handler
    recorded the real outcome first."""
    if record.status is None:
        record.status = outcome
        record.completed_at = record.completed_at or datetime.now(UTC)


async def send_tracked(
    commands: CommandSender,
    sessions: SessionFactory,
    key: StationKey,
    *,
    action: str,
    template: M,
    response_type: type[R],
    open_record: Callable[[Session, int], Awaitable[TrackedT]],
    ensure_record: Callable[[Session, int, int], Awaitable[TrackedT]],
) -> tuple[TrackedT, R]:
    """Send a request whose results come later under a request id: record it under a new
    id and commit (before the station can answer), send ``template`` with that id, and end
    the record when no answer came. ``open_record(session, station_pk)`` records it;
    ``ensure_record(session, station_pk, request_id)`` finds it again."""
    async with unit_of_work(sessions) as uow:
        station = await station_or_404(uow.session, key)
        record = await open_record(uow.session, station.id)
    request = template.model_copy(update={"request_id": record.request_id})
    try:
        response = await call_station(commands, key, action, request, response_type)
    except ApiError as failure:
        async with unit_of_work(sessions) as uow:
            found = await ensure_record(uow.session, station.id, record.request_id)
            end_unanswered(found, outcome_of(failure))
        raise
    return record, response

"""CALLs to stations from this module's REST endpoints, with the outcome as an HTTP error.

The same statuses as the generic message endpoints (``citrine_modules/message_api.py``):
offline 404, boot not Accepted 409, queue full 429, CALLERROR or invalid answer 502,
timeout 504.
"""

from __future__ import annotations

from citrine_base.interfaces.envelope import StationKey
from citrine_base.interfaces.module import CommandSender
from citrine_base.ocpp.model import OcppModel
from citrine_base.rpc.errors import (
    CallFailed,
    CallTimeout,
    CommandQueueFull,
    OcppError,
    ResponseInvalid,
    StationNotAccepted,
    StationOffline,
)
from citrine_modules.rest import ApiError, ConflictError, NotFoundError


class StationBusy(ApiError):
    status = 429


class StationAnsweredError(ApiError):
    status = 502


class StationUnreachable(ApiError):
    status = 503


class StationSilent(ApiError):
    status = 504


_FAILURES: dict[type[CallFailed], type[ApiError]] = {
    StationOffline: NotFoundError,
    StationNotAccepted: ConflictError,
    CommandQueueFull: StationBusy,
    ResponseInvalid: StationAnsweredError,
    CallTimeout: StationSilent,
}


async def call_station(
    commands: CommandSender,
    station: StationKey,
    action: str,
    request: OcppModel,
    message_id: str | None = None,
) -> OcppModel:
    """The station's answer; an ``ApiError`` saying why there is none."""
    try:
        return await commands.call(station, action, request, correlation_id=message_id)
    except OcppError as error:
        raise StationAnsweredError(
            f"{station.station_id} answered {action} with {error.code.value}: {error.description}"
        ) from None
    except CallFailed as failure:
        raise _FAILURES.get(type(failure), StationUnreachable)(str(failure)) from None

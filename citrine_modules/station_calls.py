"""For data endpoints that send one CALL to a station and answer with its outcome.

A module's own endpoint (one that builds or checks the request first) uses ``call_station``:
the station's answer, or an ``ApiError`` whose status says what went wrong, the same statuses
the generated message endpoints use::

    ApiError
    └── StationCallFailed
        ├── StationAnsweredError  502  the station answered CALLERROR (or an invalid answer)
        ├── StationUnreachable    404  not connected
        ├── StationBusy           429  too many CALLs already wait for it
        ├── StationNotReady       409  its boot is not Accepted
        └── StationTimeout        504  no answer in time
"""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import Depends, Request

from citrine_base.config import SystemConfig
from citrine_base.interfaces.envelope import StationKey
from citrine_base.interfaces.module import CommandSender
from citrine_base.interfaces.storage import FileStorage
from citrine_base.ocpp.model import OcppModel
from citrine_base.rpc.errors import (
    CallFailed,
    CallTimeout,
    CommandQueueFull,
    OcppError,
    StationNotAccepted,
    StationOffline,
)
from citrine_data import Session, SessionFactory
from citrine_data.models import ChargingStation
from citrine_data.repositories import ChargingStationRepository
from citrine_modules.rest import ApiError, NotFoundError, rest_context

Response = TypeVar("Response", bound=OcppModel)


class StationCallFailed(ApiError):
    status = 502


class StationAnsweredError(StationCallFailed):
    status = 502


class StationUnreachable(StationCallFailed):
    status = 404


class StationBusy(StationCallFailed):
    status = 429


class StationNotReady(StationCallFailed):
    status = 409


class StationTimeout(StationCallFailed):
    status = 504


_FAILURES: dict[type[CallFailed], type[StationCallFailed]] = {
    CallTimeout: StationTimeout,
    StationOffline: StationUnreachable,
    CommandQueueFull: StationBusy,
    StationNotAccepted: StationNotReady,
}


def _commands(request: Request) -> CommandSender:
    commands = rest_context(request).commands
    if commands is None:
        raise RuntimeError("This server gives REST no command sender")
    return commands


def _storage(request: Request) -> FileStorage:
    storage = rest_context(request).storage
    if storage is None:
        raise RuntimeError("This server gives REST no file storage")
    return storage


def _config(request: Request) -> SystemConfig:
    config = rest_context(request).config
    if config is None:
        raise RuntimeError("This server gives REST no configuration")
    return config


def _sessions(request: Request) -> SessionFactory:
    return rest_context(request).sessions


Commands = Annotated[CommandSender, Depends(_commands)]
Sessions = Annotated[SessionFactory, Depends(_sessions)]
Config = Annotated[SystemConfig, Depends(_config)]
Storage = Annotated[FileStorage, Depends(_storage)]


async def station_or_404(session: Session, key: StationKey) -> ChargingStation:
    station = await ChargingStationRepository.from_session(session).get_by_key(key)
    if station is None:
        raise NotFoundError(f"No station {key.station_id}")
    return station


async def call_station(
    commands: CommandSender,
    station: StationKey,
    action: str,
    request: OcppModel,
    response_type: type[Response],
    *,
    timeout: float | None = None,
) -> Response:
    """The station's answer to ``request``, or the ``StationCallFailed`` that explains why not."""
    try:
        response = await commands.call(station, action, request, timeout=timeout)
    except OcppError as error:
        raise StationAnsweredError(
            f"{station.station_id} answered {action} with {error.code.value}: {error.description}"
        ) from None
    except CallFailed as failure:
        failed = _FAILURES.get(type(failure), StationAnsweredError)
        raise failed(f"{action} to {station.station_id}: {failure}") from None
    if not isinstance(response, response_type):
        raise StationAnsweredError(f"{station.station_id} gave no {response_type.__name__}")
    return response

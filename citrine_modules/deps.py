"""What a module is given by the server: its backends, built in ``server/``, never by itself."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from fastapi import APIRouter

from citrine_base.config import SystemConfig
from citrine_base.interfaces.broker import Broker
from citrine_base.interfaces.cache import Cache
from citrine_base.interfaces.envelope import StationKey
from citrine_base.interfaces.module import CommandSender, Module
from citrine_base.interfaces.storage import FileStorage
from citrine_base.ocpp.model import OcppModel
from citrine_data import SessionFactory
from citrine_util.tasks import TaskSupervisor


@dataclass(frozen=True, slots=True)
class ModuleDeps:
    config: SystemConfig
    cache: Cache
    broker: Broker
    commands: CommandSender
    sessions: SessionFactory
    tasks: TaskSupervisor
    storage: FileStorage


class CsmsModule(Module):
    """A functional block built from the server's ``ModuleDeps``.

    ``sends`` lists the CSMS-to-station actions whose REST message endpoints the module offers
    (``POST /ocpp/2.0.1/{name}/{action}``); ``routers`` returns its data endpoints.
    """

    sends: ClassVar[tuple[str, ...]] = ()

    def __init__(self, deps: ModuleDeps) -> None:
        self.deps = deps

    def routers(self) -> list[APIRouter]:
        """The module's data endpoints (``api.py``), mounted by the server."""
        return []

    async def check_command(
        self, action: str, stations: Sequence[StationKey], request: OcppModel
    ) -> None:
        """Refuse a CALL an operator asked for (one of ``sends``) before anything reaches a
        station, by raising a ``citrine_modules.rest`` error (422 for a request against the
        rules). The default accepts every schema-valid request."""
        return None

"""What every module is, and how modules reach stations."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar, Protocol, runtime_checkable

from citrine_base.interfaces.envelope import Envelope, StationKey
from citrine_base.ocpp.model import OcppModel


class CommandSender(ABC):
    """Sends a CALL to a station, wherever it is connected, and returns its answer.

    Raises ``OcppError`` (the station answered CALLERROR) or ``CallFailed`` (timeout, offline,
    queue full, invalid answer).
    """

    @abstractmethod
    async def call(
        self,
        station: StationKey,
        action: str,
        request: OcppModel,
        *,
        timeout: float | None = None,
        correlation_id: str | None = None,
    ) -> OcppModel: ...


class Module(ABC):
    """A functional block: its ``@as_handler`` methods answer station CALLs."""

    name: ClassVar[str]

    async def start(self) -> None:
        """Called once before the first message; start owned background work here."""
        return None

    async def stop(self) -> None:
        """Called once at shutdown; stop and await owned background work here."""
        return None


@runtime_checkable
class MessageObserver(Protocol):
    """Sees every OCPP exchange of the stations held by this process: a module implementing
    it (the webhooks) is handed to the router by the server.

    ``call`` is the CALL (a station's or the CSMS's), ``reply`` its CALLRESULT, its CALLERROR,
    or for a CSMS CALL the local failure (``local:timeout``, ...). Called inline on the
    station's path: it must return at once, without awaiting or raising.
    """

    def ocpp_exchange(self, call: Envelope, reply: Envelope) -> None: ...

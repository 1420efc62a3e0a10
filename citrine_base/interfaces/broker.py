"""The message broker: how the router and the modules reach each other.

Two delivery shapes cover every flow:

* ``request``: one consumer answers (a station CALL handled by the module that owns the
  action; the module's reply becomes the CALLRESULT).
* ``publish``: fire and forget, to every subscriber of a topic, or to one member of each
  ``group`` (competing consumers, e.g. several workers of one module).

Implementations: memory (in-process, the embedded default) and RabbitMQ, in ``citrine_util``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable

from citrine_base.interfaces.envelope import Envelope

MessageHandler = Callable[[Envelope], Awaitable[Envelope | None]]
"""Consumes an envelope; for ``request`` deliveries its return value is the reply."""


class BrokerError(Exception):
    """The broker could not deliver (connection lost, closed, misconfigured)."""


class NoConsumer(BrokerError):
    """Nobody subscribes to the topic of a request."""


class BrokerTimeout(BrokerError):
    """A request got no reply in time."""


class Subscription(ABC):
    @abstractmethod
    async def cancel(self) -> None:
        """Stop receiving; pending deliveries may still complete."""


class Broker(ABC):
    @abstractmethod
    async def start(self) -> None: ...

    @abstractmethod
    async def stop(self) -> None: ...

    @abstractmethod
    async def healthy(self) -> bool:
        """True when the broker can deliver right now."""

    @abstractmethod
    async def publish(self, topic: str, envelope: Envelope) -> None:
        """Deliver to every subscriber of ``topic`` (one per group); nobody listening is fine."""

    @abstractmethod
    async def request(self, topic: str, envelope: Envelope, timeout: float) -> Envelope:
        """Deliver to one subscriber of ``topic`` and return its reply.

        Raises ``NoConsumer`` when nobody subscribes, ``BrokerTimeout`` after ``timeout`` seconds.
        """

    @abstractmethod
    async def subscribe(
        self, topic: str, handler: MessageHandler, *, group: str | None = None
    ) -> Subscription:
        """Receive envelopes of ``topic``; subscribers sharing a ``group`` share the work."""

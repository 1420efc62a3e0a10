"""Abstract interfaces implemented in ``citrine_util`` and used by modules and the server."""

from citrine_base.interfaces.broker import (
    Broker,
    BrokerError,
    BrokerTimeout,
    MessageHandler,
    NoConsumer,
    Subscription,
)
from citrine_base.interfaces.cache import Cache, CacheError
from citrine_base.interfaces.envelope import Envelope, EnvelopeKind, Initiator, StationKey
from citrine_base.interfaces.module import CommandSender, Module

__all__ = [
    "Broker",
    "BrokerError",
    "BrokerTimeout",
    "Cache",
    "CacheError",
    "CommandSender",
    "Envelope",
    "EnvelopeKind",
    "Initiator",
    "MessageHandler",
    "Module",
    "NoConsumer",
    "StationKey",
    "Subscription",
]

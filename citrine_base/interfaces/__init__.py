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
from citrine_base.interfaces.storage import (
    FileNotFound,
    FileStorage,
    FileStorageError,
    FileTooLarge,
    OpenedFile,
    StoredFile,
)

__all__ = [
    "Broker",
    "BrokerError",
    "BrokerTimeout",
    "Cache",
    "CacheError",
    "CommandSender",
    "Envelope",
    "EnvelopeKind",
    "FileNotFound",
    "FileStorage",
    "FileStorageError",
    "FileTooLarge",
    "Initiator",
    "MessageHandler",
    "Module",
    "NoConsumer",
    "OpenedFile",
    "StationKey",
    "StoredFile",
    "Subscription",
]

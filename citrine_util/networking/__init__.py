"""Station connections: the per-socket engine and the registry of connected stations."""

from citrine_util.networking.connection import (
    ConnectionClosed,
    ConnectionSettings,
    FrameObserver,
    InboundDispatcher,
    StationConnection,
    Transport,
)
from citrine_util.networking.registry import ConnectionRegistry

__all__ = [
    "ConnectionClosed",
    "ConnectionRegistry",
    "ConnectionSettings",
    "FrameObserver",
    "InboundDispatcher",
    "StationConnection",
    "Transport",
]

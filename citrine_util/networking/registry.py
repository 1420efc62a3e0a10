"""The stations connected to this process. A new connection for an identity replaces the old."""

from __future__ import annotations

from citrine_base.interfaces.envelope import StationKey
from citrine_util.networking.connection import StationConnection


class ConnectionRegistry:
    def __init__(self) -> None:
        self._connections: dict[StationKey, StationConnection] = {}

    def __len__(self) -> int:
        return len(self._connections)

    def get(self, station: StationKey) -> StationConnection | None:
        return self._connections.get(station)

    def register(self, connection: StationConnection) -> StationConnection | None:
        """Make ``connection`` current for its station; returns the one it replaces, if any."""
        previous = self._connections.get(connection.station)
        self._connections[connection.station] = connection
        return previous

    def unregister(self, connection: StationConnection) -> bool:
        """Forget ``connection`` unless a newer one already replaced it; True when removed."""
        if self._connections.get(connection.station) is connection:
            del self._connections[connection.station]
            return True
        return False

    def all(self) -> list[StationConnection]:
        return list(self._connections.values())

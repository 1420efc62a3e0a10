"""Mounting the request limits of ``SystemConfig.limits`` on the app (``docs/security.md``,
"Limits and bad input"): REST body size, and per address caps on station websockets."""

from __future__ import annotations

from fastapi import FastAPI

from citrine_base.config import LimitsConfig
from citrine_util.http_limits import BodySizeLimit
from citrine_util.networking.address_limit import AddressBook, StationAddressLimit


def install_limits(app: FastAPI, limits: LimitsConfig, *, with_router: bool) -> None:
    """Add the middlewares; the address book is ``app.state.address_book`` (None without
    the router)."""
    app.add_middleware(BodySizeLimit, max_bytes=limits.max_body_bytes, exempt=limits.upload_paths)
    app.state.address_book = None
    if with_router:
        book = AddressBook(limits.max_handshakes_per_address, limits.max_connections_per_address)
        app.state.address_book = book
        app.add_middleware(StationAddressLimit, book=book, retry_after=limits.address_retry_after)

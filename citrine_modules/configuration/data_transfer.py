"""DataTransfer from stations (P01, P02): vendor-specific messages, answered by the handler
registered for their vendor and messageId.

An unknown ``vendorId`` is answered UnknownVendorId; a known vendor with a messageId it has no
handler for, UnknownMessageId (P02.FR.06/07, TC_P_02_CSMS). Register handlers on the
configuration module at start-up::

    configuration.data_transfers.register("com.acme", "Telemetry", handle_telemetry)

A handler registered with ``message_id=None`` takes the vendor's messages without a messageId.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog

from citrine_base.ocpp.v201 import enums, messages
from citrine_util.handler_runner import HandlerContext

log = structlog.get_logger(__name__)

DataTransferHandler = Callable[
    [HandlerContext, messages.DataTransferRequest], Awaitable[messages.DataTransferResponse]
]


class DuplicateDataTransferHandler(Exception):
    """Two handlers for the same vendor and messageId (fails at start-up)."""


class DataTransferRegistry:
    def __init__(self) -> None:
        self._vendors: dict[str, dict[str | None, DataTransferHandler]] = {}

    def register(
        self, vendor_id: str, message_id: str | None, handler: DataTransferHandler
    ) -> None:
        handlers = self._vendors.setdefault(vendor_id, {})
        if message_id in handlers:
            raise DuplicateDataTransferHandler(f"{vendor_id}/{message_id} has a handler already")
        handlers[message_id] = handler

    @property
    def vendors(self) -> list[str]:
        return sorted(self._vendors)

    async def answer(
        self, ctx: HandlerContext, request: messages.DataTransferRequest
    ) -> messages.DataTransferResponse:
        handlers = self._vendors.get(request.vendor_id)
        if handlers is None:
            log.info(
                "data_transfer.unknown_vendor",
                station_id=ctx.station.station_id,
                vendor_id=request.vendor_id,
            )
            return messages.DataTransferResponse(
                status=enums.DataTransferStatusEnum.UNKNOWN_VENDOR_ID
            )
        handler = handlers.get(request.message_id)
        if handler is None:
            log.info(
                "data_transfer.unknown_message",
                station_id=ctx.station.station_id,
                vendor_id=request.vendor_id,
                message_id=request.message_id,
            )
            return messages.DataTransferResponse(
                status=enums.DataTransferStatusEnum.UNKNOWN_MESSAGE_ID
            )
        return await handler(ctx, request)

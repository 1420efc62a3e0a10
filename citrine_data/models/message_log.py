"""The OCPP message log: every frame in and out, append-only, written in batches.

Station and tenant are plain strings without foreign keys, so that logging never fails on a
race with station registration or deletion. ``request_log_id`` links a CALLRESULT/CALLERROR row
to its CALL row; it is not a foreign key either, because retention deletes old rows by time and
would otherwise have to clear links from the newer rows first. A link to a deleted row is
simply dangling.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from citrine_data.base import Base, BigIntKey, UTCDateTime, enum_check, str_enum

MESSAGE_ID_LENGTH = 64
ACTION_LENGTH = 64
ERROR_CODE_LENGTH = 40


class Direction(StrEnum):
    IN = "in"  # station -> CSMS
    OUT = "out"  # CSMS -> station


class OcppMessageLog(Base):
    __tablename__ = "ocpp_message_log"
    __table_args__ = (
        sa.Index(None, "tenant_id", "station_id", "logged_at"),
        sa.Index(None, "action"),
        # message_id leads, so lookups by message id alone use it too; the station narrows
        # counters ("1", "2", ...) that many stations use as message ids.
        sa.Index(None, "message_id", "station_id"),
        sa.Index(None, "logged_at"),  # retention deletes
        sa.Index(None, "request_log_id"),
        enum_check("direction", Direction),
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(sa.String(64))
    station_id: Mapped[str] = mapped_column(sa.String(48))
    direction: Mapped[Direction] = mapped_column(str_enum(Direction))
    message_type: Mapped[int | None]  # 2 CALL, 3 CALLRESULT, 4 CALLERROR; None if unparsable
    message_id: Mapped[str | None] = mapped_column(sa.String(MESSAGE_ID_LENGTH))
    action: Mapped[str | None] = mapped_column(sa.String(ACTION_LENGTH))
    # The frame as received or sent: text, since an invalid frame is exactly the one to keep.
    payload: Mapped[str] = mapped_column(sa.Text())
    error_code: Mapped[str | None] = mapped_column(sa.String(ERROR_CODE_LENGTH))
    request_log_id: Mapped[int | None] = mapped_column(BigIntKey)
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime())

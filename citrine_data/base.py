"""The declarative base, the naming convention, and the column types every model shares.

Two custom types exist because SQLite cannot hold what we need natively:

* ``UTCDateTime``: SQLite stores datetimes as text without an offset, so a plain
  ``DateTime(timezone=True)`` gives back naive values there. We store UTC and hand back aware
  datetimes on every backend, and refuse naive ones on the way in.
* ``Money``: SQLite has no exact decimal; SQLAlchemy would round-trip through float (and warns).
  We keep ``NUMERIC`` on PostgreSQL and a decimal string on SQLite.

Migrations never import these types: autogenerate renders them as plain ``sa`` types
(``citrine_data.migrate.render_item``), so an old migration keeps working whatever this module
becomes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine

# Stable, explicit names for every constraint and index, so alembic can drop and alter them
# by name on both backends. Multi-column names longer than PostgreSQL's 63 characters are given
# an explicit short name in the model (a test checks the limit).
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL; on SQLite only "INTEGER PRIMARY KEY" is the auto-incrementing rowid
# (it is 64-bit there anyway).
BigIntKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

MONEY_PRECISION = 18
MONEY_SCALE = 6
MONEY_TEXT_LENGTH = 40


def utc_now() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend; naive values are a bug and are refused."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware (UTC) datetime")
        value = value.astimezone(UTC)
        # SQLite would write the offset into the text and then compare strings; keep it bare.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Money(sa.TypeDecorator[Decimal]):
    """An exact decimal: NUMERIC(18, 6) on PostgreSQL, a decimal string on SQLite."""

    impl = sa.Numeric(MONEY_PRECISION, MONEY_SCALE, asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String(MONEY_TEXT_LENGTH))
        return dialect.type_descriptor(self.impl)

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"money must be a Decimal, not {type(value).__name__}")
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(str(value))


def str_enum(enum: type[StrEnum]) -> sa.Enum:
    """A portable enum column type: VARCHAR holding the values (not the member names).

    Not a native PostgreSQL ENUM: adding a value to one needs its own non-transactional
    migration step, and SQLite has none. The CHECK is declared on the table with
    ``enum_check`` so that its name is explicit in the migrations. Only for our own small
    closed sets; OCPP enums are plain strings, because the schema validator already checks
    them and they grow between protocol versions.
    """
    return sa.Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=max(len(member.value) for member in enum),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def enum_check(column: str, enum: type[StrEnum]) -> sa.CheckConstraint:
    return sa.CheckConstraint(
        in_values(column, tuple(member.value for member in enum)), name=column
    )


def in_values(column: str, values: tuple[str, ...]) -> str:
    """The SQL of a CHECK that ``column`` holds one of ``values`` (NULL passes, as in SQL)."""
    quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return f"{column} IN ({quoted})"


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    # A bare Mapped[datetime] or Mapped[Decimal] gets our types, never the naive defaults.
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), Decimal: Money()}


class TimestampMixin:
    """``created_at``/``updated_at`` set by the application (UTC), not by database defaults."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, onupdate=utc_now)


def station_fk(*, ondelete: str = "CASCADE") -> sa.ForeignKey:
    """The foreign key to ``charging_stations.id`` used by every per-station table."""
    return sa.ForeignKey("charging_stations.id", ondelete=ondelete)


def tenant_fk() -> sa.ForeignKey:
    return sa.ForeignKey("tenants.id", ondelete="RESTRICT")

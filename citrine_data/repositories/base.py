"""What every repository shares: the session it is bound to, pagination, portable upserts.

Repositories flush, never commit: the caller owns the transaction (habit 8). Every statement
runs inside ``translate_errors()``, so callers see ``citrine_data.errors`` only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, Self, TypeVar, cast

from sqlalchemy import Select, Table, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable
from sqlalchemy.sql.dml import ReturningInsert

from citrine_data.base import Base, utc_now
from citrine_data.errors import translate_errors

T = TypeVar("T")
M = TypeVar("M", bound=Base)

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

UpsertInsert = postgresql.Insert | sqlite.Insert


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing. ``total`` is None when the caller chose not to count
    (counting a large log table costs more than reading the page)."""

    items: list[T]
    total: int | None
    limit: int
    offset: int


def clamp_limit(limit: int) -> int:
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    return min(limit, MAX_LIMIT)


def check_offset(offset: int) -> int:
    if offset < 0:
        raise ValueError(f"offset must not be negative, got {offset}")
    return offset


class Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> Self:
        return cls(session)

    @property
    def dialect_name(self) -> str:
        return self.session.get_bind().dialect.name

    async def _flush(self) -> None:
        with translate_errors():
            await self.session.flush()

    async def _add(self, obj: M) -> M:
        """Add and flush in a savepoint, so a ``Conflict`` leaves the session usable."""
        with translate_errors():
            async with self.session.begin_nested():
                self.session.add(obj)
        return obj

    async def _execute_dml(self, statement: Executable, *, synchronize: bool = True) -> int:
        """Run an UPDATE or DELETE; the number of rows it matched.

        With ``synchronize`` the objects already in the session see the change (updated
        attributes, deleted objects gone). Bulk writers that never load what they update
        pass False and skip that work.
        """
        options = {"synchronize_session": "auto" if synchronize else False}
        with translate_errors():
            result = await self.session.execute(statement, execution_options=options)
        return cast("CursorResult[Any]", result).rowcount

    async def _get(self, model: type[M], primary_key: Any) -> M | None:
        with translate_errors():
            return await self.session.get(model, primary_key)

    async def _get_one_or_none(self, statement: Select[M]) -> M | None:
        with translate_errors():
            result = await self.session.scalars(statement)
            return result.unique().one_or_none()

    async def _get_all(self, statement: Select[M]) -> list[M]:
        with translate_errors():
            result = await self.session.scalars(statement)
            return list(result.unique().all())

    async def _paginate(
        self, statement: Select[M], *, limit: int, offset: int, count: bool = True
    ) -> Page[M]:
        limit, offset = clamp_limit(limit), check_offset(offset)
        total: int | None = None
        with translate_errors():
            if count:
                counted = select(func.count()).select_from(statement.order_by(None).subquery())
                total = (await self.session.execute(counted)).scalar_one()
            result = await self.session.scalars(statement.limit(limit).offset(offset))
            items = list(result.unique().all())
        return Page(items=items, total=total, limit=limit, offset=offset)

    async def _upsert_many(
        self,
        model: type[Base],
        rows: Sequence[Mapping[str, Any]],
        key: Sequence[str],
        keep: Sequence[str],
    ) -> None:
        """Insert ``rows`` (all with the same columns), updating on ``key`` every column but
        those in ``keep``. One statement compiled once and run with executemany: a
        multi-row VALUES would be compiled anew for every batch, which costs more than the
        writing. The rows are not loaded into the session."""
        if not rows:
            return
        table = cast(Table, model.__table__)
        statement = _dialect_insert(table, self.dialect_name)
        statement = statement.on_conflict_do_update(
            index_elements=list(key),
            set_={name: statement.excluded[name] for name in rows[0] if name not in keep},
        )
        with translate_errors():
            await self.session.execute(statement, list(rows))

    def _insert(self, model: type[Base]) -> UpsertInsert:
        """An INSERT that supports ``ON CONFLICT`` (same API on PostgreSQL and SQLite)."""
        return _dialect_insert(model, self.dialect_name)

    async def _upsert(
        self,
        model: type[M],
        values: Mapping[str, Any],
        *,
        key: Sequence[str],
        update: Sequence[str] | None = None,
    ) -> M:
        """Insert ``values`` or, when ``key`` exists, update the ``update`` columns (default:
        every given column but the key) in one statement, race-free; returns the fresh row."""
        statement = _upsert_statement(
            model,
            self.dialect_name,
            tuple(values),
            tuple(key),
            None if update is None else tuple(update),
        )
        parameters = {f"{_UPSERT_PREFIX}{name}": value for name, value in values.items()}
        parameters[_UPSERT_NOW] = utc_now()
        with translate_errors():
            result = await self.session.scalars(
                statement, parameters, execution_options={"populate_existing": True}
            )
            return cast(M, result.one())


def _dialect_insert(target: type[Base] | Table, dialect_name: str) -> UpsertInsert:
    return postgresql.insert(target) if dialect_name == "postgresql" else sqlite.insert(target)


_UPSERT_PREFIX = "upsert_"
_UPSERT_NOW = "upsert_now_"


@lru_cache(maxsize=512)
def _upsert_statement(
    model: type[Base],
    dialect_name: str,
    columns: tuple[str, ...],
    key: tuple[str, ...],
    update: tuple[str, ...] | None,
) -> ReturningInsert[Any]:
    """The statement of ``Repository._upsert`` for one shape of call, built once.

    Every call site upserts the same columns each time, so there are few shapes; building the
    statement (its ``excluded`` alias above all) costs a third of a short upsert's time, and a
    reused statement also keeps its cache key.
    """
    table = cast(Table, model.__table__)
    statement = _dialect_insert(model, dialect_name).values(
        {name: bindparam(f"{_UPSERT_PREFIX}{name}", type_=table.c[name].type) for name in columns}
    )
    updated = [name for name in columns if name not in key] if update is None else update
    assignments: dict[str, Any] = {name: statement.excluded[name] for name in updated}
    if "updated_at" in table.columns:
        assignments["updated_at"] = bindparam(_UPSERT_NOW, type_=table.c.updated_at.type)
    if not assignments:  # DO NOTHING would return no row; a no-op update returns it
        assignments[key[0]] = statement.excluded[key[0]]
    return statement.on_conflict_do_update(index_elements=list(key), set_=assignments).returning(
        model
    )

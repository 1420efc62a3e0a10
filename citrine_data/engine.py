"""Build the async engine and the session factory (SQLite by default, PostgreSQL via asyncpg)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, NewType

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as sa_create_async_engine
from sqlalchemy.pool import NullPool
from sqlalchemy.util import await_only

from citrine_base.config import DatabaseConfig

# A session the caller promises only to read from: services that only query take this type, so a
# write path is visible in signatures (habit 7). At runtime it is an ordinary AsyncSession.
ReadSession = NewType("ReadSession", AsyncSession)

SQLITE_BUSY_TIMEOUT_MS = 5000


@dataclass(frozen=True, slots=True)
class PoolSettings:
    size: int = 10
    max_overflow: int = 20
    timeout: float = 30.0
    pre_ping: bool = False


def create_engine(
    url: str | URL, *, pool: PoolSettings | None = None, echo: bool = False
) -> AsyncEngine:
    """An engine for ``url``; ``pool=None`` means no pooling (migrations, one-shot scripts)."""
    url = make_url(url)
    options: dict[str, Any] = {"echo": echo}
    if pool is None:
        options["poolclass"] = NullPool
    else:
        options.update(
            pool_size=pool.size,
            max_overflow=pool.max_overflow,
            pool_timeout=pool.timeout,
            pool_pre_ping=pool.pre_ping,
        )
    if url.get_backend_name() == "sqlite":
        _create_sqlite_parent(url)
        # The pool's ROLLBACK when a connection is returned is a trip to aiosqlite's thread,
        # and never needed here: every transaction is begun by SQLAlchemy (BEGIN IMMEDIATE
        # below, the driver is in autocommit mode), so closing the connection already ended it.
        options["pool_reset_on_return"] = None
    engine = sa_create_async_engine(url, **options)
    if url.get_backend_name() == "sqlite":
        _configure_sqlite(engine)
    return engine


def engine_from_config(config: DatabaseConfig) -> AsyncEngine:
    if make_url(config.url).get_backend_name() == "sqlite":
        # SQLite has one writer at a time, and every unit of work here writes (BEGIN
        # IMMEDIATE). Several pooled connections would only fight over the file lock, and
        # its busy handler is not fair: under a burst some wait past the timeout and fail
        # with "database is locked". One connection makes the pool's queue the fair lock.
        pool = PoolSettings(size=1, max_overflow=0, timeout=max(config.pool_timeout, 60.0))
    else:
        pool = PoolSettings(
            size=config.pool_size, max_overflow=config.max_overflow, timeout=config.pool_timeout
        )
    return create_engine(config.url, pool=pool, echo=config.echo)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: objects stay readable after the commit without a lazy refresh,
    # which async code cannot do implicitly.
    return async_sessionmaker(engine, expire_on_commit=False)


def _create_sqlite_parent(url: URL) -> None:
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: AsyncEngine) -> None:
    """WAL, foreign keys, a busy timeout, and transactions the way SQLite needs them.

    The sqlite3 module opens transactions lazily and not at all before DDL, which breaks
    SAVEPOINT; the recipe from SQLAlchemy's SQLite docs turns that off and begins explicitly.
    We begin with IMMEDIATE: our units of work read and then write, and a deferred transaction
    that tries to upgrade to a write lock after another writer committed fails at once with
    "database is locked" instead of waiting for the busy timeout.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            # Durable enough in WAL mode (a power loss may lose the last commits, never
            # corrupt the file) and much faster than FULL.
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Connection) -> None:
        # Straight to aiosqlite: one trip to its thread, where exec_driver_sql makes three
        # (cursor, execute, close). That is a third of a short unit of work's cost.
        driver = connection.connection.driver_connection
        assert driver is not None, "a connection being begun is open"
        await_only(driver.execute("BEGIN IMMEDIATE"))


async def database_answers(engine: AsyncEngine) -> bool:
    """True when the database accepts a connection and a query right now (for /health)."""
    try:
        async with engine.connect() as connection:
            await connection.exec_driver_sql("SELECT 1")
    except Exception:
        return False
    return True

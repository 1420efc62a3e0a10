"""Databases for the data-layer tests: SQLite (a temp file) and PostgreSQL (a fresh database).

The schema always comes from running the migrations, never from ``create_all``. Each test
gets a session inside an outer transaction that is rolled back at the end; repositories that
need a savepoint (to survive a ``Conflict``) get one from ``join_transaction_mode``.

PostgreSQL is the one on 127.0.0.1:5432 (user postgres, trust auth), or
``CITRINE_TEST_POSTGRES_DSN``. When it is unreachable the PostgreSQL cases are skipped, unless
``CI`` is set: there a missing database is a failure, not a skip.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from citrine_base.interfaces.envelope import StationKey
from citrine_data import migrate
from citrine_data.engine import create_engine
from citrine_data.models import ChargingStation, Tenant

POSTGRES_DSN = os.environ.get(
    "CITRINE_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", "postgresql"]


def _run(coroutine: object) -> object:
    return asyncio.run(coroutine)  # type: ignore[arg-type]


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(POSTGRES_DSN, timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _postgres_or_skip() -> None:
    try:
        _run(_admin("SELECT 1"))
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        reason = f"PostgreSQL unreachable at {POSTGRES_DSN}: {error!r}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


class Databases:
    """Creates empty databases for one backend and drops them at the end of the session."""

    def __init__(self, backend: str, directory: Path) -> None:
        self.backend = backend
        self.directory = directory
        self.created: list[str] = []

    def new(self) -> str:
        name = f"citrine_test_{uuid.uuid4().hex[:12]}"
        if self.backend == "sqlite":
            return f"sqlite+aiosqlite:///{self.directory / name}.db"
        _run(_admin(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        dsn = POSTGRES_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        return f"{dsn}/{name}"

    def drop_all(self) -> None:
        for name in self.created:
            _run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session", params=BACKENDS)
def databases(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Databases]:
    backend: str = request.param
    if backend == "postgresql":
        _postgres_or_skip()
    databases = Databases(backend, tmp_path_factory.mktemp("databases"))
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def database_url(databases: Databases) -> str:
    """A database at the head revision, shared by the tests of the session."""
    url = databases.new()
    migrate.upgrade(url)
    return url


@pytest.fixture
def empty_database_url(databases: Databases) -> str:
    """A database of its own with no schema, for tests that migrate up and down."""
    return databases.new()


@pytest.fixture
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    engine = create_engine(database_url, pool=None)
    try:
        async with engine.connect() as connection:
            transaction = await connection.begin()
            session = AsyncSession(
                bind=connection,
                expire_on_commit=False,
                join_transaction_mode="create_savepoint",
            )
            try:
                yield session
            finally:
                await session.close()
                await transaction.rollback()
    finally:
        await engine.dispose()


SqlTrace = Callable[[], AbstractContextManager[list[str]]]


@pytest.fixture
def sql_trace(session: AsyncSession) -> SqlTrace:
    """``with sql_trace() as sent:`` collects the verb of each statement the session sends
    (the harness's own SAVEPOINT/RELEASE left out)."""

    @contextmanager
    def trace() -> Iterator[list[str]]:
        sent: list[str] = []
        engine = session.get_bind()

        def before(_conn: object, _cursor: object, sql: str, *_args: object) -> None:
            verb = sql.lstrip().split(None, 1)[0].upper()
            if verb not in ("SAVEPOINT", "RELEASE"):
                sent.append(verb)

        event.listen(engine, "before_cursor_execute", before)
        try:
            yield sent
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return trace


@pytest.fixture
async def tenant(session: AsyncSession) -> Tenant:
    tenant = Tenant(id="acme", name="Acme Charging")
    session.add(tenant)
    await session.flush()
    return tenant


@pytest.fixture
async def station(session: AsyncSession, tenant: Tenant) -> ChargingStation:
    station = ChargingStation(tenant_id=tenant.id, station_id="CS1")
    session.add(station)
    await session.flush()
    return station


@pytest.fixture
def station_key(station: ChargingStation) -> StationKey:
    return StationKey(station.tenant_id, station.station_id)

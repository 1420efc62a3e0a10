"""Engine construction and error translation, on SQLite (no server needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, NoResultFound, OperationalError

from citrine_base.config import DatabaseConfig
from citrine_data.engine import PoolSettings, create_engine, create_sessionmaker, engine_from_config
from citrine_data.errors import Conflict, DataError, IntegrityViolation, NotFound, translate_errors


class TestSqliteEngine:
    async def test_creates_the_directory_and_sets_pragmas(self, tmp_path: Path) -> None:
        path = tmp_path / "nested" / "dir" / "citrine.db"
        engine = create_engine(f"sqlite+aiosqlite:///{path}", pool=PoolSettings(size=2))
        try:
            async with engine.connect() as connection:
                pragmas = [
                    (await connection.execute(text(f"PRAGMA {name}"))).scalar_one()
                    for name in ("foreign_keys", "journal_mode", "busy_timeout")
                ]
            assert pragmas == [1, "wal", 5000]
            assert path.exists()
        finally:
            await engine.dispose()

    async def test_savepoints_work(self, tmp_path: Path) -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", pool=None)
        sessions = create_sessionmaker(engine)
        try:
            async with sessions() as session, session.begin():
                await session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
                await session.execute(text("INSERT INTO t VALUES (1)"))
                with pytest.raises(IntegrityError):
                    async with session.begin_nested():
                        await session.execute(text("INSERT INTO t VALUES (1)"))
                await session.execute(text("INSERT INTO t VALUES (2)"))
            async with sessions() as session:
                rows = (await session.execute(text("SELECT id FROM t ORDER BY id"))).scalars()
                assert list(rows) == [1, 2]
        finally:
            await engine.dispose()

    def test_from_config_uses_one_connection(self, tmp_path: Path) -> None:
        """SQLite has one writer: the pool's queue is the fair lock, not its busy handler."""
        config = DatabaseConfig(url=f"sqlite+aiosqlite:///{tmp_path / 'c.db'}", pool_size=3)
        engine = engine_from_config(config)
        assert engine.pool.size() == 1  # type: ignore[attr-defined]
        assert create_sessionmaker(engine).kw["expire_on_commit"] is False

    def test_postgresql_pool_from_config(self) -> None:
        config = DatabaseConfig(url="postgresql+asyncpg://u@127.0.0.1/db", pool_size=3)
        engine = engine_from_config(config)
        assert engine.pool.size() == 3  # type: ignore[attr-defined]


class TestTranslateErrors:
    async def _fail(self, tmp_path: Path, statement: str) -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'e.db'}", pool=None)
        try:
            async with engine.begin() as connection:
                await connection.execute(text("CREATE TABLE p (id INTEGER PRIMARY KEY)"))
                await connection.execute(
                    text("CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER NOT NULL REFERENCES p)")
                )
                await connection.execute(text("INSERT INTO p VALUES (1)"))
                with translate_errors():
                    await connection.execute(text(statement))
        finally:
            await engine.dispose()

    @pytest.mark.parametrize(
        ("statement", "error"),
        [
            ("INSERT INTO p VALUES (1)", Conflict),
            ("INSERT INTO c VALUES (1, 99)", IntegrityViolation),
            ("INSERT INTO c VALUES (1, NULL)", IntegrityViolation),
            ("SELECT * FROM missing", DataError),
        ],
    )
    async def test_driver_errors_become_ours(
        self, tmp_path: Path, statement: str, error: type[DataError]
    ) -> None:
        with pytest.raises(error) as raised:
            await self._fail(tmp_path, statement)
        assert type(raised.value) is error
        assert isinstance(raised.value.__cause__, IntegrityError | OperationalError)

    async def test_as_a_decorator(self) -> None:
        @translate_errors()
        async def lookup() -> None:
            raise NoResultFound("nothing")

        with pytest.raises(NotFound):
            await lookup()

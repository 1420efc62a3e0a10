"""The migrations are the schema: they go up and down cleanly and match the models exactly."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, MetaData, String, inspect
from sqlalchemy.engine import Connection

import citrine_data.models  # noqa: F401  (registers every table)
from citrine_data import migrate
from citrine_data.base import Base
from citrine_data.engine import create_engine


def _differences(connection: Connection) -> list[Any]:
    options = migrate.context_options(connection.dialect.name)
    context = MigrationContext.configure(connection, opts=options)
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def _run_sync(url: str, function: Any) -> Any:
    engine = create_engine(url, pool=None)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(function)
    finally:
        await engine.dispose()


class TestUpgradeDowngrade:
    async def test_up_down_up(self, empty_database_url: str) -> None:
        url = empty_database_url
        assert await migrate.current_async(url) is None

        await migrate.upgrade_async(url)
        assert await migrate.current_async(url) == migrate.head()
        assert await _run_sync(url, _tables) >= set(Base.metadata.tables)

        await migrate.downgrade_async(url, "base")
        assert await migrate.current_async(url) is None
        assert await _run_sync(url, _tables) == {"alembic_version"}

        await migrate.upgrade_async(url)
        assert await migrate.current_async(url) == migrate.head()

    def test_sync_api_from_a_thread_free_context(self, empty_database_url: str) -> None:
        migrate.upgrade(empty_database_url)
        assert migrate.current(empty_database_url) == migrate.head()


class TestModelsMatchMigrations:
    async def test_no_differences(self, database_url: str) -> None:
        assert await _run_sync(database_url, _differences) == []

    async def test_the_comparison_sees_a_model_change(self, database_url: str) -> None:
        changed = MetaData(naming_convention=Base.metadata.naming_convention)
        for table in Base.metadata.tables.values():
            table.to_metadata(changed)
        changed.tables["tenants"].append_column(Column("extra", String(10)))
        changed.tables["transactions"].c.transaction_id.type = String(99)

        def differences(connection: Connection) -> list[Any]:
            options = migrate.context_options(connection.dialect.name)
            context = MigrationContext.configure(connection, opts=options)
            return list(compare_metadata(context, changed))

        found = await _run_sync(database_url, differences)
        assert [entry[0] for entry in found if isinstance(entry, tuple)] == ["add_column"]
        assert any(isinstance(entry, list) and entry[0][0] == "modify_type" for entry in found)


class TestUrl:
    def test_config_url_wins(self) -> None:
        config = migrate.alembic_config("postgresql+asyncpg://u:p%40ss@h/db")
        environ = {"CITRINE_DATABASE_URL": "sqlite+aiosqlite:///other.db"}
        assert migrate.database_url(config, environ) == "postgresql+asyncpg://u:p%40ss@h/db"

    @pytest.mark.parametrize("name", migrate.URL_ENVIRONMENT_VARIABLES)
    def test_environment_then_default(self, name: str) -> None:
        config = migrate.alembic_config()
        assert migrate.database_url(config, {name: "sqlite+aiosqlite:///x.db"}).endswith("x.db")
        assert migrate.database_url(config, {}) == migrate.DEFAULT_URL

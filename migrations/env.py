"""Alembic environment, used by the CLI and by ``citrine_data.migrate`` alike.

The URL is the config's ``sqlalchemy.url`` when set (programmatic use), else
``CITRINE_DATABASE_URL``, else the embedded SQLite default. Migrations run on the async engine
through ``run_sync``.
"""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

import citrine_data.models  # noqa: F401  (registers every table on Base.metadata)
from citrine_data.base import Base
from citrine_data.engine import create_engine
from citrine_data.migrate import context_options, database_url

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def run_migrations_offline() -> None:
    """``alembic upgrade --sql``: print the SQL instead of running it."""
    url = database_url(config)
    dialect_name = url.split(":", 1)[0].split("+", 1)[0]
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **context_options(dialect_name),
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # SQLite batch mode drops and recreates tables; with foreign keys on, dropping a parent
        # table would cascade-delete its children. The pragma is ignored inside a transaction,
        # so it goes to the driver before alembic begins; the connection is not pooled.
        _sqlite_pragma(connection, "PRAGMA foreign_keys=OFF")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        **context_options(connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"migration left dangling foreign keys: {broken[:10]}")


def _sqlite_pragma(connection: Connection, statement: str) -> None:
    cursor = connection.connection.cursor()
    try:
        cursor.execute(statement)
    finally:
        cursor.close()


async def run_async_migrations() -> None:
    engine = create_engine(database_url(config), pool=None)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_async_migrations())

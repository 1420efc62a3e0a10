"""Run the alembic migrations from code: the only way a schema comes to exist.

The functions here are synchronous because alembic is; ``migrations/env.py`` drives the async
engine with ``asyncio.run``. From a running event loop use the ``*_async`` variants, which run
the same code in a worker thread (a thread has no running loop of its own).

The migrations live in ``migrations/`` at the repository root, next to this package, so these
functions work from a source checkout or an editable install, not from a built wheel.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from citrine_base.config import DatabaseConfig
from citrine_data.base import MONEY_PRECISION, MONEY_SCALE, MONEY_TEXT_LENGTH, Money, UTCDateTime
from citrine_data.engine import create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
DEFAULT_URL: str = DatabaseConfig.model_fields["url"].default
# The first is what the CLI documents; the second is what SystemConfig reads
# (CITRINE_ prefix, "__" between nested keys), so one environment serves both.
URL_ENVIRONMENT_VARIABLES = ("CITRINE_DATABASE_URL", "CITRINE_DATABASE__URL")


def database_url(config: Config | None = None, environ: Mapping[str, str] = os.environ) -> str:
    """The URL migrations run against: set on the config, else the environment, else SQLite."""
    if config is not None:
        url = config.get_main_option("sqlalchemy.url")
        if url:
            return url
    for name in URL_ENVIRONMENT_VARIABLES:
        if environ.get(name):
            return environ[name]
    return DEFAULT_URL


def alembic_config(url: str | None = None) -> Config:
    """A config without an ini file (logging stays the application's business)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # Config values go through ConfigParser interpolation: a '%' in a password must double.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def current(url: str) -> str | None:
    """The revision the database is at, None for an empty database."""
    return asyncio.run(_current(url))


def head() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade_async(url: str, revision: str = "head") -> None:
    await asyncio.to_thread(upgrade, url, revision)


async def downgrade_async(url: str, revision: str) -> None:
    await asyncio.to_thread(downgrade, url, revision)


async def current_async(url: str) -> str | None:
    return await _current(url)


async def _current(url: str) -> str | None:
    engine = create_engine(url, pool=None)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_current_revision)
    finally:
        await engine.dispose()


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def context_options(dialect_name: str) -> dict[str, Any]:
    """Options for ``context.configure``: the same for migrating, autogenerate and checks."""
    sqlite = dialect_name == "sqlite"
    return {
        "compare_type": True,
        # SQLite cannot ALTER most things; batch mode recreates the table instead.
        "render_as_batch": sqlite,
        # Our SQLite connections begin transactions explicitly (see engine.py), so DDL is
        # transactional there too and a failed migration leaves nothing half done.
        "transactional_ddl": True,
        "render_item": render_item,
    }


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render our column types as plain ``sa`` types, so migrations never import app code."""
    if type_ != "type":
        return False
    if isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(obj, Money):
        return (
            f"sa.Numeric({MONEY_PRECISION}, {MONEY_SCALE})"
            f'.with_variant(sa.String({MONEY_TEXT_LENGTH}), "sqlite")'
        )
    return False

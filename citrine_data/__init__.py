"""Persistence: SQLAlchemy models, repositories, the engine, and the migrations runner.

::

    engine = engine_from_config(config.database)      # or create_engine(url, pool=...)
    sessions = create_sessionmaker(engine)
    await migrate.upgrade_async(config.database.url)  # the only way a schema comes to exist
    async with sessions() as session, session.begin():
        station = await ChargingStationRepository.from_session(session).get_by_key(key)

Models are in ``citrine_data.models``, repositories in ``citrine_data.repositories``.
"""

from citrine_data.base import Base
from citrine_data.engine import (
    PoolSettings,
    ReadSession,
    create_engine,
    create_sessionmaker,
    engine_from_config,
)
from citrine_data.errors import (
    Conflict,
    DataError,
    IntegrityViolation,
    InvalidValue,
    NotFound,
    translate_errors,
)
from citrine_data.repositories.base import Page
from citrine_data.unit_of_work import Session, SessionFactory, UnitOfWork, unit_of_work

__all__ = [
    "Base",
    "Conflict",
    "DataError",
    "IntegrityViolation",
    "InvalidValue",
    "NotFound",
    "Page",
    "PoolSettings",
    "ReadSession",
    "Session",
    "SessionFactory",
    "UnitOfWork",
    "create_engine",
    "create_sessionmaker",
    "engine_from_config",
    "translate_errors",
    "unit_of_work",
]

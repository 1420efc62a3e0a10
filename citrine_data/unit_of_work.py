"""A unit of work: one database transaction, and the side effects that wait for its commit.

The outermost layer owns the transaction (habit 8): the handler runner opens one unit of work
per station CALL and commits it before the CALLRESULT is written; a REST dependency opens one
per request. Services receive ``uow.session``, flush, and never commit.

Side effects (broker events, callbacks, follow-up CALLs to a station) are staged with
``after_commit`` and run only once the commit succeeded; a rollback drops them (habit 9). An
effect that fails is logged, never raised: the data is committed and the caller's answer must
not change because, say, a webhook was down.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from citrine_data.errors import translate_errors

log = structlog.get_logger(__name__)

Session = AsyncSession
"""The session type services take (modules import it from here, never from SQLAlchemy)."""

SessionFactory = async_sessionmaker[AsyncSession]

Effect = Callable[[], Awaitable[None]]


class UnitOfWork:
    """The session is opened on first use: a handler that never touches the database (a
    Heartbeat) costs no session at all."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None
        self._effects: list[Effect] = []

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            self._session = self._sessions()
        return self._session

    def after_commit(self, effect: Effect) -> None:
        """Run ``effect`` once the transaction has committed (never if it rolls back)."""
        self._effects.append(effect)

    async def run_effects(self) -> None:
        effects, self._effects = self._effects, []
        for effect in effects:
            try:
                await effect()
            except Exception:
                log.exception("unit_of_work.effect_failed", effect=getattr(effect, "__name__", ""))


@asynccontextmanager
async def unit_of_work(sessions: SessionFactory) -> AsyncIterator[UnitOfWork]:
    """Commit when the block ends normally, roll back when it raises; then run the effects.

    A failed commit raises ``citrine_data.errors.DataError`` and runs no effect.
    """
    uow = UnitOfWork(sessions)
    try:
        yield uow
        if uow._session is not None:
            with translate_errors():
                await uow._session.commit()
    except BaseException:
        if uow._session is not None:
            await uow._session.rollback()
        raise
    finally:
        if uow._session is not None:
            await uow._session.close()
    await uow.run_effects()

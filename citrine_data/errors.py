"""Our data errors, and the one place where driver exceptions become them.

::

    DataError                  any database failure a caller may handle (base class)
    ├── NotFound               the row the caller named does not exist
    ├── Conflict               a unique key already holds this value (duplicate)
    ├── IntegrityViolation     another constraint refused the row: unknown foreign key,
    │                          NULL in a NOT NULL column, failed CHECK
    └── InvalidValue           a value the column cannot hold: an integer beyond its range
                               (sqlite3's OverflowError, PostgreSQL's int32/int64 range),
                               a string longer than a PostgreSQL varchar

Repositories wrap their statements in ``translate_errors()`` so that modules never see
SQLAlchemy, asyncpg or sqlite3 exceptions (habit 5). Programming errors (a lazy load that
raises, a bad statement) are not translated: they are bugs, not data conditions.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import ParamSpec, TypeVar

from sqlalchemy import exc

P = ParamSpec("P")
R = TypeVar("R")

# SQLSTATE of a unique violation (PostgreSQL) and the sqlite3 extended error names (3.11+).
_PG_UNIQUE_VIOLATION = "23505"
_SQLITE_DUPLICATE = frozenset({"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"})


class DataError(Exception):
    """A database failure; ``constraint`` names the constraint when the driver reports it."""

    def __init__(self, message: str, *, constraint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.constraint = constraint


class NotFound(DataError):
    pass


class Conflict(DataError):
    pass


class IntegrityViolation(DataError):
    pass


class InvalidValue(DataError):
    pass


def _driver_error(error: exc.DBAPIError) -> BaseException | None:
    # asyncpg's own exception is the cause of SQLAlchemy's adapted one; sqlite3's is orig.
    orig = error.orig
    return orig.__cause__ if orig is not None and orig.__cause__ is not None else orig


def _is_duplicate(error: exc.IntegrityError) -> bool:
    orig = error.orig
    if getattr(orig, "sqlstate", None) == _PG_UNIQUE_VIOLATION:
        return True
    if getattr(orig, "sqlite_errorname", None) in _SQLITE_DUPLICATE:
        return True
    return "UNIQUE constraint failed" in str(orig)


def _is_invalid_value(error: exc.DBAPIError, driver: BaseException | None) -> bool:
    """A value the column cannot hold: SQLSTATE class 22 (data exception) from PostgreSQL,
    or a Python ``OverflowError`` under the driver's error (asyncpg binding an int)."""
    if isinstance(error, exc.DataError):
        return True
    if str(getattr(driver, "sqlstate", "") or "").startswith("22"):
        return True
    while driver is not None:
        if isinstance(driver, OverflowError):
            return True
        driver = driver.__cause__
    return False


def translate(error: exc.DBAPIError) -> DataError:
    """Our error for a driver error; the original stays reachable as ``__cause__``."""
    driver = _driver_error(error)
    constraint = getattr(driver, "constraint_name", None)
    message = str(error.orig) if error.orig is not None else str(error)
    if isinstance(error, exc.IntegrityError):
        if _is_duplicate(error):
            return Conflict(message, constraint=constraint)
        return IntegrityViolation(message, constraint=constraint)
    if _is_invalid_value(error, driver):
        return InvalidValue(message, constraint=constraint)
    return DataError(message, constraint=constraint)


class translate_errors:  # lower case: it reads as a function, `with translate_errors():`
    """Context manager (and decorator for coroutine functions) translating driver errors.

    ``NoResultFound`` from ``scalar_one()`` becomes ``NotFound``.
    """

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if isinstance(exc_value, exc.DBAPIError):
            raise translate(exc_value) from exc_value
        if isinstance(exc_value, exc.NoResultFound):
            raise NotFound(str(exc_value)) from exc_value
        if isinstance(exc_value, OverflowError):  # sqlite3 binding an int beyond 64 bits
            raise InvalidValue(str(exc_value)) from exc_value

    def __call__(self, function: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @functools.wraps(function)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            with self:
                return await function(*args, **kwargs)

        return wrapper

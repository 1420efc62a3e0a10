"""What every REST endpoint shares: who is calling, the unit of work, errors, pagination.

Errors carry their HTTP status; ``server`` renders all of them (and ``citrine_data`` errors)
in one handler as ``{"detail": message}``::

    ApiError                 (status on the class)
    ├── BadRequest           400
    ├── Unauthorized         401  no or bad credentials
    ├── Forbidden            403  authenticated, but not allowed (scope, tenant)
    ├── NotFoundError        404
    ├── ConflictError        409
    └── Unprocessable        422  well-formed but against the rules

``citrine_data.NotFound`` becomes 404, ``Conflict`` and ``IntegrityViolation`` 409.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, ClassVar, Generic, Protocol, TypeVar

from fastapi import Depends, Query, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from citrine_base.config import SystemConfig
from citrine_base.interfaces.envelope import DEFAULT_TENANT
from citrine_base.interfaces.module import CommandSender
from citrine_base.interfaces.storage import FileStorage
from citrine_data import Page, SessionFactory, UnitOfWork, unit_of_work

T = TypeVar("T")
Item = TypeVar("Item")


class ApiError(Exception):
    status: ClassVar[int] = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(ApiError):
    status = 400


class Unauthorized(ApiError):
    status = 401


class Forbidden(ApiError):
    status = 403


class NotFoundError(ApiError):
    status = 404


class ConflictError(ApiError):
    status = 409


class Unprocessable(ApiError):
    status = 422


class Scope(StrEnum):
    READ = "read"  # read data
    OPERATE = "operate"  # send commands to stations, manage tokens and tariffs
    ADMIN = "admin"  # everything: stations, credentials, keys, tenants

    def includes(self, other: Scope) -> bool:
        order = (Scope.READ, Scope.OPERATE, Scope.ADMIN)
        return order.index(self) >= order.index(other)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling. ``tenant_id`` None is a platform operator who may act for any tenant."""

    name: str
    tenant_id: str | None
    scopes: frozenset[Scope] = field(default_factory=frozenset)

    def allows(self, scope: Scope) -> bool:
        return any(held.includes(scope) for held in self.scopes)

    def tenant_for(self, requested: str | None) -> str:
        """The tenant a request acts on: a tenant's key only ever acts on its own tenant."""
        if self.tenant_id is None:
            return requested or DEFAULT_TENANT
        if requested is not None and requested != self.tenant_id:
            # Not 403: a key of tenant A learns nothing about what tenant B has.
            raise NotFoundError(f"Unknown tenant {requested}")
        return self.tenant_id


class Authenticator(Protocol):
    async def authenticate(self, request: Request) -> Principal:
        """The caller's principal, or ``Unauthorized``."""
        ...


@dataclass(frozen=True, slots=True)
class RestContext:
    """What endpoints need from the composition root; ``server`` puts it on ``app.state.rest``."""

    auth: Authenticator
    sessions: SessionFactory
    # For endpoints that send a CALL themselves or serve files (certificates, logs, firmware).
    commands: CommandSender | None = None
    storage: FileStorage | None = None
    config: SystemConfig | None = None


def rest_context(request: Request) -> RestContext:
    context: RestContext = request.app.state.rest
    return context


# Declared so that the OpenAPI document has security schemes and Swagger UI an "Authorize"
# button; the values are not used: the ``Authenticator`` reads the headers itself.
_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="An API key (ck_...) or, when configured, an OpenID Connect access token",
)
_api_key = APIKeyHeader(
    name="X-API-Key", auto_error=False, scheme_name="apiKey", description="An API key (ck_...)"
)
_Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
_ApiKeyHeader = Annotated[str | None, Depends(_api_key)]


def require(scope: Scope) -> Callable[..., Awaitable[Principal]]:
    """A dependency giving the authenticated caller, who must hold ``scope``."""

    async def principal(request: Request, _bearer: _Bearer, _key: _ApiKeyHeader) -> Principal:
        found = await rest_context(request).auth.authenticate(request)
        if not found.allows(scope):
            raise Forbidden(f"This operation needs the {scope.value} scope")
        return found

    principal.__name__ = f"require_{scope.value}"
    return principal


async def _unit_of_work(request: Request) -> AsyncIterator[UnitOfWork]:
    # Committed when the endpoint returns; a failed commit still turns into an error response.
    # That needs scope="function" on the Depends: FastAPI's default exits a yield dependency
    # only after the response was sent, so the client heard "201" before the commit ran.
    async with unit_of_work(rest_context(request).sessions) as work:
        yield work


Reader = Annotated[Principal, Depends(require(Scope.READ))]
Operator = Annotated[Principal, Depends(require(Scope.OPERATE))]
Admin = Annotated[Principal, Depends(require(Scope.ADMIN))]
Uow = Annotated[UnitOfWork, Depends(_unit_of_work, scope="function")]


class ApiModel(BaseModel):
    """REST bodies: camelCase on the wire like OCPP, snake_case in Python."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        from_attributes=True,
        serialize_by_alias=True,
    )


class PageOut(ApiModel, Generic[Item]):
    items: list[Item]
    total: int | None
    limit: int
    offset: int

    @classmethod
    def of(cls, page: Page[T], convert: Callable[[T], Item]) -> PageOut[Item]:
        return cls(
            items=[convert(item) for item in page.items],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    offset: int


def page_params(
    limit: Annotated[int, Query(ge=1, le=500, description="Items per page")] = 50,
    offset: Annotated[int, Query(ge=0, description="Items to skip")] = 0,
) -> PageParams:
    return PageParams(limit, offset)


Paging = Annotated[PageParams, Depends(page_params)]

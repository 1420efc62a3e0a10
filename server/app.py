"""The FastAPI application: REST, health and the station websockets on one port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse

from citrine_base.config import SystemConfig
from citrine_modules.commands import CommandRecord
from citrine_modules.message_api import message_router
from citrine_modules.ocpp_router.api import router as message_log_router
from citrine_modules.operators.api import router as api_keys_router
from citrine_modules.rest import Reader, RestContext
from server.errors import install_error_handlers
from server.limits import install_limits
from server.openapi import document_errors
from server.runtime import Runtime
from server.websocket import station_websocket


def create_app(config: SystemConfig, *, with_router: bool = True) -> FastAPI:
    runtime = Runtime(config, with_router=with_router)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with runtime.running():
            yield

    app = FastAPI(
        title="Citrine CSMS",
        summary="OCPP 2.0.1 Charging Station Management System",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.rest = RestContext(
        auth=runtime.auth,
        sessions=runtime.sessions,
        commands=runtime.deps.commands,
        storage=runtime.storage,
        config=config,
    )
    install_error_handlers(app)
    install_limits(app, config.limits, with_router=with_router)
    if config.cors.origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=config.cors.origins,
            allow_credentials=config.cors.allow_credentials,
            allow_methods=["*"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type"],
        )

    @app.get("/health", tags=["health"])
    async def health() -> JSONResponse:
        """Up, and whether the broker, the cache and the database answer right now."""
        checks = await runtime.health()
        healthy = all(checks.values())
        body = {
            "status": "ok" if healthy else "degraded",
            "instanceId": config.instance_id,
            "checks": checks,
            "connectedStations": len(runtime.router.registry) if runtime.router else 0,
            "admission": runtime.admission_counts(),
        }
        return JSONResponse(body, status_code=200 if healthy else 503)

    @app.get("/ocpp/requests/{correlationId}", tags=["commands"], response_model=CommandRecord)
    async def command_status(correlationId: str, principal: Reader) -> JSONResponse:
        """The state of a CALL requested over REST: pending, or its outcome."""
        record = await runtime.tracker.get(correlationId)
        if record is None or principal.tenant_id not in (None, record.tenant_id):
            raise HTTPException(404, f"No command {correlationId} (unknown or expired)")
        return JSONResponse(record.model_dump(mode="json", by_alias=True))

    app.include_router(message_log_router)
    app.include_router(api_keys_router)
    schemas: dict[str, Any] = {}
    for module in runtime.modules:
        for data_router in module.routers():
            app.include_router(data_router)
        specs = [runtime.actions[action] for action in module.sends]
        if specs:
            router, module_schemas = message_router(
                module.name, specs, lambda: runtime.tracker, module.check_command
            )
            app.include_router(router)
            schemas.update(module_schemas)
    _add_schemas_to_openapi(app, schemas)

    if with_router:
        app.add_api_websocket_route("/{path:path}", station_websocket)
        # First in line: routes are matched in order, and a handshake storm should not pay
        # for a scan of every REST route per connection (10 % of the server's CPU at 500
        # stations booting). HTTP requests pass it with one scope-type check.
        app.router.routes.insert(0, app.router.routes.pop())
    return app


def _add_schemas_to_openapi(app: FastAPI, schemas: dict[str, Any]) -> None:
    """Message endpoints read their body themselves (strict OCPP validation), so their body
    schemas are added to the OpenAPI components here."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title, version=app.version, summary=app.summary, routes=app.routes
            )
            document.setdefault("components", {}).setdefault("schemas", {}).update(schemas)
            document_errors(document)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

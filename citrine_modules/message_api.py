"""REST message endpoints, generated from the action registry: one generic endpoint per
CSMS-to-station action, ``POST /ocpp/2.0.1/{module}/{action}?identifier=CS1``.

The body is the OCPP request, validated by its generated model exactly as a station's payload
would be (so the strict schema rules hold for operators too). ``identifier`` may repeat to fan
out. Three ways to get the answer:

* ``wait=SECONDS``: the station's answer is in the HTTP response (one identifier: 200 result,
  502 CALLERROR, 504 timeout, 404 offline, 409 boot not Accepted, 429 queue full; several: 200 with one item each);
* without ``wait``: 202 with a correlation id per station; ``GET /ocpp/requests/{id}`` tells
  its state;
* ``callbackUrl``: receives the outcome of each station (result, error, timeout, ...).
"""

from __future__ import annotations

import asyncio
import inspect
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import AnyHttpUrl

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.model import OcppModel
from citrine_base.ocpp.registry import ActionSpec
from citrine_base.rpc.errors import CommandQueueFull, OcppError
from citrine_base.rpc.validation import validate_payload
from citrine_modules.commands import CommandRecord, CommandTracker, Outcome
from citrine_modules.rest import Operator

MAX_WAIT = 300.0
MAX_IDENTIFIERS = 1000

_STATUS: dict[Outcome, int] = {
    Outcome.RESULT: 200,
    Outcome.ERROR: 502,
    Outcome.TIMEOUT: 504,
    Outcome.OFFLINE: 404,
    Outcome.QUEUE_FULL: 429,
    Outcome.INVALID_RESPONSE: 502,
    Outcome.NOT_ACCEPTED: 409,
    Outcome.FAILED: 503,
    Outcome.PENDING: 202,
}


def endpoint_name(action: str) -> str:
    """CitrineOS's URL form: the action with a lower-case first letter."""
    return action[:1].lower() + action[1:]


CommandCheck = Callable[[str, Sequence[StationKey], OcppModel], Awaitable[None]]
"""Refuses a command before it is sent by raising an ``ApiError`` (``CsmsModule.check_command``)."""


async def _accept(action: str, stations: Sequence[StationKey], request: OcppModel) -> None:
    return None


def message_router(
    module: str,
    specs: Sequence[ActionSpec],
    tracker: Callable[[], CommandTracker],
    check: CommandCheck = _accept,
) -> tuple[APIRouter, dict[str, Any]]:
    """The router of ``module``'s message endpoints and the JSON schemas of their bodies;
    ``check`` sees every schema-valid request before it is sent."""
    router = APIRouter(prefix=f"/ocpp/2.0.1/{module}", tags=[module])
    schemas: dict[str, Any] = {}
    for spec in specs:
        schema = spec.request.model_json_schema(
            by_alias=True, ref_template="#/components/schemas/{model}"
        )
        schemas.update(schema.pop("$defs", {}))
        schemas[spec.request.__name__] = schema
        router.add_api_route(
            f"/{endpoint_name(spec.action)}",
            _endpoint(spec, tracker, check),
            methods=["POST"],
            name=f"{module}.{endpoint_name(spec.action)}",
            summary=f"Send {spec.action} to one or more stations",
            response_model=list[CommandRecord],
            status_code=202,
            openapi_extra={
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{spec.request.__name__}"}
                        }
                    },
                }
            },
        )
    return router, schemas


def _endpoint(
    spec: ActionSpec, tracker: Callable[[], CommandTracker], check: CommandCheck
) -> Callable[..., Awaitable[JSONResponse]]:
    async def endpoint(
        request: Request,
        principal: Operator,
        identifier: Annotated[
            list[str],
            Query(
                min_length=1,
                max_length=MAX_IDENTIFIERS,
                description="Station identity; repeat to fan out",
            ),
        ],
        tenant_id: Annotated[str | None, Query(alias="tenantId")] = None,
        wait: Annotated[
            float | None,
            Query(gt=0, le=MAX_WAIT, description="Seconds to wait for the station's answer"),
        ] = None,
        callback_url: Annotated[
            AnyHttpUrl | None, Query(alias="callbackUrl", description="Receives each outcome")
        ] = None,
    ) -> JSONResponse:
        ocpp_request = await _read_request(spec.request, request)
        tenant = principal.tenant_for(tenant_id)
        stations = [StationKey(tenant, item) for item in dict.fromkeys(identifier)]
        await check(spec.action, stations, ocpp_request)
        return await send_command(
            tracker(),
            spec,
            ocpp_request,
            identifier,
            tenant,
            wait,
            str(callback_url) if callback_url else None,
        )

    endpoint.__name__ = f"send_{endpoint_name(spec.action)}"
    endpoint.__doc__ = f"Send an OCPP {spec.action} CALL; the body is a {spec.action}Request."
    endpoint.__signature__ = inspect.signature(endpoint)  # type: ignore[attr-defined]
    return endpoint


async def _read_request(model: type[OcppModel], request: Request) -> OcppModel:
    body = await request.body()
    try:
        return validate_payload(model, body or b"{}")
    except OcppError as error:
        raise HTTPException(
            422, {"code": error.code.value, "message": error.description, **error.details}
        ) from None


async def send_command(
    tracker: CommandTracker,
    spec: ActionSpec,
    request: OcppModel,
    identifiers: list[str],
    tenant_id: str,
    wait: float | None,
    callback_url: str | None,
) -> JSONResponse:
    stations = [StationKey(tenant_id, identifier) for identifier in dict.fromkeys(identifiers)]
    if wait is None:
        records: list[CommandRecord] = []
        for station in stations:
            try:
                records.append(
                    await tracker.start(
                        station, spec.action, request, str(uuid.uuid4()), callback_url
                    )
                )
            except CommandQueueFull as exc:
                raise HTTPException(429, str(exc)) from None
    else:
        records = list(
            await asyncio.gather(
                *(
                    tracker.run(
                        station, spec.action, request, str(uuid.uuid4()), callback_url, timeout=wait
                    )
                    for station in stations
                )
            )
        )
    body = [record.model_dump(mode="json", by_alias=True) for record in records]
    if len(records) == 1:
        return JSONResponse(body, status_code=_STATUS[records[0].outcome])
    return JSONResponse(body, status_code=202 if wait is None else 200)

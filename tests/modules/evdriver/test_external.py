"""The roaming hook: tokens the CSMS does not know are asked of a partner over HTTP (a real
HTTP server here, standing in for a roaming hub)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from citrine_base.interfaces.envelope import StationKey
from citrine_base.ocpp.v201 import datatypes, enums
from citrine_data import Session
from citrine_modules.evdriver.authorization import authorization_for
from tests.live import LiveServer, free_port, live_server
from tests.modules.evdriver.support import authorize, booted, in_db, put_token


class Partner:
    """Knows ROAM-* tokens: OK is accepted with a group, SLOW never answers in time, BAD
    answers nonsense, anything else is unknown (404)."""

    def __init__(self) -> None:
        self.asked: list[dict[str, Any]] = []
        self.app = FastAPI()
        self.app.post("/authorize")(self.answer)

    async def answer(self, request: Request) -> Response:
        body = await request.json()
        self.asked.append({**body, "auth": request.headers.get("authorization")})
        token = body["idToken"]["idToken"]
        if token == "ROAM-OK":
            info = {"status": "Accepted", "groupIdToken": {"idToken": "EMSP-1", "type": "Central"}}
            return JSONResponse(info)
        if token == "ROAM-SLOW":
            await asyncio.sleep(3)
        if token == "ROAM-BAD":
            return Response(b'{"status": "Maybe"}', media_type="application/json")
        return Response(status_code=404)


@asynccontextmanager
async def partner_server() -> AsyncIterator[tuple[Partner, str]]:
    partner = Partner()
    port = free_port()
    config = uvicorn.Config(partner.app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield partner, f"http://127.0.0.1:{port}/authorize"
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def roaming() -> AsyncIterator[tuple[Partner, LiveServer]]:
    async with partner_server() as (partner, url):
        settings = {"url": url, "timeout": 0.5, "bearer_token": "s3cret", "cache_seconds": 60}
        async with live_server(evdriver={"external_authorizer": settings}) as server:
            yield partner, server


async def test_unknown_tokens_are_asked_of_the_partner() -> None:
    async with roaming() as (partner, server), booted(server, "ROAM") as station:
        ok = await authorize(station, "ROAM-OK", "eMAID")
        assert ok == {
            "idTokenInfo": {
                "status": "Accepted",
                "groupIdToken": {"idToken": "EMSP-1", "type": "Central"},
            }
        }
        assert partner.asked == [
            {
                "tenantId": "default",
                "stationId": "ROAM",
                "idToken": {"idToken": "ROAM-OK", "type": "eMAID"},
                "auth": "Bearer s3cret",
            }
        ]
        # The TransactionEvent that follows is answered from the cache: one question only.
        again = await authorize(station, "ROAM-OK", "eMAID")
        assert again == ok
        assert len(partner.asked) == 1
        assert (await authorize(station, "ROAM-NOPE", "eMAID"))["idTokenInfo"]["status"] == (
            "Unknown"
        )


async def test_a_failing_partner_never_accepts() -> None:
    async with roaming() as (partner, server), booted(server, "ROAM2") as station:
        slow = await authorize(station, "ROAM-SLOW", "ISO14443")
        bad = await authorize(station, "ROAM-BAD", "ISO14443")
        assert slow["idTokenInfo"]["status"] == "Unknown"
        assert bad["idTokenInfo"]["status"] == "Unknown"
        # PINs are never sent out; known tokens are answered here.
        async with httpx.AsyncClient(base_url=server.base_url) as client:
            await put_token(client, "ROAM-LOCAL", status="Blocked")
        assert (await authorize(station, "1234", "KeyCode"))["idTokenInfo"]["status"] == "Unknown"
        assert (await authorize(station, "ROAM-LOCAL"))["idTokenInfo"]["status"] == "Blocked"
        asked = [item["idToken"]["idToken"] for item in partner.asked]
        assert asked == ["ROAM-SLOW", "ROAM-BAD"]


async def test_the_service_for_other_modules_asks_too() -> None:
    """What the Transactions module gets with ``authorization_for(config, cache)``."""
    async with roaming() as (partner, server):
        service = authorization_for(server.config, server.runtime.cache)
        token = datatypes.IdToken(id_token="ROAM-OK", type=enums.IdTokenEnum.E_MAID)

        async def work(session: Session) -> str:
            checked = await service.authorize(
                session, StationKey("default", "ANY"), token, evse_id=1, starting=True
            )
            return checked.info.status.value

        try:
            assert await in_db(server, work) == "Accepted"
        finally:
            await service.aclose()
        assert partner.asked[0]["evseId"] == 1

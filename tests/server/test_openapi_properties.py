"""Property-based tests of the REST API against its own OpenAPI document (schemathesis).

A live uvicorn server runs in a thread of its own (schemathesis and hypothesis are
synchronous); every operation gets ``MAX_EXAMPLES`` generated requests, authenticated as a
platform admin. Checked: no 5xx, and responses (status, content type, body) as documented.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis import checks

from citrine_base.config import SystemConfig
from server.app import create_app
from tests.live import fresh_sqlite_url, live_server
from tests.server.api_keys import bearer, make_key

MAX_EXAMPLES = 6
COVERAGE = os.environ.get("CITRINE_SCHEMATHESIS_COVERAGE") == "1"

# The document as the app builds it: no server needed to read it.
# The coverage phase (every boundary and every invalid variant of every parameter) is
# thousands of requests for this API: minutes, not the budget of one test module.
PHASES = {"phases": {"coverage": {"enabled": COVERAGE}}}
schema = schemathesis.openapi.from_dict(
    create_app(
        SystemConfig.load(None, database={"url": "sqlite+aiosqlite:///unused.db"})
    ).openapi(),
    config=schemathesis.config.SchemathesisConfig.from_dict(PHASES),
)

# Not status_code_conformance: 404 and 409 are not in the document of every operation (see
# docs/security.md); a body for a documented status must match its schema.
CHECKS = [
    checks.not_a_server_error,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


class ServerThread:
    """``live_server`` in a thread with its own event loop; stopped by ``stop``."""

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.base_url = ""
        self.headers: dict[str, str] = {}
        self.http = requests.Session()  # keep-alive: one connection for every case
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()
        if not self.ready.wait(60) or self.error:
            raise RuntimeError(f"the server did not start: {self.error!r}")

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)
        self.http.close()

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:
            self.error = exc
            self.ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        overrides: dict[str, Any] = {
            "database": {"url": fresh_sqlite_url()},
            "api_auth": {"local_operator": False},
            "ocpp": {"call_timeout": 1},
        }
        async with live_server(**overrides) as server:
            self.base_url = server.base_url
            key = await make_key(server, tenant=None, scopes=["admin"])
            # Both headers: schemathesis fills every security scheme with values of its own.
            self.headers = {**bearer(key), "X-API-Key": key}
            self.ready.set()
            await self._stop.wait()


@pytest.fixture(scope="module")
def running() -> Iterator[ServerThread]:
    thread = ServerThread()
    thread.start()
    try:
        yield thread
    finally:
        thread.stop()


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_document(case: schemathesis.Case, running: ServerThread) -> None:
    case.call_and_validate(
        base_url=running.base_url,
        session=running.http,
        headers=running.headers,
        checks=CHECKS,
        timeout=15,
    )

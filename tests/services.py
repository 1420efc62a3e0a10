"""Real backing services for tests: their URL when they answer, else skip (fail under CI).

A missing service skips locally, so the suite runs on a bare laptop; under ``CI`` it fails,
so a broken CI service never passes as skipped tests.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
from typing import NoReturn
from urllib.parse import urlsplit

import pytest

REDIS_URL = "redis://127.0.0.1:6379/0"
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"

CONNECT_TIMEOUT = 0.5


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT):
            return True
    except OSError:
        return False


def _unavailable(message: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _require(name: str, env: str, default: str, default_port: int) -> str:
    url = os.environ.get(env) or default
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or default_port
    if not _answers(host, port):
        _unavailable(f"{name} not running on {host}:{port} (set {env} to use another)")
    return url


def require_redis() -> str:
    return _require("Redis", "CITRINE_TEST_REDIS_URL", REDIS_URL, 6379)


def require_rabbitmq() -> str:
    return _require("RabbitMQ", "CITRINE_TEST_AMQP_URL", AMQP_URL, 5672)


def require_postgres() -> str:
    return _require("PostgreSQL", "CITRINE_TEST_DATABASE_URL", DATABASE_URL, 5432)


async def close_rabbitmq_connection(name: str, *, missing_ok: bool = False) -> None:
    """Have RabbitMQ close the connection named ``name``, as a broker restart or a network
    cut would (only that one: others share the server). Skips without ``rabbitmqctl``."""
    rabbitmqctl = shutil.which("rabbitmqctl")
    if rabbitmqctl is None:
        pytest.skip("rabbitmqctl not on PATH: cannot close a connection from the server side")
    listing = await asyncio.create_subprocess_exec(
        rabbitmqctl,
        "-q",
        "list_connections",
        "--no-table-headers",
        "pid",
        "client_properties",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await listing.communicate()
    if listing.returncode != 0:
        pytest.skip(f"rabbitmqctl unusable: {err.decode().strip()}")
    pids = [
        line.split("\t", 1)[0]
        for line in out.decode().splitlines()
        if f'{{"connection_name","{name}"}}' in line
    ]
    if missing_ok and not pids:
        return  # reconnecting right now
    assert len(pids) == 1, out.decode()
    closing = await asyncio.create_subprocess_exec(
        rabbitmqctl, "-q", "close_connection", pids[0], "cluster test: connection cut"
    )
    assert await closing.wait() == 0

"""EVDriver micro-benchmark: bulk token import, Authorize throughput, a full local list push.

Runs an in-process server (``tests.live``) on a fresh SQLite database, or on a fresh
PostgreSQL one with ``--postgres``; client and server share the process and its CPU, so the
numbers are a floor, not a capacity. Usage::

    .venv/bin/python -m bench.evdriver                     # 10,000 tokens, 2,000 Authorizes
    .venv/bin/python -m bench.evdriver --tokens 20000 --postgres
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx

from tests.live import RawStation, fresh_postgres_url, fresh_sqlite_url, live_server, raw_station


@contextlib.asynccontextmanager
async def database(postgres: bool) -> AsyncIterator[str]:
    if postgres:
        async with fresh_postgres_url() as url:
            yield url
    else:
        yield fresh_sqlite_url()


async def import_tokens(client: httpx.AsyncClient, count: int, listed: int) -> float:
    tokens = [
        {"idToken": f"B{n:07d}", "type": "ISO14443", "inLocalList": n < listed}
        for n in range(count)
    ]
    began = time.perf_counter()
    for start in range(0, count, 10_000):  # the endpoint takes 10,000 per request
        response = await client.post(
            "/id-tokens/import", json={"tokens": tokens[start : start + 10_000]}
        )
        response.raise_for_status()
    return time.perf_counter() - began


async def authorize_many(station: RawStation, count: int, tokens: int) -> list[float]:
    latencies = []
    for n in range(count):
        began = time.perf_counter()
        frame = await station.call(
            "Authorize", {"idToken": {"idToken": f"B{n % tokens:07d}", "type": "ISO14443"}}
        )
        latencies.append(time.perf_counter() - began)
        assert frame[2]["idTokenInfo"]["status"] == "Accepted", frame
    return latencies


async def answer_local_lists(station: RawStation, stop: asyncio.Event) -> int:
    answered = 0
    while not stop.is_set():
        try:
            frame = await station.recv(timeout=0.5)
        except TimeoutError:
            continue
        await station.send([3, frame[1], {"status": "Accepted"}])
        answered += 1
    return answered


async def run(args: argparse.Namespace) -> dict[str, Any]:
    os.environ.setdefault("CITRINE_LOG__LEVEL", "WARNING")
    async with (
        database(args.postgres) as url,
        live_server(database={"url": url, "migrate_on_start": True}) as server,
        httpx.AsyncClient(base_url=server.base_url, timeout=600) as client,
    ):
        imported = await import_tokens(client, args.tokens, args.listed)
        async with raw_station(server, "BENCH-1", timeout=30) as station:
            await station.boot()
            await authorize_many(station, 50, args.tokens)  # warm up
            began = time.perf_counter()
            latencies = await authorize_many(station, args.authorizes, args.tokens)
            sequential = time.perf_counter() - began
            stop = asyncio.Event()
            answering = asyncio.create_task(answer_local_lists(station, stop))
            began = time.perf_counter()
            report = (
                await client.post("/stations/BENCH-1/local-list", json={"updateType": "Full"})
            ).json()
            pushed = time.perf_counter() - began
            stop.set()
            await answering
    ordered = sorted(latencies)
    return {
        "database": "postgresql" if args.postgres else "sqlite",
        "tokens_imported": args.tokens,
        "import_seconds": round(imported, 2),
        "tokens_per_second": round(args.tokens / imported),
        "authorizes": args.authorizes,
        "authorize_per_second": round(args.authorizes / sequential),
        "authorize_p50_ms": round(statistics.median(ordered) * 1000, 2),
        "authorize_p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 2),
        "local_list_entries": report["entries"],
        "local_list_messages": report["messages"],
        "local_list_seconds": round(pushed, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tokens", type=int, default=10_000)
    parser.add_argument("--listed", type=int, default=2_000, help="tokens on the local list")
    parser.add_argument("--authorizes", type=int, default=2_000)
    parser.add_argument("--postgres", action="store_true")
    for key, value in asyncio.run(run(parser.parse_args())).items():
        print(f"{key:24} {value}")


if __name__ == "__main__":
    main()

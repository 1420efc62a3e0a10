"""How long a NotifyReport with many variables takes to be stored and answered.

    .venv/bin/python -m bench.notify_report --items 2000 --parts 3
    .venv/bin/python -m bench.notify_report --items 2000 --parts 3 --postgres

Runs a server in this process (fresh SQLite file, or a fresh PostgreSQL database here), boots
one raw station, and times each NotifyReport part from send to CALLRESULT; a second pass
repeats the same parts (the idempotent path).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from tests.live import fresh_postgres_url, fresh_sqlite_url, live_server, raw_station


def part(request_id: int, seq_no: int, last: bool, items: int) -> dict[str, Any]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    data = [
        {
            "component": {"name": "EVSE", "evse": {"id": 1 + index % 8}},
            "variable": {"name": f"Var{seq_no}x{index}"},
            "variableAttribute": [
                {"type": "Actual", "value": str(index), "mutability": "ReadWrite"},
                {"type": "MaxSet", "value": "1000"},
            ],
            "variableCharacteristics": {"dataType": "integer", "supportsMonitoring": True},
        }
        for index in range(items)
    ]
    return {
        "requestId": request_id,
        "generatedAt": now,
        "seqNo": seq_no,
        "tbc": not last,
        "reportData": data,
    }


@contextlib.asynccontextmanager
async def database(postgres: bool) -> AsyncIterator[str]:
    if postgres:
        async with fresh_postgres_url() as url:
            yield url
    else:
        yield fresh_sqlite_url()


async def run(items: int, parts: int, postgres: bool) -> None:
    async with database(postgres) as url:
        if postgres:
            from citrine_data import migrate

            await migrate.upgrade_async(url)
        async with (
            live_server(database={"url": url}, log={"level": "WARNING"}) as server,
            raw_station(server, "BENCH", timeout=120) as station,
        ):
            await station.boot()
            payloads = [part(1, seq, seq == parts - 1, items) for seq in range(parts)]
            for label in ("first", "repeat"):
                times = []
                for payload in payloads:
                    started = time.perf_counter()
                    frame = await station.call("NotifyReport", payload)
                    times.append(time.perf_counter() - started)
                    assert frame[0] == 3, frame
                total = sum(times)
                print(
                    f"{'postgresql' if postgres else 'sqlite'} {label}: {parts} parts x {items} "
                    f"variables ({2 * items} attributes each): "
                    + ", ".join(f"{t * 1000:.0f} ms" for t in times)
                    + f"; {parts * items / total:.0f} variables/s"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--parts", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    asyncio.run(run(args.items, args.parts, args.postgres))


if __name__ == "__main__":
    main()

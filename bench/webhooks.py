"""Webhook machinery micro-benchmark, in one process.

python -m bench.webhooks [--posts N] [--exchanges N]

1. the cost the router pays per OCPP exchange for the webhooks observer: a tenant without
   subscriptions, and one whose subscriptions do not want the action (both: no post);
2. throughput of the dispatcher posting N events to a local uvicorn receiver in the same
   process (signed), and the CPU time per post of sender and receiver together.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import uvicorn

from citrine_base.config import WebhookConfig
from citrine_base.interfaces.envelope import Envelope, EnvelopeKind, Initiator, StationKey
from citrine_modules.webhooks.directory import SubscriptionDirectory, Target, build_index
from citrine_modules.webhooks.dispatcher import WebhookDispatcher
from citrine_modules.webhooks.events import from_exchange
from citrine_modules.webhooks.filters import MESSAGE, EventFilter
from tests.live import free_port


def _target(index: int, url: str, events: list[str]) -> Target:
    return Target(index, "acme", None, url, "k" * 32, EventFilter.of(events))


def observer_cost(exchanges: int) -> dict[str, float]:
    directory = SubscriptionDirectory.__new__(SubscriptionDirectory)
    directory._index = build_index(
        [_target(i, "http://x", ["NotifyEvent", "Message:Reset"]) for i in range(20)]
    )
    quiet, busy = StationKey("nobody", "CS1"), StationKey("acme", "CS1")
    results = {}
    for name, station in (("no_subscriptions_ns", quiet), ("unwanted_action_ns", busy)):
        started = time.perf_counter()
        for _ in range(exchanges):
            directory.targets(station, MESSAGE, "Heartbeat")
        results[name] = (time.perf_counter() - started) / exchanges * 1e9
    return results


async def _receiver(port: int) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="error", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn offers no event to wait on)
        await asyncio.sleep(0.01)
    return server, task


async def dispatch_rate(posts: int) -> dict[str, float]:
    port = free_port()
    server, task = await _receiver(port)
    dispatcher = WebhookDispatcher(WebhookConfig(queue_size=posts, concurrency=8))
    await dispatcher.start()
    target = _target(1, f"http://127.0.0.1:{port}/hook", ["*"])
    station = StationKey("acme", "CS1")
    call = Envelope(
        kind=EnvelopeKind.CALL,
        station=station,
        action="Heartbeat",
        message_id="m",
        initiator=Initiator.STATION,
        payload=b"{}",
    )
    reply = Envelope(
        kind=EnvelopeKind.RESULT,
        station=station,
        action="Heartbeat",
        message_id="m",
        initiator=Initiator.STATION,
        payload=b'{"currentTime":"2026-01-01T00:00:00Z"}',
    )
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(posts):
        event = from_exchange(call, reply)
        dispatcher.offer(target, event, event.body())
    offered = time.perf_counter() - started
    while dispatcher.stats.delivered + dispatcher.stats.failed < posts:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    await dispatcher.stop()
    server.should_exit = True
    await task
    return {
        "posts_per_second": posts / elapsed,
        "offer_us": offered / posts * 1e6,
        # CPU of the whole process (receiver included): what a busy machine cannot hide.
        "cpu_us_per_post": cpu / posts * 1e6,
        "failed": float(dispatcher.stats.failed),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--exchanges", type=int, default=200_000)
    args = parser.parse_args()
    for name, value in observer_cost(args.exchanges).items():
        print(f"{name}: {value:.0f}")
    for name, value in asyncio.run(dispatch_rate(args.posts)).items():
        print(f"{name}: {value:.1f}")


if __name__ == "__main__":
    main()

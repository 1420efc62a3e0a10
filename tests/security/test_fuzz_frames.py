"""Fuzzing the station websocket: thousands of random and mutated frames over a real socket.

Seeds are valid CALLs of the actions a station sends (each checked against the generated
OCPP models when the module loads); a seeded ``random.Random`` mutates them: dropped required
fields, flipped types, oversize strings, unknown properties, deep nesting, broken ids, types
and arity, corrupted text, NaN, duplicate keys, random bytes (text and binary frames).

What must hold: the process and the connection stay up; every frame that is a CALL with a
readable id (decided with orjson, the server's own parser) gets a CALLRESULT or CALLERROR
under that id; after each batch a Heartbeat is answered (nothing is stuck); afterwards a
normal BootNotification and Heartbeat work on the same and on a new connection.

``FUZZ_FRAMES`` (default 3000) and ``FUZZ_SEED`` change the run.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import os
import random
import string
import time
from collections import Counter
from typing import Any

import orjson
import pytest
import websockets
from structlog.testing import capture_logs

from citrine_base.ocpp.v201 import ACTIONS
from citrine_base.rpc.validation import validate_payload
from tests.live import BOOT_PAYLOAD, RawStation, live_server, raw_station

FRAMES = int(os.environ.get("FUZZ_FRAMES", "3000"))
SEED = int(os.environ.get("FUZZ_SEED", "20261201"))
BATCH = 40
NOW = "2026-12-01T12:00:00Z"

SEEDS: list[tuple[str, dict[str, Any]]] = [
    ("BootNotification", BOOT_PAYLOAD),
    ("Heartbeat", {}),
    (
        "StatusNotification",
        {"timestamp": NOW, "connectorStatus": "Available", "evseId": 1, "connectorId": 1},
    ),
    ("Authorize", {"idToken": {"idToken": "TOKEN-1", "type": "ISO14443"}}),
    (
        "MeterValues",
        {
            "evseId": 1,
            "meterValue": [
                {
                    "timestamp": NOW,
                    "sampledValue": [{"value": 12.5, "measurand": "Energy.Active.Import.Register"}],
                }
            ],
        },
    ),
    (
        "TransactionEvent",
        {
            "eventType": "Started",
            "timestamp": NOW,
            "triggerReason": "Authorized",
            "seqNo": 0,
            "transactionInfo": {"transactionId": "T-1", "chargingState": "Charging"},
            "evse": {"id": 1, "connectorId": 1},
            "idToken": {"idToken": "TOKEN-1", "type": "ISO14443"},
            "meterValue": [{"timestamp": NOW, "sampledValue": [{"value": 0}]}],
        },
    ),
    ("SecurityEventNotification", {"type": "TamperDetectionActivated", "timestamp": NOW}),
    (
        "NotifyEvent",
        {
            "generatedAt": NOW,
            "seqNo": 0,
            "eventData": [
                {
                    "eventId": 1,
                    "timestamp": NOW,
                    "trigger": "Alerting",
                    "actualValue": "high",
                    "eventNotificationType": "HardWiredMonitor",
                    "component": {"name": "Connector", "evse": {"id": 1, "connectorId": 1}},
                    "variable": {"name": "Temperature"},
                }
            ],
        },
    ),
    ("DataTransfer", {"vendorId": "com.example", "messageId": "m", "data": {"a": [1, 2]}}),
    ("FirmwareStatusNotification", {"status": "Idle"}),
    ("LogStatusNotification", {"status": "Idle"}),
    (
        "Heartbeat",
        {"customData": {"vendorId": "com.example", "nested": {"list": [1, "two", None]}}},
    ),
]

for _action, _payload in SEEDS:  # the seeds are valid by the generated models
    validate_payload(ACTIONS[_action].request, orjson.dumps(_payload))

WEIRD_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    2**63,
    1.5,
    -1e308,
    "",
    "x",
    "\u0000",
    "\U0001f50c",
    [],
    {},
    [None],
    {"a": None},
    "2026-13-45T99:99:99Z",
]


def _containers(value: Any, found: list[Any]) -> list[Any]:
    if isinstance(value, dict | list):
        found.append(value)
        for child in value.values() if isinstance(value, dict) else value:
            _containers(child, found)
    return found


def _random_key(container: dict[str, Any] | list[Any], rng: random.Random) -> Any:
    if isinstance(container, dict):
        return rng.choice(list(container)) if container else None
    return rng.randrange(len(container)) if container else None


def _random_text(rng: random.Random, size: int) -> str:
    alphabet = string.printable + "\u00e9\u4e2d\U0001f600\u202e\ufffd"
    return "".join(rng.choice(alphabet) for _ in range(size))


def _nested(depth: int) -> Any:
    value: Any = 1
    for level in range(depth):
        value = [value] if level % 2 else {"n": value}
    return value


def mutate_payload(payload: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    payload = copy.deepcopy(payload)
    containers = _containers(payload, [])
    target = rng.choice(containers)
    key = _random_key(target, rng)
    kind = rng.randrange(7)
    if kind == 0 and key is not None:  # drop a field or an array item
        del target[key]
    elif kind == 1 and key is not None:  # flip a type
        target[key] = rng.choice(WEIRD_VALUES)
    elif kind == 2 and key is not None:  # oversize string
        target[key] = "s" * rng.choice([51, 256, 2_000, 50_000, 300_000])
    elif kind == 3 and isinstance(target, dict):  # unknown property
        target[_random_text(rng, rng.randint(1, 20))] = rng.choice(WEIRD_VALUES)
    elif kind == 4 and key is not None:  # deep nesting
        target[key] = _nested(rng.choice([20, 40, 300, 600]))
    elif kind == 5 and isinstance(target, list):  # many array items
        target.extend(copy.deepcopy(target[:1]) * rng.choice([2, 50, 1000]))
    elif kind == 6 and key is not None:  # random unicode in place of a value
        target[key] = _random_text(rng, rng.randint(0, 100))
    return payload


def _message_id(rng: random.Random) -> Any:
    choice = rng.randrange(12)
    if choice == 0:
        return rng.choice([42, None, "", True, [], {}, 1.5, "x" * 37, "x" * 10_000])
    if choice == 1:
        return _random_text(rng, rng.randint(1, 36))
    return f"fz-{rng.getrandbits(40):x}"


def mutate_frame(rng: random.Random) -> str | bytes:
    """One frame: mostly CALLs of mutated payloads, some broken in their envelope or text."""
    action, payload = rng.choice(SEEDS)
    message_id = _message_id(rng)
    if rng.random() < 0.6:
        payload = mutate_payload(payload, rng)
    frame: list[Any] = [2, message_id, action, payload]
    envelope = rng.randrange(20)
    if envelope == 0:
        frame[0] = rng.choice([0, 1, 5, 7, -2, "2", 2.0, None, True, 2**70])
    elif envelope == 1:
        frame[2] = rng.choice(["", "MakeCoffee", "heartbeat", 7, None, "Reset", "A" * 5000])
    elif envelope == 2:
        frame = frame[: rng.randrange(len(frame))] or [2]
    elif envelope == 3:
        frame.append(rng.choice(WEIRD_VALUES))
    elif envelope == 4:
        frame = [3, message_id, payload] if rng.random() < 0.5 else [4, message_id, "X", "", {}]
    elif envelope == 5:
        return _dumps(rng.choice([payload, "text", 12, None, {"0": 2}]))
    text = _dumps(frame)
    corruption = rng.randrange(16)
    if corruption == 0:
        text = text[: rng.randrange(len(text) + 1)]
    elif corruption == 1:
        position = rng.randrange(len(text))
        text = text[:position] + rng.choice('[]{}",:\\ 0aN') + text[position + 1 :]
    elif corruption == 2:
        text = text.replace("{", '{"k": NaN, ', 1) if rng.random() < 0.5 else text + "Infinity"
    elif corruption == 3 and text.endswith("}]"):
        text = text[:-2] + ', "reason": "PowerUp", "reason": 7}]'  # duplicate key
    elif corruption == 4:
        return rng.randbytes(rng.randint(0, 300))
    elif corruption == 5:
        return text.encode()  # a binary frame
    elif corruption == 6:
        text = "[" * 2000 + "]" * 2000 if rng.random() < 0.5 else _random_text(rng, 200)
    return text


def _dumps(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # orjson writes at most 254 levels; the stdlib goes deeper
        return json.dumps(value)


def must_answer(frame: str | bytes) -> str | None:
    """The id a CALLRESULT or CALLERROR must carry, if the frame is a CALL with a readable id."""
    try:
        parsed = orjson.loads(frame)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(parsed, list) or len(parsed) < 2 or parsed[0] != 2:
        return None
    if isinstance(parsed[0], bool) or not isinstance(parsed[0], int):
        return None
    message_id = parsed[1]
    if isinstance(message_id, str) and 0 < len(message_id) <= 36:
        return message_id
    return None


async def _run_batch(station: RawStation, frames: list[str | bytes], batch: int) -> Counter[str]:
    """Send the frames, then a Heartbeat; read until its answer; check every CALL answered."""
    expected = Counter(i for i in map(must_answer, frames) if i is not None)
    for frame in frames:
        await station.send_raw(frame)
    retries = 0
    sync = f"sync-{batch}-{retries}"
    await station.send([2, sync, "Heartbeat", {}])
    answered: Counter[str] = Counter()
    codes: Counter[str] = Counter()
    while True:
        answer = await station.recv(timeout=20)
        assert answer[0] in (3, 4), answer
        if answer[0] == 4:
            assert isinstance(answer[2], str)
            assert isinstance(answer[3], str)
            assert len(answer[3]) <= 255
            assert isinstance(answer[4], dict)
            codes[answer[2]] += 1
        if answer[1] == sync and answer[0] == 3:
            break
        if answer[1] == sync:  # the inbox is full of fuzzed CALLs being handled: try again
            assert answer[2] == "RpcFrameworkError", answer
            await asyncio.sleep(0.05)
            retries += 1
            sync = f"sync-{batch}-{retries}"
            await station.send([2, sync, "Heartbeat", {}])
            continue
        answered[answer[1]] += 1
    missing = expected - answered
    assert not missing, f"CALLs never answered: {sorted(missing)[:10]}"
    return codes


async def test_random_and_mutated_frames_are_answered_and_nothing_breaks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rng = random.Random(SEED)
    started = time.perf_counter()
    codes: Counter[str] = Counter()
    with capture_logs() as logs:
        await _fuzz(rng, codes)
    elapsed = time.perf_counter() - started
    failures = [e for e in logs if e["log_level"] in ("error", "critical", "exception")]
    assert not failures, failures[:5]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR and _not_denial(r)]
    _check_codes(codes)
    assert elapsed < 90, elapsed
    print(f"fuzz: {FRAMES} frames in {elapsed:.1f} s, errors {dict(codes)}")  # noqa: T201


def _not_denial(record: logging.LogRecord) -> bool:
    return "without completing handshake" not in record.getMessage()


async def _fuzz(rng: random.Random, codes: Counter[str]) -> None:
    async with live_server(limits={"message_rate": 0}) as server:
        async with raw_station(server, "FUZZ1", max_size=None) as station:
            assert (await station.boot())[0] == 3
            for batch in range(FRAMES // BATCH):
                frames = [mutate_frame(rng) for _ in range(BATCH)]
                codes += await _run_batch(station, frames, batch)
            assert (await station.boot())[0] == 3
            assert (await station.call("Heartbeat", {}))[0] == 3
        async with raw_station(server, "FUZZ2") as fresh:
            assert (await fresh.boot())[2]["status"] == "Accepted"
            assert (await fresh.call("Heartbeat", {}))[0] == 3
        router = server.runtime.router
        assert router is not None
        assert len(router.registry) == 0  # no connection left behind


def _check_codes(codes: Counter[str]) -> None:
    """Every kind of fault was reached (a weak check that the mutations do their job)."""
    for code in (
        "RpcFrameworkError",
        "ProtocolError",
        "FormatViolation",
        "NotImplemented",
        "NotSupported",
        "OccurrenceConstraintViolation",
        "TypeConstraintViolation",
        "PropertyConstraintViolation",
    ):
        assert codes[code] > 0, (code, codes)


async def test_fuzzing_at_full_speed_under_the_default_rate_limit() -> None:
    """With the production limits a fuzzer at full speed (1000 frames, far over the burst and
    the refusals allowed) is answered until it is closed with 1008; the server serves the
    next connection."""
    rng = random.Random(SEED + 1)
    async with live_server() as server:
        async with raw_station(server, "FUZZ3", max_size=None) as station:
            assert (await station.boot())[0] == 3
            frames = [mutate_frame(rng) for _ in range(1000)]
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await _send_and_read(station, frames)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 1008
        async with raw_station(server, "FUZZ3") as again:
            assert (await again.call("Heartbeat", {}))[0] == 3


async def _send_and_read(station: RawStation, frames: list[str | bytes]) -> None:
    for frame in frames:
        await station.send_raw(frame)
    while True:
        answer = await station.recv(timeout=20)
        assert answer[0] in (3, 4), answer

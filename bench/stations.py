"""Station load benchmark: N simulated OCPP 2.0.1 stations over real websockets.

python -m bench.stations --stations N [--rate R] [--duration S] [--status-ratio 0.5]
    [--port P] [--no-server] [--server-pid PID] [--server-cmd "..."] [--workers W]
    [--ramp S] [--json] [--compression] [--quick]

Phases (all on 127.0.0.1):

1. start ``citrine serve`` on a free port (unless ``--no-server``) and wait for ``/health``;
2. W worker processes (one asyncio loop each) open the N station websockets, spread evenly over
   ``--ramp`` seconds; each station sends BootNotification as soon as it is connected;
3. once every station has finished booting, the steady phase runs for ``--duration`` seconds:
   every Accepted station sends Heartbeat / StatusNotification CALLs at ``--rate`` per second
   (jittered), never more than one outstanding;
4. in-flight CALLs are drained, the connections still open are counted (and compared with
   ``/health``), then every socket is closed and the server gets SIGTERM.

Latencies are measured in the workers (``time.perf_counter`` from just before the send to the
arrival of the CALLRESULT or CALLERROR) and shipped to the parent as raw arrays.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import math
import multiprocessing
import os
import random
import resource
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from array import array
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from queue import Empty
from typing import TYPE_CHECKING, Any

import orjson
import psutil
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.protocol import State
from websockets.typing import Subprotocol

from bench.cluster import health
from bench.targets import BenchCluster, start_bench_cluster

if TYPE_CHECKING:
    from multiprocessing.context import SpawnProcess
    from multiprocessing.queues import Queue
    from multiprocessing.sharedctypes import Synchronized
    from multiprocessing.synchronize import Event as MpEvent

HOST = "127.0.0.1"
SUBPROTOCOL = Subprotocol("ocpp2.0.1")
BOOT, HEARTBEAT, STATUS = 0, 1, 2
ACTION_NAMES = ("BootNotification", "Heartbeat", "StatusNotification")
CALL, CALLRESULT, CALLERROR = 2, 3, 4
SLOW_S = 0.010  # latencies above this are listed individually in the report

Message = tuple[str, int, Any]
"""Worker -> parent: (kind, worker id, body); kinds: ready, booted, drained, result, error."""


def raise_file_limit() -> int:
    """Lift RLIMIT_NOFILE to the hard limit (thousands of sockets); returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    return soft


def describe(exc: BaseException) -> str:
    """A short, aggregatable description of a failure."""
    if isinstance(exc, InvalidStatus):
        return f"InvalidStatus HTTP {exc.response.status_code}"
    text = str(exc).splitlines()[0][:120] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def rfc3339_now() -> str:
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


# --------------------------------------------------------------------------------------------
# Worker side: one process, one event loop, a share of the stations.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerConfig:
    worker_id: int
    stations: int  # total over all workers (for the ramp schedule)
    indices: tuple[int, ...]  # global station indices run by this worker
    ports: tuple[int, ...]  # station i connects to ports[i % len(ports)]
    rate: float
    status_ratio: float
    ramp: float
    call_timeout: float
    open_timeout: float
    compression: bool
    id_prefix: str
    addresses: int  # source addresses the stations connect from (127.0.0.1 when 1)
    seed: int
    use_uvloop: bool
    phase_timeout: float  # bound on every wait for the parent
    gc_freeze: bool
    storm: bool = False  # reconnect after a refused handshake; boot again after Pending
    boot_timeout: float = 120.0  # bound on the boot phase


class StationClosed(Exception):
    """The socket closed while a CALL was outstanding."""


class Station:
    __slots__ = ("index", "next_id", "pending", "pending_id", "ws")

    def __init__(self, index: int) -> None:
        self.index = index
        self.ws: ClientConnection | None = None
        self.next_id = 0
        self.pending: asyncio.Future[list[Any]] | None = None
        self.pending_id: str | None = None


class WorkerState:
    """Everything one worker measures; only touched from its event loop."""

    def __init__(self, cfg: WorkerConfig) -> None:
        self.cfg = cfg
        self.rng = random.Random(cfg.seed * 7919 + cfg.worker_id)
        self.url_bases = [f"ws://{HOST}:{port}/ocpp/" for port in cfg.ports]
        self.start_at = 0.0
        self.steady_end = math.inf
        self.closing = False
        # One entry per answered CALL: send time (s after start_at), latency (s), action, error.
        self.sent_at = array("d")
        self.latency = array("d")
        self.action = array("b")
        self.is_error = array("b")
        self.callerrors: Counter[str] = Counter()
        self.timeouts: Counter[str] = Counter()
        self.call_failures: Counter[str] = Counter()
        self.connect_failures: Counter[str] = Counter()
        self.disconnects: Counter[str] = Counter()
        self.boot_status: Counter[str] = Counter()
        self.pending_answers = 0  # Pending boots answered (storm mode boots again after them)
        self.refused_handshakes: Counter[str] = Counter()  # retried in storm mode
        self.boot_retries: Counter[str] = Counter()  # boots not answered, sent again (storm)
        self.server_calls: Counter[str] = Counter()
        self.late_answers = 0
        self.bad_frames = 0
        self.connected = 0
        self.last_connected = 0.0  # s after start_at
        self.last_booted = 0.0  # s after start_at
        self.boot_pending = len(cfg.indices)
        self.boot_phase_over = asyncio.Event()
        if self.boot_pending == 0:
            self.boot_phase_over.set()
        self.inflight = 0
        self.idle = asyncio.Event()  # set while no CALL is outstanding
        self.idle.set()
        self.connections: list[ClientConnection] = []
        self.readers: list[asyncio.Task[None]] = []
        self.lag_max = {"boot": 0.0, "steady": 0.0}  # worst event-loop lateness per phase (s)

    def boot_finished(self) -> None:
        self.boot_pending -= 1
        if self.boot_pending == 0:
            self.boot_phase_over.set()

    def record(self, action: int, sent: float, latency: float, error: bool) -> None:
        self.sent_at.append(sent - self.start_at)
        self.latency.append(latency)
        self.action.append(action)
        self.is_error.append(1 if error else 0)


class GcTimer:
    """Pauses of the garbage collector in this process (a stall of the load generator would
    show up as server latency)."""

    def __init__(self) -> None:
        self.started = 0.0
        self.phase = "boot"  # set by worker_main: boot, steady, close
        self.max_pause = {"boot": 0.0, "steady": 0.0, "close": 0.0}
        self.total = 0.0
        gc.callbacks.append(self.callback)

    def callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self.started = time.perf_counter()
        else:
            pause = time.perf_counter() - self.started
            self.max_pause[self.phase] = max(self.max_pause[self.phase], pause)
            self.total += pause


GC_TIMER: GcTimer | None = None


def set_gc_phase(phase: str) -> None:
    if GC_TIMER is not None:
        GC_TIMER.phase = phase


async def watch_loop_lag(state: WorkerState) -> None:
    """How late a 50 ms sleep wakes up: a busy or stalled worker loop shows here.
    Also freezes the heap every second (see ``--no-gc-freeze``)."""
    interval = 0.05
    next_freeze = time.monotonic() + 1.0
    while True:
        before = time.monotonic()
        await asyncio.sleep(interval)
        now = time.monotonic()
        if state.closing:
            return
        if state.cfg.gc_freeze and now >= next_freeze:
            # Long-lived objects (sockets, stations) leave the collector's view, so this
            # process' full collections stay short instead of growing with the station count.
            gc.freeze()
            next_freeze = now + 1.0
        phase = "boot" if state.steady_end == math.inf else "steady"
        if now > state.steady_end:
            continue  # draining: not measured
        state.lag_max[phase] = max(state.lag_max[phase], now - before - interval)


async def read_loop(state: WorkerState, station: Station, ws: ClientConnection) -> None:
    """Every frame from the server: answers resolve the outstanding CALL, server CALLs are
    refused with NotImplemented (the bench simulates no device model)."""
    try:
        async for raw in ws:
            try:
                frame = orjson.loads(raw)
            except orjson.JSONDecodeError:
                state.bad_frames += 1
                continue
            if not isinstance(frame, list) or len(frame) < 3:
                state.bad_frames += 1
                continue
            kind = frame[0]
            if kind == CALLRESULT or kind == CALLERROR:
                pending = station.pending
                if pending is not None and frame[1] == station.pending_id and not pending.done():
                    pending.set_result(frame)
                else:
                    state.late_answers += 1
            elif kind == CALL:
                state.server_calls[str(frame[2])] += 1
                reply = [CALLERROR, frame[1], "NotImplemented", "bench station", {}]
                await ws.send(orjson.dumps(reply).decode())
            else:
                state.bad_frames += 1
    except ConnectionClosed:
        pass
    finally:
        if not state.closing:
            state.disconnects[f"close {ws.close_code} {ws.close_reason or ''}".strip()] += 1
        pending = station.pending
        if pending is not None and not pending.done():
            pending.set_exception(StationClosed(f"closed with code {ws.close_code}"))


async def call(
    state: WorkerState, station: Station, action: int, payload: dict[str, Any]
) -> list[Any] | None:
    """One CALL and its answer frame, or None after a timeout or a closed socket."""
    ws = station.ws
    assert ws is not None
    name = ACTION_NAMES[action]
    station.next_id += 1
    unique_id = f"{station.index}-{station.next_id}"
    future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
    station.pending, station.pending_id = future, unique_id
    state.inflight += 1
    state.idle.clear()
    text = orjson.dumps([CALL, unique_id, name, payload]).decode()
    sent_at = time.monotonic()  # the clock the phases are scheduled on (shared by processes)
    sent = time.perf_counter()
    try:
        await ws.send(text)
        async with asyncio.timeout(state.cfg.call_timeout):
            frame = await future
    except TimeoutError:
        state.timeouts[name] += 1
        return None
    except (ConnectionClosed, StationClosed) as exc:
        state.call_failures[f"{name}: {describe(exc)}"] += 1
        return None
    finally:
        state.inflight -= 1
        if state.inflight == 0:
            state.idle.set()
        station.pending = station.pending_id = None
    latency = time.perf_counter() - sent
    error = frame[0] == CALLERROR
    if error:
        state.callerrors[f"{name}: {frame[2] if len(frame) > 2 else '?'}"] += 1
    state.record(action, sent_at, latency, error)
    return frame


def boot_outcome(frame: list[Any] | None) -> str:
    if frame is None:
        return "no answer"
    if frame[0] == CALLERROR:
        return f"CALLERROR {frame[2] if len(frame) > 2 else '?'}"
    payload = frame[2] if isinstance(frame[2], dict) else {}
    status = str(payload.get("status", "?"))
    return f"Pending {payload.get('interval', 0)}" if status == "Pending" else status


async def run_station(state: WorkerState, index: int, connect_at: float) -> None:
    cfg = state.cfg
    station = Station(index)
    await asyncio.sleep(max(0.0, connect_at - time.monotonic()))
    ws = await open_station(state, index)
    if ws is None:
        state.boot_finished()
        return
    station.ws = ws
    state.connections.append(ws)
    state.connected += 1
    state.last_connected = max(state.last_connected, time.monotonic() - state.start_at)
    state.readers.append(asyncio.create_task(read_loop(state, station, ws)))

    boot = {
        "reason": "PowerUp",
        "chargingStation": {
            "model": "Bench",
            "vendorName": "Citrine",
            "serialNumber": f"SN-{index}",
        },
    }
    outcome = boot_outcome(await call(state, station, BOOT, boot))
    while cfg.storm and outcome != "Accepted" and ws.state is State.OPEN:
        if outcome.startswith("Pending "):
            # B02: a Pending station boots again after the interval it was given.
            state.pending_answers += 1
            await asyncio.sleep(float(outcome.split(" ", 1)[1]))
        elif outcome in ("no answer",) or outcome.startswith("CALLERROR"):
            # Not answered: the station tries again after a back-off of its own.
            state.boot_retries[outcome] += 1
            await asyncio.sleep(state.rng.uniform(10.0, 30.0))
        else:
            break  # Rejected
        if ws.state is not State.OPEN:
            break
        outcome = boot_outcome(await call(state, station, BOOT, boot))
    outcome = outcome.split(" ", 1)[0]
    state.boot_status[outcome] += 1
    if outcome == "Accepted":
        state.last_booted = max(state.last_booted, time.monotonic() - state.start_at)
    state.boot_finished()
    if outcome != "Accepted":
        return  # stays connected but silent, as a station whose boot was not accepted

    rng = state.rng
    period = 1.0 / cfg.rate
    next_at = time.monotonic() + rng.uniform(0.0, period)
    while next_at < state.steady_end:
        delay = next_at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
            continue  # steady_end may have become known while sleeping
        if ws.state is not State.OPEN:
            return
        if rng.random() < cfg.status_ratio:
            status = {
                "timestamp": rfc3339_now(),
                "connectorStatus": "Available" if rng.random() < 0.5 else "Occupied",
                "evseId": 1,
                "connectorId": 1,
            }
            await call(state, station, STATUS, status)
        else:
            await call(state, station, HEARTBEAT, {})
        next_at = max(next_at + period * rng.uniform(0.9, 1.1), time.monotonic())


async def open_station(state: WorkerState, index: int) -> ClientConnection | None:
    """Connect station ``index``; in storm mode a refused handshake (HTTP 503, a timeout) is
    tried again after a randomized back-off, as a real station's reconnect timer would."""
    cfg = state.cfg
    url = state.url_bases[index % len(state.url_bases)] + f"{cfg.id_prefix}-{index:05d}"
    # Stations of a real network come from many addresses (a depot behind NAT shares one):
    # the server's per-address caps see them so. Linux answers on all of 127.0.0.0/8.
    source: dict[str, Any] = (
        {} if cfg.addresses <= 1 else {"local_addr": (source_address(index, cfg.addresses), 0)}
    )
    backoff = 1.0
    while True:
        try:
            return await connect(
                url,
                subprotocols=[SUBPROTOCOL],
                compression="deflate" if cfg.compression else None,
                open_timeout=cfg.open_timeout,
                ping_interval=None,  # the server pings; the library answers
                close_timeout=5,
                max_queue=4,
                **source,
            )
        except Exception as exc:
            if not cfg.storm or state.closing:
                state.connect_failures[describe(exc)] += 1
                return None
            state.refused_handshakes[describe(exc)] += 1
            retry_after = backoff
            if isinstance(exc, InvalidStatus):
                header = exc.response.headers.get("Retry-After")
                retry_after = float(header) if header and header.isdigit() else backoff
            await asyncio.sleep(state.rng.uniform(retry_after, retry_after * 2))
            backoff = min(backoff * 2, 30.0)


def source_address(index: int, addresses: int) -> str:
    """The loopback address station ``index`` connects from: one of ``addresses`` in 127.1/16."""
    slot = index % addresses
    return f"127.1.{slot // 250}.{slot % 250 + 1}"


async def wait_shared(read: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll a cross-process flag (cheap; 20 ms resolution) with a bound."""
    deadline = time.monotonic() + timeout
    while not read():
        if time.monotonic() > deadline:
            raise TimeoutError(f"worker gave up waiting for {what} after {timeout:.0f} s")
        await asyncio.sleep(0.02)


async def worker_main(
    cfg: WorkerConfig,
    queue: Queue[Message],
    start_at: Synchronized[float],
    steady_end: Synchronized[float],
    close_now: MpEvent,
) -> None:
    wid = cfg.worker_id
    state = WorkerState(cfg)
    lag_watcher = asyncio.create_task(watch_loop_lag(state))
    queue.put(("ready", wid, None))
    await wait_shared(lambda: start_at.value > 0 or close_now.is_set(), cfg.phase_timeout, "start")
    if start_at.value <= 0:
        return  # aborted before the start
    state.start_at = start_at.value
    tasks = [
        asyncio.create_task(
            run_station(state, i, state.start_at + cfg.ramp * i / max(1, cfg.stations))
        )
        for i in cfg.indices
    ]
    try:
        async with asyncio.timeout(cfg.boot_timeout):
            await state.boot_phase_over.wait()
    except TimeoutError:
        pass  # reported as missing boots
    queue.put(
        (
            "booted",
            wid,
            {
                "connected": state.connected,
                "last_connected": state.last_connected,
                "last_booted": state.last_booted,
                "boot_status": dict(state.boot_status),
                "boot_unfinished": state.boot_pending,
                "pending_answers": state.pending_answers,
                "refused_handshakes": dict(state.refused_handshakes),
                "boot_retries": dict(state.boot_retries),
            },
        )
    )

    await wait_shared(
        lambda: steady_end.value > 0 or close_now.is_set(), cfg.phase_timeout, "steady phase"
    )
    cpu_start = time.process_time()
    set_gc_phase("steady")
    if steady_end.value > 0:
        state.steady_end = steady_end.value
        await asyncio.sleep(max(0.0, state.steady_end - time.monotonic()))
    cpu_steady = time.process_time() - cpu_start
    set_gc_phase("close")
    with contextlib.suppress(TimeoutError):  # CALLs sent before the end get their answer
        async with asyncio.timeout(cfg.call_timeout + 1):
            await state.idle.wait()
    still_open = sum(1 for ws in state.connections if ws.state is State.OPEN)
    queue.put(("drained", wid, {"open": still_open, "cpu_steady": cpu_steady}))

    with contextlib.suppress(TimeoutError):
        await wait_shared(close_now.is_set, cfg.phase_timeout, "close")
    state.closing = True
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    close_started = time.monotonic()
    await asyncio.gather(*(ws.close() for ws in state.connections), return_exceptions=True)
    close_seconds = time.monotonic() - close_started
    for reader in state.readers:
        reader.cancel()
    await asyncio.gather(*state.readers, return_exceptions=True)
    lag_watcher.cancel()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    queue.put(
        (
            "result",
            wid,
            {
                "sent_at": state.sent_at.tobytes(),
                "latency": state.latency.tobytes(),
                "action": state.action.tobytes(),
                "is_error": state.is_error.tobytes(),
                "callerrors": dict(state.callerrors),
                "timeouts": dict(state.timeouts),
                "call_failures": dict(state.call_failures),
                "connect_failures": dict(state.connect_failures),
                "disconnects": dict(state.disconnects),
                "server_calls": dict(state.server_calls),
                "late_answers": state.late_answers,
                "bad_frames": state.bad_frames,
                "close_seconds": close_seconds,
                "cpu_total": usage.ru_utime + usage.ru_stime,
                "loop_lag_max_s": state.lag_max,
                "gc_max_pause_s": GC_TIMER.max_pause if GC_TIMER else {},
                "gc_total_s": GC_TIMER.total if GC_TIMER else None,
            },
        )
    )


def worker_entry(
    cfg: WorkerConfig,
    queue: Queue[Message],
    start_at: Synchronized[float],
    steady_end: Synchronized[float],
    close_now: MpEvent,
) -> None:
    """Process target (spawned): one event loop running this worker's stations."""
    global GC_TIMER
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    raise_file_limit()
    GC_TIMER = GcTimer()
    run: Callable[[Coroutine[Any, Any, None]], None] = asyncio.run
    if cfg.use_uvloop:
        with contextlib.suppress(ImportError):
            import uvloop

            run = uvloop.run
    try:
        run(worker_main(cfg, queue, start_at, steady_end, close_now))
    except BaseException:
        queue.put(("error", cfg.worker_id, traceback.format_exc()))


# --------------------------------------------------------------------------------------------
# Parent side: the server, the workers, sampling and the report.
# --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def get_health(port: int, timeout: float = 5.0) -> dict[str, Any] | None:
    return health(port, timeout)


def combined_health(ports: Sequence[int]) -> dict[str, Any] | None:
    """``/health`` of every target, stations and admission counters added up."""
    bodies = [get_health(port) for port in ports]
    if any(body is None for body in bodies):
        return None
    total: dict[str, Any] = {"connectedStations": 0, "admission": Counter()}
    for body in bodies:
        assert body is not None
        total["connectedStations"] += body.get("connectedStations", 0)
        total["admission"].update(body.get("admission", {}))
    total["admission"] = dict(total["admission"])
    return total


def progress(text: str) -> None:
    print(f"[bench] {text}", file=sys.stderr, flush=True)


class ProcessSampler:
    """RSS (peak, sampled every second) and CPU time of the server process and its children."""

    def __init__(self, pids: Sequence[int]) -> None:
        self.processes: list[psutil.Process] = []
        for pid in pids:
            with contextlib.suppress(psutil.Error):
                self.processes.append(psutil.Process(pid))
        self.process = self.processes[0] if self.processes else None
        self.peak_rss = 0
        self.last_cpu: float | None = None  # kept for when the process is gone
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _tree(self) -> list[psutil.Process]:
        tree: list[psutil.Process] = []
        for process in self.processes:
            with contextlib.suppress(psutil.Error):
                tree += [process, *process.children(recursive=True)]
        return tree

    def alive(self) -> bool:
        if self.process is None:
            return False
        try:
            return bool(self.process.status() != psutil.STATUS_ZOMBIE)
        except psutil.Error:
            return False

    def rss(self) -> int | None:
        if not self.alive():
            return None
        total = 0
        for proc in self._tree():
            with contextlib.suppress(psutil.Error):
                total += proc.memory_info().rss
        self.peak_rss = max(self.peak_rss, total)
        return total

    def cpu(self) -> float | None:
        """User + system seconds so far (the last value seen once the process is gone)."""
        if not self.alive():
            return self.last_cpu
        total = 0.0
        for proc in self._tree():
            with contextlib.suppress(psutil.Error):
                times = proc.cpu_times()
                total += times.user + times.system
        self.last_cpu = total
        return total

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self.rss()
            self.cpu()

    def start(self) -> None:
        if self.process is not None:
            self.rss()
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)


@dataclass
class ServerHandle:
    process: subprocess.Popen[bytes]
    log_path: Path
    workdir: Path

    def log_tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""


def start_server(args: argparse.Namespace, port: int) -> ServerHandle:
    if args.server_cmd:
        command = shlex.split(args.server_cmd.format(port=port, host=HOST))
    else:
        citrine = Path(sys.executable).with_name("citrine")
        executable = str(citrine) if citrine.exists() else "citrine"
        command = [executable, "serve", "--host", HOST, "--port", str(port)]
    env = dict(os.environ)
    env.setdefault("CITRINE_LOG__LEVEL", "WARNING")
    workdir = Path(args.server_cwd or tempfile.mkdtemp(prefix="citrine-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "server.log"
    progress(f"starting server: {shlex.join(command)} (cwd {workdir}, log {log_path})")
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command,
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the bench only; the bench stops the server
        )
    return ServerHandle(process, log_path, workdir)


def wait_for_health(port: int, server: ServerHandle | None, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server is not None and server.process.poll() is not None:
            raise RuntimeError(
                f"server exited with code {server.process.returncode} before /health answered; "
                f"log tail:\n{server.log_tail()}"
            )
        health = get_health(port, timeout=2)
        if health is not None and health.get("status") == "ok":
            return health
        time.sleep(0.2)
    tail = f"; log tail:\n{server.log_tail()}" if server else ""
    raise RuntimeError(f"/health on port {port} not ok after {timeout:.0f} s{tail}")


def stop_server(server: ServerHandle, timeout: float = 20.0) -> tuple[int | None, float]:
    """SIGTERM, wait, SIGKILL as a last resort; returns (exit code, seconds to exit)."""
    process = server.process
    started = time.monotonic()
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            progress(f"server ignored SIGTERM for {timeout:.0f} s; killing it")
            process.kill()
            process.wait(timeout=10)
    return process.returncode, time.monotonic() - started


def join_workers(processes: list[SpawnProcess], queue: Queue[Message], timeout: float = 30) -> None:
    """Join the workers, draining the queue meanwhile (a worker exits only once what it put
    on the queue is flushed), and terminate any still alive after ``timeout``."""
    deadline = time.monotonic() + timeout
    while any(p.is_alive() for p in processes) and time.monotonic() < deadline:
        with contextlib.suppress(Empty):
            while True:
                queue.get_nowait()
        time.sleep(0.05)
    for process in processes:
        if process.is_alive():
            progress(f"{process.name} did not exit; terminating it")
            process.terminate()
        process.join(timeout=5)


class Mailbox:
    """Worker messages, grouped by kind, with bounded waits."""

    def __init__(self, queue: Queue[Message], workers: int) -> None:
        self.queue = queue
        self.workers = workers
        self.received: dict[str, dict[int, Any]] = {}

    def wait(self, kind: str, timeout: float) -> dict[int, Any]:
        deadline = time.monotonic() + timeout
        while len(self.received.get(kind, {})) < self.workers:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                got = sorted(self.received.get(kind, {}))
                raise TimeoutError(f"only workers {got} reported '{kind}' after {timeout:.0f} s")
            try:
                message_kind, wid, body = self.queue.get(timeout=min(remaining, 1.0))
            except Empty:
                continue
            if message_kind == "error":
                raise RuntimeError(f"worker {wid} failed:\n{body}")
            self.received.setdefault(message_kind, {})[wid] = body
        return self.received[kind]


def percentiles(values: Sequence[float]) -> dict[str, float | None]:
    """p50/p95/p99/max in milliseconds (nearest rank)."""
    if not values:
        return {"p50": None, "p95": None, "p99": None, "max": None, "mean": None}
    ordered = sorted(values)
    n = len(ordered)

    def rank(p: float) -> float:
        return ordered[min(n - 1, max(0, math.ceil(p / 100 * n) - 1))] * 1000

    return {
        "p50": rank(50),
        "p95": rank(95),
        "p99": rank(99),
        "max": ordered[-1] * 1000,
        "mean": sum(ordered) / n * 1000,
    }


def merge_counters(results: dict[int, Any], key: str) -> dict[str, int]:
    total: Counter[str] = Counter()
    for body in results.values():
        total.update(body[key])
    return dict(total.most_common())


@dataclass
class Timeline:
    """Parent-side measurements, in monotonic seconds."""

    start_at: float = 0.0
    steady_start: float = 0.0
    steady_end: float = 0.0
    server_cpu: dict[str, float | None] = field(default_factory=dict)
    server_rss: dict[str, int | None] = field(default_factory=dict)
    system_busy_steady: float | None = None
    server_alive_end: bool | None = None
    health_end: dict[str, Any] | None = None
    ports: tuple[int, ...] = ()


def run(args: argparse.Namespace) -> int:
    nofile = raise_file_limit()
    stations: int = args.stations
    workers = max(1, min(args.workers or min(2, os.cpu_count() or 1), stations))
    ramp: float = args.ramp if args.ramp is not None else stations / 500
    port: int = args.port or (8080 if args.no_server else free_port())
    server: ServerHandle | None = None
    cluster: BenchCluster | None = None
    ports = [int(p) for p in args.ports.split(",")] if args.ports else [port]
    if args.cluster:
        progress(f"starting a cluster of {args.cluster} servers and {args.cluster_workers} workers")
        cluster = start_bench_cluster(args)
        ports = [member.port for member in cluster.serving]
        port = ports[0]
    elif not args.no_server:
        server = start_server(args, port)
    pids = cluster.pids if cluster else [server.process.pid] if server else args.server_pid or []
    server_pid = pids[0] if pids else None
    sampler = ProcessSampler(pids)
    context = multiprocessing.get_context("spawn")
    queue: Queue[Message] = context.Queue()
    start_at = context.Value("d", 0.0)
    steady_end = context.Value("d", 0.0)
    close_now = context.Event()
    processes: list[SpawnProcess] = []
    results: dict[int, Any] = {}
    booted: dict[int, Any] = {}
    drained: dict[int, Any] = {}
    timeline = Timeline(ports=tuple(ports))
    aborted: str | None = None
    server_exit: tuple[int | None, float] | None = None
    boot_timeout = args.boot_timeout or ramp + args.open_timeout + args.call_timeout + 30
    phase_timeout = boot_timeout + args.duration + 150
    try:
        for each in ports:
            health = wait_for_health(each, server, args.server_timeout)
            progress(f"server ready on port {each}: {health}")
        sampler.start()
        timeline.server_rss["idle"] = sampler.rss()
        timeline.server_cpu["ready"] = sampler.cpu()
        for wid in range(workers):
            cfg = WorkerConfig(
                worker_id=wid,
                stations=stations,
                indices=tuple(range(wid, stations, workers)),
                ports=tuple(ports),
                rate=args.rate,
                status_ratio=args.status_ratio,
                ramp=ramp,
                call_timeout=args.call_timeout,
                open_timeout=args.open_timeout,
                compression=args.compression,
                id_prefix=args.id_prefix,
                addresses=args.addresses,
                seed=args.seed,
                use_uvloop=not args.no_uvloop,
                phase_timeout=phase_timeout,
                gc_freeze=not args.no_gc_freeze,
                storm=args.storm,
                boot_timeout=boot_timeout,
            )
            process = context.Process(
                target=worker_entry,
                args=(cfg, queue, start_at, steady_end, close_now),
                name=f"bench-worker-{wid}",
            )
            process.start()
            processes.append(process)
        mailbox = Mailbox(queue, workers)
        mailbox.wait("ready", 60)
        timeline.start_at = time.monotonic() + 0.2
        start_at.value = timeline.start_at
        progress(f"{workers} workers ready; connecting {stations} stations over {ramp:.1f} s")

        booted = mailbox.wait("booted", boot_timeout + 30)
        timeline.steady_start = time.monotonic()
        timeline.steady_end = timeline.steady_start + args.duration
        steady_end.value = timeline.steady_end
        timeline.server_cpu["steady_start"] = sampler.cpu()
        system_start = psutil.cpu_times()
        accepted = sum(body["boot_status"].get("Accepted", 0) for body in booted.values())
        progress(
            f"boot phase over after {timeline.steady_start - timeline.start_at:.1f} s: "
            f"{accepted}/{stations} Accepted; steady phase for {args.duration:.0f} s"
        )
        time.sleep(max(0.0, timeline.steady_end - time.monotonic()))
        timeline.server_cpu["steady_end"] = sampler.cpu()
        system_end = psutil.cpu_times()
        busy = (system_end.user + system_end.system + system_end.nice + system_end.irq
                + system_end.softirq) - (system_start.user + system_start.system
                + system_start.nice + system_start.irq + system_start.softirq)  # fmt: skip
        cores = psutil.cpu_count() or 1
        timeline.system_busy_steady = busy / (args.duration * cores) * 100
        drained = mailbox.wait("drained", args.call_timeout + 30)
        timeline.health_end = combined_health(ports)
        timeline.server_alive_end = sampler.alive() if server_pid is not None else None
        timeline.server_rss["end"] = sampler.rss()
        timeline.server_cpu["end"] = sampler.cpu()
        close_now.set()
        progress("steady phase over; closing connections")
        results = mailbox.wait("result", 120)
    except (RuntimeError, TimeoutError) as exc:
        aborted = str(exc)
        progress(f"ABORTED: {aborted}")
    except KeyboardInterrupt:
        aborted = "interrupted"
        progress("interrupted; cleaning up")
    finally:
        close_now.set()
        join_workers(processes, queue)
        sampler.rss()
        sampler.stop()
        if server is not None:
            server_exit = stop_server(server)
            progress(f"server exited with code {server_exit[0]} after {server_exit[1]:.1f} s")
        if cluster is not None:
            cluster.stop()
    if aborted is not None and not results:
        if server is not None:
            progress(f"server log tail:\n{server.log_tail()}")
        return 2

    report = build_report(
        args, stations, workers, ramp, nofile, port, server_pid, timeline, sampler,
        booted, drained, results, server_exit, aborted,
    )  # fmt: skip
    print_report(report)
    if args.json:
        print(json.dumps(report, separators=(",", ":")))
    return 0 if report["ok"] else 1


def build_report(
    args: argparse.Namespace,
    stations: int,
    workers: int,
    ramp: float,
    nofile: int,
    port: int,
    server_pid: int | None,
    timeline: Timeline,
    sampler: ProcessSampler,
    booted: dict[int, Any],
    drained: dict[int, Any],
    results: dict[int, Any],
    server_exit: tuple[int | None, float] | None,
    aborted: str | None,
) -> dict[str, Any]:
    window_start = timeline.steady_start - timeline.start_at
    window_end = timeline.steady_end - timeline.start_at
    steady: list[float] = []
    per_action: dict[int, list[float]] = {HEARTBEAT: [], STATUS: []}
    boot_latency: list[float] = []
    answered_total = 0
    steady_errors = 0
    slow: list[tuple[float, float, int]] = []  # (latency, s into the steady window, action)
    for body in results.values():
        sent_at, latency = array("d"), array("d")
        action, is_error = array("b"), array("b")
        sent_at.frombytes(body["sent_at"])
        latency.frombytes(body["latency"])
        action.frombytes(body["action"])
        is_error.frombytes(body["is_error"])
        for sent, lat, act, err in zip(sent_at, latency, action, is_error, strict=True):
            if act == BOOT:
                boot_latency.append(lat)
                continue
            answered_total += 1
            if window_start <= sent < window_end:
                steady.append(lat)
                per_action[act].append(lat)
                steady_errors += err
                if lat > SLOW_S:
                    slow.append((lat, sent - window_start, act))

    boot_status = merge_counters(booted, "boot_status")
    accepted = boot_status.get("Accepted", 0)
    connected = sum(body["connected"] for body in booted.values())
    held = sum(body["open"] for body in drained.values())
    health_connected = (timeline.health_end or {}).get("connectedStations")
    timeouts = merge_counters(results, "timeouts")
    call_failures = merge_counters(results, "call_failures")
    connect_failures = merge_counters(results, "connect_failures")
    disconnects = merge_counters(results, "disconnects")
    cpu = timeline.server_cpu

    def delta(a: str, b: str) -> float | None:
        first, second = cpu.get(a), cpu.get(b)
        return None if first is None or second is None else second - first

    steady_cpu = delta("steady_start", "steady_end")
    duration = window_end - window_start
    worker_steady_cpu = [drained[w]["cpu_steady"] for w in sorted(drained)]
    failures = (
        sum(timeouts.values())
        + sum(call_failures.values())
        + sum(connect_failures.values())
        + sum(disconnects.values())
    )
    mib = 1024 * 1024
    idle_rss = timeline.server_rss.get("idle")
    end_rss = timeline.server_rss.get("end")
    report: dict[str, Any] = {
        "config": {
            "stations": stations,
            "rate_per_station": args.rate,
            "duration_s": args.duration,
            "status_ratio": args.status_ratio,
            "ramp_s": ramp,
            "workers": workers,
            "compression": args.compression,
            "port": port,
            "ports": list(timeline.ports),
            "server_pid": server_pid,
            "nofile_limit": nofile,
        },
        "connections": {
            "requested": stations,
            "opened": connected,
            "held_at_end": held,
            "health_connected_at_end": health_connected,
            "connect_failures": connect_failures,
            "unexpected_disconnects": disconnects,
            "all_connected_after_s": max(
                (b["last_connected"] for b in booted.values()), default=None
            ),
        },
        "boot": {
            "accepted": accepted,
            "outcomes": boot_status,
            "unfinished": sum(body["boot_unfinished"] for body in booted.values()),
            "all_booted_after_s": max((b["last_booted"] for b in booted.values()), default=None),
            "pending_answers": sum(b.get("pending_answers", 0) for b in booted.values()),
            "refused_handshakes": merge_counters(booted, "refused_handshakes"),
            "boot_retries": merge_counters(booted, "boot_retries"),
            "server_admission": (timeline.health_end or {}).get("admission"),
            "boot_phase_s": window_start,
            "latency_ms": percentiles(boot_latency),
        },
        "messages": {
            "answered_total": answered_total,
            "answered_steady": len(steady),
            "callerrors_total": merge_counters(results, "callerrors"),
            "callerrors_steady": steady_errors,
            "timeouts": timeouts,
            "call_failures": call_failures,
            "late_answers": sum(body["late_answers"] for body in results.values()),
            "bad_frames": sum(body["bad_frames"] for body in results.values()),
            "server_calls": merge_counters(results, "server_calls"),
            "steady_window_s": duration,
            "offered_per_s": accepted * args.rate,
            "achieved_per_s": len(steady) / duration if duration > 0 else None,
            "slower_than_10ms": len(slow),
            "slowest": [
                {
                    "latency_ms": lat * 1000,
                    "at_s": at,
                    "monotonic": timeline.steady_start + at,  # same clock in every process
                    "action": ACTION_NAMES[act],
                }
                for lat, at, act in sorted(slow, reverse=True)[:5]
            ],
        },
        "latency_ms": {
            "all": percentiles(steady),
            "Heartbeat": percentiles(per_action[HEARTBEAT]),
            "StatusNotification": percentiles(per_action[STATUS]),
        },
        "server": {
            "rss_idle_mib": idle_rss / mib if idle_rss is not None else None,
            "rss_end_mib": end_rss / mib if end_rss is not None else None,
            "rss_peak_mib": sampler.peak_rss / mib if sampler.process is not None else None,
            "rss_per_connection_kib": (end_rss - idle_rss) / 1024 / held
            if idle_rss is not None and end_rss is not None and held
            else None,
            "cpu_total_s": delta("ready", "end"),
            "cpu_boot_phase_s": delta("ready", "steady_start"),
            "cpu_steady_s": steady_cpu,
            "cpu_steady_pct_of_core": steady_cpu / duration * 100
            if steady_cpu is not None and duration > 0
            else None,
            "alive_at_end": timeline.server_alive_end,
            "exit_code": server_exit[0] if server_exit else None,
            "shutdown_s": server_exit[1] if server_exit else None,
        },
        "load_generator": {
            "worker_cpu_steady_pct_of_core": [c / duration * 100 for c in worker_steady_cpu]
            if duration > 0
            else [],
            "worker_cpu_total_s": [results[w]["cpu_total"] for w in sorted(results)],
            "close_s": max((body["close_seconds"] for body in results.values()), default=None),
            "worker_loop_lag_max_ms": {
                phase: max(
                    (b["loop_lag_max_s"][phase] * 1000 for b in results.values()), default=None
                )
                for phase in ("boot", "steady")
            },
            "worker_gc_max_pause_ms": {
                phase: max(
                    (b["gc_max_pause_s"].get(phase, 0.0) * 1000 for b in results.values()),
                    default=None,
                )
                for phase in ("boot", "steady", "close")
            },
            "machine_busy_steady_pct": timeline.system_busy_steady,
        },
        "aborted": aborted,
    }
    report["ok"] = (
        aborted is None
        and accepted == stations
        and held == stations
        and failures == 0
        and (health_connected is None or health_connected == stations)
    )
    return report


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def _num(value: float | None, unit: str = "", digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}{unit}"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} x{v}" for k, v in counts.items()) if counts else "none"


def shutdown_text(code: int | None, seconds: float | None) -> str:
    if seconds is None:
        return "not managed by the bench (--no-server)"
    text = f"exit code {code} after {seconds:.2f} s"
    if code == -signal.SIGTERM:
        text += " (uvicorn re-raises SIGTERM once its graceful shutdown is done)"
    return text


def print_report(r: dict[str, Any]) -> None:
    cfg, conn, boot, msg = r["config"], r["connections"], r["boot"], r["messages"]
    srv, gen = r["server"], r["load_generator"]
    lines = [
        "",
        "== citrine station benchmark ==",
        f"stations requested      {cfg['stations']}  (rate {cfg['rate_per_station']}/s/station, "
        f"status ratio {cfg['status_ratio']}, duration {cfg['duration_s']:.0f} s, "
        f"ramp {cfg['ramp_s']:.1f} s, {cfg['workers']} workers, "
        f"compression {'on' if cfg['compression'] else 'off'}, nofile {cfg['nofile_limit']})",
        f"connections             opened {conn['opened']}, held at end {conn['held_at_end']}, "
        f"/health connectedStations {conn['health_connected_at_end']}",
        f"  connect failures      {_counts(conn['connect_failures'])}",
        f"  unexpected closes     {_counts(conn['unexpected_disconnects'])}",
        f"boots accepted          {boot['accepted']}/{cfg['stations']}  "
        f"(outcomes: {_counts(boot['outcomes'])})",
        f"boot time               all connected {_num(conn['all_connected_after_s'], ' s', 2)}, "
        f"all booted {_num(boot['all_booted_after_s'], ' s', 2)} after the ramp began "
        f"(boot phase {_num(boot['boot_phase_s'], ' s', 2)})",
        f"  storm                 {boot['pending_answers']} Pending answers booted again; "
        f"refused handshakes retried: {_counts(boot['refused_handshakes'])}; "
        f"unanswered boots sent again: {_counts(boot['boot_retries'])}; "
        f"server admission counters {boot['server_admission']}",
        f"  boot latency ms       p50 {_ms(boot['latency_ms']['p50'])}  "
        f"p95 {_ms(boot['latency_ms']['p95'])}  p99 {_ms(boot['latency_ms']['p99'])}  "
        f"max {_ms(boot['latency_ms']['max'])}",
        f"messages answered       {msg['answered_steady']} in the steady window "
        f"({msg['answered_total']} in all, boots excluded)",
        f"CALLERRORs              {sum(msg['callerrors_total'].values())} "
        f"({_counts(msg['callerrors_total'])})",
        f"timeouts / failures     {sum(msg['timeouts'].values())} timeouts "
        f"({_counts(msg['timeouts'])}); {sum(msg['call_failures'].values())} failed calls "
        f"({_counts(msg['call_failures'])}); late answers {msg['late_answers']}",
        f"throughput (steady)     {_num(msg['achieved_per_s'], ' msg/s')} achieved, "
        f"{_num(msg['offered_per_s'], ' msg/s')} offered, "
        f"window {_num(msg['steady_window_s'], ' s')}",
    ]
    for name, stats in r["latency_ms"].items():
        label = "latency ms (steady)" if name == "all" else f"  {name}"
        lines.append(
            f"{label:<24}p50 {_ms(stats['p50'])}  p95 {_ms(stats['p95'])}  "
            f"p99 {_ms(stats['p99'])}  max {_ms(stats['max'])}"
        )
    slowest = ", ".join(
        f"{item['latency_ms']:.1f} ms at {item['at_s']:.1f} s" for item in msg["slowest"]
    )
    lines.append(
        f"  slower than 10 ms     {msg['slower_than_10ms']}"
        + (f" (slowest: {slowest} into the window)" if slowest else "")
    )
    lines += [
        f"server RSS              idle {_num(srv['rss_idle_mib'], ' MiB')}, "
        f"peak {_num(srv['rss_peak_mib'], ' MiB')}, end {_num(srv['rss_end_mib'], ' MiB')} "
        f"(~{_num(srv['rss_per_connection_kib'], ' KiB')} per connection)",
        f"server CPU              {_num(srv['cpu_total_s'], ' s', 2)} in all "
        f"(boot phase {_num(srv['cpu_boot_phase_s'], ' s', 2)}, "
        f"steady {_num(srv['cpu_steady_s'], ' s', 2)} = "
        f"{_num(srv['cpu_steady_pct_of_core'], '% of a core')})",
        "load generator          steady CPU "
        + ", ".join(f"w{i} {p:.1f}%" for i, p in enumerate(gen["worker_cpu_steady_pct_of_core"]))
        + f" of a core; machine busy {_num(gen['machine_busy_steady_pct'], '%')} "
        f"in the steady phase; closing took {_num(gen['close_s'], ' s', 2)}",
        f"  worker loop lag max   boot phase {_ms(gen['worker_loop_lag_max_ms']['boot'])} ms, "
        f"steady {_ms(gen['worker_loop_lag_max_ms']['steady'])} ms; "
        f"worker GC max pause boot {_ms(gen['worker_gc_max_pause_ms']['boot'])} ms, "
        f"steady {_ms(gen['worker_gc_max_pause_ms']['steady'])} ms",
        "server shutdown         " + shutdown_text(srv["exit_code"], srv["shutdown_s"]),
    ]
    if srv["alive_at_end"] is False:
        lines.append("SERVER GONE             the server process had exited before the end")
    if r["aborted"]:
        lines.append(f"ABORTED                 {r['aborted']}")
    lines.append(f"result                  {'OK' if r['ok'] else 'FAILURES (see above)'}")
    print("\n".join(lines), flush=True)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.stations",
        description="Drive N simulated OCPP 2.0.1 stations against a citrine server on 127.0.0.1",
    )
    parser.add_argument("--stations", type=int, help="number of stations (required unless --quick)")
    parser.add_argument("--rate", type=float, default=0.1, help="CALLs per station per second")
    parser.add_argument("--duration", type=float, help="steady phase seconds (default 30)")
    parser.add_argument(
        "--status-ratio", type=float, default=0.5, help="share of StatusNotification"
    )
    parser.add_argument(
        "--port", type=int, help="server port (default: a free one; 8080 with --no-server)"
    )
    parser.add_argument("--no-server", action="store_true", help="target a server already running")
    parser.add_argument(
        "--ports", help="with --no-server: comma-separated ports, station i uses port i mod n"
    )
    parser.add_argument(
        "--server-pid", type=int, action="append", help="with --no-server: pid(s) to sample"
    )
    parser.add_argument(
        "--cluster",
        type=int,
        default=0,
        help="start N citrine serve processes on PostgreSQL, Redis and RabbitMQ instead",
    )
    parser.add_argument("--cluster-workers", type=int, default=0, help="and M citrine workers")
    parser.add_argument("--database-url", help="--cluster: PostgreSQL server (a new database)")
    parser.add_argument("--redis-url", help="--cluster: Redis (default 127.0.0.1)")
    parser.add_argument("--amqp-url", help="--cluster: RabbitMQ (default 127.0.0.1)")
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="K=V",
        help="--cluster: a CITRINE_* setting for every process (repeatable)",
    )
    parser.add_argument(
        "--boot-timeout", type=float, help="seconds the boot phase may take (default: ramp + 90)"
    )
    parser.add_argument(
        "--storm",
        action="store_true",
        help="stations retry refused handshakes with back-off and boot again after Pending",
    )
    parser.add_argument("--server-cmd", help="server command; {port} and {host} are substituted")
    parser.add_argument("--server-cwd", help="server working directory (default: a fresh temp dir)")
    parser.add_argument(
        "--server-timeout", type=float, default=60, help="seconds to wait for /health"
    )
    parser.add_argument("--workers", type=int, help="client processes (default min(2, cpus))")
    parser.add_argument(
        "--ramp", type=float, help="seconds to open all connections (default N/500)"
    )
    parser.add_argument(
        "--call-timeout", type=float, default=30, help="seconds to wait for an answer"
    )
    parser.add_argument("--open-timeout", type=float, default=30, help="seconds for a handshake")
    parser.add_argument("--compression", action="store_true", help="offer permessage-deflate")
    parser.add_argument("--no-uvloop", action="store_true", help="plain asyncio loop in workers")
    parser.add_argument(
        "--no-gc-freeze", action="store_true", help="let worker GC pauses grow with the heap"
    )
    parser.add_argument("--id-prefix", default="bench", help="station ids are PREFIX-00042")
    parser.add_argument(
        "--addresses",
        type=int,
        default=1,
        help="spread the stations over this many source addresses in 127.1.0.0/16, as a "
        "real network's are (default 1: all from 127.0.0.1, one address's caps apply)",
    )
    parser.add_argument("--seed", type=int, default=1, help="jitter / message mix seed")
    parser.add_argument("--json", action="store_true", help="also print one JSON object")
    parser.add_argument("--quick", action="store_true", help="sanity run: 50 stations for 5 s")
    args = parser.parse_args(argv)
    if args.quick:
        args.stations = args.stations or 50
        args.duration = args.duration or 5.0
    if args.duration is None:
        args.duration = 30.0
    if args.stations is None:
        parser.error("--stations is required (or --quick)")
    if args.stations < 1 or args.rate <= 0 or args.duration <= 0:
        parser.error("--stations, --rate and --duration must be positive")
    if not 0.0 <= args.status_ratio <= 1.0:
        parser.error("--status-ratio must be within [0, 1]")
    if args.server_pid is not None and not args.no_server:
        parser.error("--server-pid goes with --no-server")
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    return run(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

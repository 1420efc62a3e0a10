"""A local cluster without Docker: the docker-compose topology as processes on this machine.

    python -m bench.cluster [--instances 2] [--workers 1] [--base-port 8081]
        [--database-url URL] [--redis-url URL] [--amqp-url URL]

runs ``citrine migrate`` once, then ``citrine serve`` instances on consecutive ports and
``citrine worker`` processes after them, all on the same PostgreSQL, Redis and RabbitMQ (by
default the ones on 127.0.0.1), waits until every ``/health`` is ok, prints where they
listen and runs until Ctrl-C. The cluster tests and the benchmark use ``LocalCluster``.

Every cluster gets an exchange and key prefix of its own (``--name``), so several clusters
(and other users of the same RabbitMQ and Redis) never share a queue or a key.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
CITRINE = str(Path(sys.executable).with_name("citrine"))
DEFAULTS = {
    "database": "postgresql+asyncpg://postgres@127.0.0.1:5432/citrine",
    "redis": "redis://127.0.0.1:6379/0",
    "amqp": "amqp://guest:guest@127.0.0.1:5672/",
}


@dataclass
class Member:
    """One process of the cluster."""

    name: str
    role: str  # serve | worker
    port: int
    instance_id: str
    args: list[str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def ws_url(self, station_id: str) -> str:
        return f"ws://{HOST}:{self.port}/ocpp/{station_id}"

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""


def health(port: int, timeout: float = 2.0) -> dict[str, Any] | None:
    """The body of ``/health`` (also when degraded), or None when nothing answers."""
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/health", timeout=timeout) as reply:
            body: dict[str, Any] = json.loads(reply.read())
            return body
    except urllib.error.HTTPError as exc:
        with contextlib.suppress(ValueError):
            degraded: dict[str, Any] = json.loads(exc.read())
            return degraded
        return None
    except (OSError, ValueError):
        return None


@dataclass
class LocalCluster:
    database_url: str
    redis_url: str
    amqp_url: str
    name: str = field(default_factory=lambda: f"cluster-{uuid.uuid4().hex[:8]}")
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="citrine-cluster-")))
    settings: dict[str, str] = field(default_factory=dict)
    """Extra ``CITRINE_*`` variables for every member."""
    members: dict[str, Member] = field(default_factory=dict)

    @property
    def exchange(self) -> str:
        return f"citrine-{self.name}"

    @property
    def key_prefix(self) -> str:
        return f"citrine-{self.name}:"

    def environment(self, instance_id: str, port: int) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("CITRINE_")}
        env.update(
            {
                "CITRINE_INSTANCE_ID": instance_id,
                "CITRINE_HOST": HOST,
                "CITRINE_PORT": str(port),
                "CITRINE_DATABASE__URL": self.database_url,
                "CITRINE_DATABASE__MIGRATE_ON_START": "false",
                "CITRINE_REDIS_URL": self.redis_url,
                "CITRINE_AMQP_URL": self.amqp_url,
                "CITRINE_CLUSTER__EXCHANGE": self.exchange,
                "CITRINE_CLUSTER__KEY_PREFIX": self.key_prefix,
                "CITRINE_LOG__LEVEL": "INFO",
                "CITRINE_LOG__FORMAT": "json",
            }
        )
        env.update(self.settings)
        return env

    def migrate(self) -> None:
        """``citrine migrate``: the one-off step that runs before any member starts."""
        result = subprocess.run(
            [CITRINE, "migrate"],
            env=self.environment("migrate", 0),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"citrine migrate failed:\n{result.stderr[-3000:]}")

    def start(self, name: str, role: str, port: int, *args: str, **settings: str) -> Member:
        """Start member ``name`` (instance id ``<cluster>-<name>``); ``settings`` are extra
        ``CITRINE_*`` variables for it alone."""
        instance_id = f"{self.name}-{name}"
        member = Member(name, role, port, instance_id, list(args), self.workdir / f"{name}.log")
        env = self.environment(instance_id, port) | settings
        with member.log_path.open("ab") as log:
            member.process = subprocess.Popen(
                [CITRINE, role, *args],
                cwd=self.workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.members[name] = member
        return member

    def wait_healthy(self, member: Member, timeout: float = 120.0) -> dict[str, Any]:
        """Poll ``/health`` until it is ok; fails early if the process exits."""
        deadline = time.monotonic() + timeout
        body: dict[str, Any] | None = None
        while time.monotonic() < deadline:
            if not member.alive:
                raise RuntimeError(f"{member.name} exited; log tail:\n{member.log_tail()}")
            body = health(member.port)
            if body is not None and body.get("status") == "ok":
                return body
            time.sleep(0.25)
        raise RuntimeError(f"{member.name} not healthy after {timeout:.0f} s: {body}")

    def kill(self, member: Member, sig: int = signal.SIGKILL) -> None:
        if member.process is not None and member.alive:
            member.process.send_signal(sig)
            member.process.wait(timeout=60)

    def stop(self, member: Member, timeout: float = 30.0) -> int | None:
        """SIGTERM (graceful), SIGKILL if it does not exit in time; the exit code."""
        process = member.process
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        return process.returncode

    def stop_all(self) -> None:
        for member in self.members.values():
            if member.alive and member.process is not None:
                member.process.send_signal(signal.SIGTERM)
        for member in self.members.values():
            self.stop(member)


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.cluster", description=__doc__)
    parser.add_argument("--instances", type=int, default=2, help="citrine serve processes")
    parser.add_argument("--workers", type=int, default=1, help="citrine worker processes")
    parser.add_argument("--base-port", type=int, default=8081, help="first port")
    parser.add_argument("--name", default="local", help="exchange / key prefix suffix")
    parser.add_argument("--database-url", default=os.environ.get("CITRINE_DATABASE__URL"))
    parser.add_argument("--redis-url", default=os.environ.get("CITRINE_REDIS_URL"))
    parser.add_argument("--amqp-url", default=os.environ.get("CITRINE_AMQP_URL"))
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    cluster = LocalCluster(
        args.database_url or DEFAULTS["database"],
        args.redis_url or DEFAULTS["redis"],
        args.amqp_url or DEFAULTS["amqp"],
        name=args.name,
    )
    print(f"[cluster] migrating {cluster.database_url}", file=sys.stderr)
    cluster.migrate()
    port = args.base_port
    try:
        for n in range(args.instances):
            cluster.start(f"csms-{n + 1}", "serve", port + n)
        for n in range(args.workers):
            cluster.start(f"worker-{n + 1}", "worker", port + args.instances + n)
        for member in cluster.members.values():
            cluster.wait_healthy(member)
            print(f"{member.name:10} {member.role:6} {member.base_url}  log {member.log_path}")
        print("[cluster] all healthy; Ctrl-C stops them", file=sys.stderr)
        while all(member.alive for member in cluster.members.values()):
            time.sleep(1)
        print("[cluster] a member exited", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        cluster.stop_all()


if __name__ == "__main__":
    sys.exit(main())

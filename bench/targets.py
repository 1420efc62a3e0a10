"""Several servers as the benchmark's target: a local cluster on PostgreSQL, Redis and
RabbitMQ (``--cluster N``), started and removed by the bench (``bench.cluster``)."""

from __future__ import annotations

import argparse
import asyncio
import uuid
from dataclasses import dataclass

from bench.cluster import DEFAULTS, LocalCluster, Member


async def _admin(url: str, sql: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@dataclass
class BenchCluster:
    cluster: LocalCluster
    admin_url: str
    database: str

    @property
    def serving(self) -> list[Member]:
        return [m for m in self.cluster.members.values() if m.role == "serve"]

    @property
    def pids(self) -> list[int]:
        return [m.process.pid for m in self.cluster.members.values() if m.process is not None]

    def stop(self) -> None:
        self.cluster.stop_all()
        asyncio.run(
            _admin(self.admin_url, f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        )


def start_bench_cluster(args: argparse.Namespace) -> BenchCluster:
    """``args.cluster`` serve instances and ``args.cluster_workers`` workers on a new
    database; every ``--server-env K=V`` is given to each of them."""
    # Any database of the server does to create the bench's own.
    admin_url = args.database_url or DEFAULTS["database"].rsplit("/", 1)[0] + "/postgres"
    database = f"citrine_bench_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(admin_url, f'CREATE DATABASE "{database}"'))
    settings = dict(item.split("=", 1) for item in args.server_env)
    settings.setdefault("CITRINE_LOG__LEVEL", "WARNING")
    cluster = LocalCluster(
        f"{admin_url.rsplit('/', 1)[0]}/{database}",
        args.redis_url or DEFAULTS["redis"],
        args.amqp_url or DEFAULTS["amqp"],
        settings=settings,
    )
    target = BenchCluster(cluster, admin_url, database)
    try:
        cluster.migrate()
        from bench.stations import free_port

        for n in range(args.cluster):
            cluster.start(f"csms-{n + 1}", "serve", free_port())
        for n in range(args.cluster_workers):
            cluster.start(f"worker-{n + 1}", "worker", free_port())
        for member in cluster.members.values():
            cluster.wait_healthy(member, args.server_timeout)
    except BaseException:
        target.stop()
        raise
    return target

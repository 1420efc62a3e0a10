"""Builds and owns every backend and module of one process, in start order; stops in reverse."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager

import structlog

from citrine_base.config import SystemConfig
from citrine_base.decorators import collect_handlers, collect_result_handlers, merge_handlers
from citrine_base.interfaces.broker import Broker, BrokerError
from citrine_base.interfaces.cache import Cache, CacheError
from citrine_base.interfaces.module import MessageObserver
from citrine_base.interfaces.storage import FileStorage
from citrine_base.ocpp.v201 import ACTIONS
from citrine_base.topics import MODULES_GROUP, call_topic, result_topic
from citrine_data import create_sessionmaker, engine_from_config, migrate, unit_of_work
from citrine_data.engine import database_answers
from citrine_data.repositories import TenantRepository
from citrine_modules.commands import CommandTracker
from citrine_modules.deps import CsmsModule, ModuleDeps
from citrine_modules.ocpp_router import OcppRouter
from citrine_util.broker import MemoryBroker
from citrine_util.cache import MemoryCache
from citrine_util.commands import BrokerCommandSender
from citrine_util.handler_runner import HandlerRunner, ResultRunner
from citrine_util.message_log import MessageLogWriter
from citrine_util.presence_sweep import PresenceSweep
from citrine_util.tasks import ClusterJob, TaskSupervisor
from server.auth import build_authenticator
from server.catalogue import handled_actions, select_modules
from server.station_auth import StationAuthenticator

log = structlog.get_logger(__name__)

RETENTION_INTERVAL = 3600.0
STARTUP_BACKOFF = 0.5
STARTUP_BACKOFF_MAX = 8.0


class SchemaOutdated(Exception):
    """The database is not at the migrations' head and this process may not migrate it."""


def build_cache(config: SystemConfig) -> Cache:
    if config.redis_url:
        from citrine_util.cache.redis import RedisCache

        return RedisCache(
            config.redis_url,
            key_prefix=config.cluster.key_prefix,
            client_name=f"citrine:{config.instance_id}",
        )
    return MemoryCache()


def build_broker(config: SystemConfig) -> Broker:
    if config.amqp_url:
        from citrine_util.broker.rabbitmq import RabbitMqBroker

        return RabbitMqBroker(config.amqp_url, config.instance_id, config.cluster.exchange)
    return MemoryBroker()


def build_storage(config: SystemConfig) -> FileStorage:
    if config.storage.backend == "s3":
        from citrine_util.storage import S3FileStorage

        assert config.storage.s3 is not None  # the config validator ensures it
        return S3FileStorage(config.storage.s3)
    from citrine_util.storage import LocalFileStorage

    return LocalFileStorage(config.storage.directory)


async def start_with_backoff(
    name: str, start: Callable[[], Awaitable[None]], timeout: float
) -> None:
    """Start a backend, retrying with exponential back-off for up to ``timeout`` seconds: in a
    cluster the processes may come up before Redis or RabbitMQ does."""
    deadline = time.monotonic() + timeout
    delay = STARTUP_BACKOFF
    while True:
        try:
            await start()
            return
        except (BrokerError, CacheError) as exc:
            if time.monotonic() + delay > deadline:
                raise
            log.warning("server.backend_unavailable", backend=name, error=str(exc), retry_in=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, STARTUP_BACKOFF_MAX)


class Runtime:
    """Everything one server process runs. ``router`` is None in a modules-only worker."""

    def __init__(self, config: SystemConfig, *, with_router: bool = True) -> None:
        self.config = config
        self.cache = build_cache(config)
        self.broker = build_broker(config)
        self.engine = engine_from_config(config.database)
        self.sessions = create_sessionmaker(self.engine)
        self.tasks = TaskSupervisor()
        self.storage = build_storage(config)
        self.auth = build_authenticator(config, self.sessions)
        actions = {spec.action: spec for spec in ACTIONS.values()}
        self.actions = actions
        commands = BrokerCommandSender(
            self.broker, self.cache, actions, config.instance_id, config.ocpp.call_timeout
        )
        self.deps = ModuleDeps(
            config=config,
            cache=self.cache,
            broker=self.broker,
            commands=commands,
            sessions=self.sessions,
            tasks=self.tasks,
            storage=self.storage,
        )
        self.modules: list[CsmsModule] = [cls(self.deps) for cls in select_modules(config.modules)]
        self.message_log = (
            MessageLogWriter(self.sessions, config.message_log)
            if with_router and config.message_log.enabled
            else None
        )
        observers = [module for module in self.modules if isinstance(module, MessageObserver)]
        # Only a cluster has modules in other processes that may be down for a moment.
        elsewhere = handled_actions(actions) if config.amqp_url else frozenset()
        self.router = (
            OcppRouter(
                self.deps,
                actions,
                self.message_log,
                observers=observers,
                handled_in_cluster=elsewhere,
            )
            if with_router
            else None
        )
        self.station_auth = StationAuthenticator(config, self.sessions, self.broker)
        self.tracker = CommandTracker(commands, self.cache)
        self.presence_sweep = PresenceSweep(self.cache, self.sessions, config.cluster.presence_ttl)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Runtime]:
        async with AsyncExitStack() as stack:
            stack.push_async_callback(self.engine.dispose)
            await self._prepare_database()
            timeout = self.config.cluster.startup_timeout
            await start_with_backoff("cache", self.cache.start, timeout)
            stack.push_async_callback(self.cache.stop)
            await start_with_backoff("broker", self.broker.start, timeout)
            stack.push_async_callback(self.broker.stop)
            await self.storage.start()
            stack.push_async_callback(self.storage.stop)
            stack.push_async_callback(self.auth.aclose)
            usage = self.auth.keys.usage
            stack.push_async_callback(usage.flush)  # once the tasks stopped: the last uses
            stack.push_async_callback(self.tasks.stop)
            self._schedule_cluster_jobs()
            self.tasks.every(usage.interval, usage.flush, "api-key-usage")
            if self.message_log is not None:
                await self.message_log.start()
                stack.push_async_callback(self.message_log.stop)
                retention = ClusterJob(self.cache, self.config.instance_id).runner(
                    RETENTION_INTERVAL, self._apply_retention, "message-log-retention"
                )
                self.tasks.every(RETENTION_INTERVAL, retention, "message-log-retention")
            await self._subscribe_handlers()
            for module in self.modules:
                await module.start()
                stack.push_async_callback(module.stop)
            if self.router is not None:
                await self.router.start()
                stack.push_async_callback(self.router.stop)
            stack.push_async_callback(self.tracker.stop)
            log.info(
                "server.started",
                instance_id=self.config.instance_id,
                modules=[module.name for module in self.modules],
            )
            yield self
            log.info("server.stopping", instance_id=self.config.instance_id)

    def _schedule_cluster_jobs(self) -> None:
        """Periodic work that runs once per interval across the cluster, on any process."""
        jobs = ClusterJob(self.cache, self.config.instance_id)
        interval = self.presence_sweep.interval
        sweep = jobs.runner(interval, self.presence_sweep.run, "presence-sweep")
        self.tasks.every(interval, sweep, "presence-sweep")

    async def _prepare_database(self) -> None:
        url = self.config.database.url
        if self.config.database.should_migrate_on_start():
            await migrate.upgrade_async(url)
        else:
            current, head = await migrate.current_async(url), migrate.head()
            if current != head:
                raise SchemaOutdated(
                    f"The database is at revision {current}, the code needs {head}: "
                    "run `citrine migrate` first"
                )
        async with unit_of_work(self.sessions) as uow:
            await TenantRepository.from_session(uow.session).ensure(
                self.config.tenant_id, self.config.tenant_id.capitalize()
            )

    async def _apply_retention(self) -> None:
        if self.message_log is not None:
            deleted = await self.message_log.delete_expired()
            if deleted:
                log.info("message_log.retention", deleted=deleted)

    async def _subscribe_handlers(self) -> None:
        table = merge_handlers(
            [(module.name, collect_handlers(module, self.actions)) for module in self.modules]
        )
        for action, (module_name, handler) in sorted(table.items()):
            runner = HandlerRunner(
                self.actions[action], handler, module_name, self.config.instance_id, self.sessions
            )
            await self.broker.subscribe(call_topic(action), runner, group=MODULES_GROUP)
        for module in self.modules:
            for action, result_handler in collect_result_handlers(module, self.actions).items():
                result_runner = ResultRunner(
                    self.actions[action], result_handler, module.name, self.sessions
                )
                # One group per module: every module that cares sees each outcome once.
                await self.broker.subscribe(
                    result_topic(action), result_runner, group=f"results.{module.name}"
                )

    def admission_counts(self) -> dict[str, int]:
        """What reconnect-storm flow control did in this process since it started."""
        if self.router is None:
            return {}
        return {
            "bootsThrottled": self.router.boot_throttle.throttled,
            "handshakesRefused": self.router.handshakes.refused,
            "handshakesWaiting": self.router.handshakes.waiting,
        }

    async def health(self) -> dict[str, bool]:
        return {
            "broker": await self.broker.healthy(),
            "cache": await self.cache.healthy(),
            "database": await database_answers(self.engine),
        }

"""Builds and owns every backend and module of one process, in start order; stops in reverse."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import structlog

from citrine_base.config import SystemConfig
from citrine_base.decorators import collect_handlers, merge_handlers
from citrine_base.interfaces.broker import Broker
from citrine_base.interfaces.cache import Cache
from citrine_base.ocpp.v201 import ACTIONS
from citrine_base.topics import MODULES_GROUP, call_topic
from citrine_modules.commands import CommandTracker
from citrine_modules.deps import CsmsModule, ModuleDeps
from citrine_modules.ocpp_router import OcppRouter
from citrine_util.broker import MemoryBroker
from citrine_util.cache import MemoryCache
from citrine_util.commands import BrokerCommandSender
from citrine_util.handler_runner import HandlerRunner
from server.catalogue import select_modules

log = structlog.get_logger(__name__)


def build_cache(config: SystemConfig) -> Cache:
    if config.redis_url:
        from citrine_util.cache.redis import RedisCache

        return RedisCache(config.redis_url)
    return MemoryCache()


def build_broker(config: SystemConfig) -> Broker:
    if config.amqp_url:
        from citrine_util.broker.rabbitmq import RabbitMqBroker

        return RabbitMqBroker(config.amqp_url, config.instance_id)
    return MemoryBroker()


class Runtime:
    """Everything one server process runs. ``router`` is None in a modules-only worker."""

    def __init__(self, config: SystemConfig, *, with_router: bool = True) -> None:
        self.config = config
        self.cache = build_cache(config)
        self.broker = build_broker(config)
        actions = {spec.action: spec for spec in ACTIONS.values()}
        self.actions = actions
        commands = BrokerCommandSender(
            self.broker, self.cache, actions, config.instance_id, config.ocpp.call_timeout
        )
        self.deps = ModuleDeps(
            config=config, cache=self.cache, broker=self.broker, commands=commands
        )
        self.modules: list[CsmsModule] = [cls(self.deps) for cls in select_modules(config.modules)]
        self.router = OcppRouter(self.deps, actions) if with_router else None
        self.tracker = CommandTracker(commands, self.cache)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Runtime]:
        async with AsyncExitStack() as stack:
            await self.cache.start()
            stack.push_async_callback(self.cache.stop)
            await self.broker.start()
            stack.push_async_callback(self.broker.stop)
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

    async def _subscribe_handlers(self) -> None:
        table = merge_handlers(
            [(module.name, collect_handlers(module, self.actions)) for module in self.modules]
        )
        for action, (module_name, handler) in sorted(table.items()):
            runner = HandlerRunner(
                self.actions[action], handler, module_name, self.config.instance_id
            )
            await self.broker.subscribe(call_topic(action), runner, group=MODULES_GROUP)

    async def health(self) -> dict[str, bool]:
        return {"broker": await self.broker.healthy(), "cache": await self.cache.healthy()}

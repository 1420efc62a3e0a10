"""``citrine``: the command line entry point.

citrine serve [--host H] [--port P] [--config FILE] [--modules a,b | --router-only]
citrine worker [--host H] [--port P] [--config FILE] [--modules a,b]
citrine migrate [--config FILE] [--to REVISION | --downgrade REVISION]
citrine api-key create|list|revoke ...   (see ``server.key_commands``)

``serve`` runs the station websockets (the router) and, unless ``--router-only``, modules;
``worker`` runs modules only: it consumes their queues from RabbitMQ and answers REST and
``/health`` on its port, but accepts no station. Both need Redis and RabbitMQ to be part of a
cluster (``CITRINE_REDIS_URL``, ``CITRINE_AMQP_URL``).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
from collections.abc import Sequence
from typing import Any

import uvicorn

from citrine_base.config import SystemConfig
from citrine_data import migrate
from server.app import create_app
from server.key_commands import add_api_key_commands, run_api_key_command
from server.listeners import plain_server, serve_all, tls_servers
from server.logging import configure_logging


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="citrine", description="OCPP 2.0.1 CSMS")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the server (REST + station websockets)")
    worker = commands.add_parser(
        "worker", help="run modules without station websockets (REST and /health only)"
    )
    for command in (serve, worker):
        command.add_argument("--host", help="address to bind (default 127.0.0.1)")
        command.add_argument("--port", type=int, help="port to bind (default 8080)")
        command.add_argument("--config", help="settings file (TOML or JSON)")
    which = serve.add_mutually_exclusive_group()
    which.add_argument("--modules", help="comma-separated modules to run (default: all)")
    which.add_argument(
        "--router-only",
        action="store_true",
        help="run no module: only the station websockets (modules run in workers)",
    )
    worker.add_argument("--modules", help="comma-separated modules to run (default: all)")
    migrate_cmd = commands.add_parser(
        "migrate", help="bring the database schema to the code's revision (or another)"
    )
    migrate_cmd.add_argument("--config", help="settings file (TOML or JSON)")
    target = migrate_cmd.add_mutually_exclusive_group()
    target.add_argument("--to", default="head", help="upgrade to this revision (default head)")
    target.add_argument("--downgrade", metavar="REVISION", help="downgrade to this revision")
    add_api_key_commands(commands)
    return parser


def load_config(args: argparse.Namespace) -> SystemConfig:
    overrides: dict[str, Any] = {}
    for name in ("host", "port", "modules"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    if getattr(args, "router_only", False):
        overrides["modules"] = []
    return SystemConfig.load(args.config, **overrides)


def raise_file_limit() -> None:
    """Thousands of station sockets need thousands of file descriptors."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def serve(config: SystemConfig, *, with_router: bool = True) -> None:
    """The plain listener and, with the router, every TLS listener (``server.listeners``)."""
    configure_logging(config.log)
    raise_file_limit()
    app = create_app(config, with_router=with_router)
    main = plain_server(app, config)

    def others() -> list[uvicorn.Server]:
        return tls_servers(app, config, app.state.runtime) if with_router else []

    with asyncio.Runner(loop_factory=main.config.get_loop_factory()) as runner:
        runner.run(serve_all(main, others))


def run_migrations(config: SystemConfig, upgrade_to: str, downgrade_to: str | None) -> None:
    url = config.database.url
    if downgrade_to is not None:
        migrate.downgrade(url, downgrade_to)
    else:
        migrate.upgrade(url, upgrade_to)
    print(f"database at revision {migrate.current(url)}")  # noqa: T201 (command output)


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        serve(load_config(args))
    elif args.command == "worker":
        serve(load_config(args), with_router=False)
    elif args.command == "migrate":
        run_migrations(load_config(args), args.to, args.downgrade)
    elif args.command == "api-key":
        run_api_key_command(load_config(args), args)

"""``citrine``: the command line entry point.

citrine serve [--host H] [--port P] [--config FILE] [--modules a,b]
"""

from __future__ import annotations

import argparse
import resource
from collections.abc import Sequence
from typing import Any

import uvicorn

from citrine_base.config import SystemConfig
from server.app import create_app
from server.logging import configure_logging


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="citrine", description="OCPP 2.0.1 CSMS")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the server (REST + station websockets)")
    serve.add_argument("--host", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to bind (default 8080)")
    serve.add_argument("--config", help="settings file (TOML or JSON)")
    serve.add_argument("--modules", help="comma-separated modules to run (default: all)")
    return parser


def load_config(args: argparse.Namespace) -> SystemConfig:
    overrides: dict[str, Any] = {}
    for name in ("host", "port", "modules"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    return SystemConfig.load(args.config, **overrides)


def raise_file_limit() -> None:
    """Thousands of station sockets need thousands of file descriptors."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def uvicorn_config(config: SystemConfig) -> uvicorn.Config:
    ocpp = config.ocpp
    return uvicorn.Config(
        create_app(config),
        host=config.host,
        port=config.port,
        ws="websockets-sansio",
        ws_max_size=ocpp.max_frame_bytes,
        ws_ping_interval=ocpp.ping_interval or None,
        ws_ping_timeout=ocpp.ping_timeout,
        ws_per_message_deflate=True,
        lifespan="on",
        log_config=None,
        backlog=4096,
        timeout_graceful_shutdown=10,
    )


def serve(config: SystemConfig) -> None:
    configure_logging(config.log)
    raise_file_limit()
    uvicorn.Server(uvicorn_config(config)).run()


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        serve(load_config(args))

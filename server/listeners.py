"""The station listeners of one process: the plain ws:// one and the TLS ones (profiles 2, 3).

Each listener is a ``uvicorn.Server`` on the same FastAPI app in the same event loop. Only the
plain one runs the app's lifespan (the runtime starts once); the TLS ones start after it, with
their SSL contexts built then, so that a profile 3 listener can trust the CSMS's own CA, which
exists only once the certificates module started. ``serve_all`` stops them all when the plain
one stops (a signal), and stops the process when any of them fails.

Every listener wraps the app in ``ListenerApp``, which puts the listener (its security
profile) into the ASGI scope; the endpoint reads it with ``listener_of``.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn._types import ASGISendEvent
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from citrine_base.config import SystemConfig, TlsListenerConfig
from citrine_modules.certificates import CertificatesModule
from citrine_util.certificates import load_chain
from citrine_util.certificates.x509 import check_validity
from server.auth import is_loopback

if TYPE_CHECKING:
    from server.runtime import Runtime

LISTENER_KEY = "citrine.listener"
TLS_EXTENSION = "tls"
# OpenSSL's X509_V_FLAG_NO_CHECK_TIME: the chain is checked at the handshake, the dates by
# the endpoint, so that an expired certificate is refused with a security event of the station.
NO_CHECK_TIME = 0x200000
# A00.FR.318: ECDHE with ECDSA or RSA keys, AES-GCM; TLS 1.3 suites are OpenSSL's (all AEAD).
# The spec's text also names TLS_RSA_WITH_AES_*_GCM (RSA key exchange, no forward secrecy):
# offered last, for stations that implement only those.
OCPP_CIPHERS = ":".join(
    (
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "AES128-GCM-SHA256",
        "AES256-GCM-SHA384",
    )
)
POLL = 0.1


@dataclass(frozen=True, slots=True)
class Listener:
    name: str
    security_profile: int


def listener_of(scope: Scope, config: SystemConfig) -> Listener:
    """The listener a connection arrived on (the plain one for an app not wrapped)."""
    listener = scope.get(LISTENER_KEY)
    if isinstance(listener, Listener):
        return listener
    return plain_listener(config)


def plain_listener(config: SystemConfig) -> Listener:
    profile = config.station_security.plain_security_profile
    if profile is None:  # the same rule as REST: a loopback bind is a local run
        profile = 0 if is_loopback(config.host) else 1
    return Listener(f"ws://{config.host}:{config.port}", profile)


def peer_certificate(scope: Scope) -> bytes | None:
    """The DER client certificate of a TLS connection, if the station presented one."""
    tls = scope.get("extensions", {}).get(TLS_EXTENSION)
    if not isinstance(tls, dict):
        return None
    leaf = tls.get("client_cert_der")
    return leaf if isinstance(leaf, bytes) else None


def verified_chain(scope: Scope) -> list[bytes]:
    """The chain OpenSSL verified, leaf first, DER; empty before Python 3.13."""
    tls = scope.get("extensions", {}).get(TLS_EXTENSION)
    chain = tls.get("client_chain_der") if isinstance(tls, dict) else None
    return [item for item in chain if isinstance(item, bytes)] if isinstance(chain, list) else []


def _chain_of(ssl_object: ssl.SSLObject) -> list[bytes]:
    # SSLObject.get_verified_chain exists from Python 3.13 (DER bytes, leaf first).
    get_chain = getattr(ssl_object, "get_verified_chain", None)
    if get_chain is None:
        return []
    return [bytes(item) for item in get_chain()]


class ListenerApp:
    """Pure ASGI wrapper of one listener: adds the listener to the scope."""

    def __init__(self, app: ASGIApp, listener: Listener) -> None:
        self.app = app
        self.listener = listener

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = {**scope, LISTENER_KEY: self.listener}
        await self.app(scope, receive, send)


class StationWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's websocket protocol, without its false error after a refused handshake.

    uvicorn (0.54) marks the handshake complete only when it accepts: after the HTTP response
    of a refusal (``websocket.http.response``: 503 in a reconnect storm, 401, 404) it logs
    "ASGI callable returned without completing handshake" at ERROR for every one, thousands
    in a storm, burying real errors. The response has been sent by then; we mark it so.
    """

    async def send(self, message: ASGISendEvent) -> None:
        await super().send(message)
        if (
            message["type"] == "websocket.http.response.body"
            and not message.get("more_body", False)
            and self.initial_response is not None
            and self.close_sent
        ):
            self.handshake_complete = True


class TlsWebSocketProtocol(StationWebSocketProtocol):
    """uvicorn's websocket protocol, plus the client certificate in the scope.

    uvicorn (0.54) builds the websocket scope without anything from the TLS session: the ASGI
    TLS extension is not implemented (uvicorn PRs #1119, #3043, #3132 are not released). The
    HTTP protocol hands this class the transport of the upgraded connection, whose TLS
    handshake, client certificate verification included, is complete by then; we read the
    peer's DER certificate from ``transport.get_extra_info("ssl_object")`` and add it, with the
    TLS version, as ``scope["extensions"]["tls"]`` before the app runs. Only the leaf: before
    Python 3.13 ``ssl`` cannot give the verified chain (from 3.13 it is added too, so that the
    dates of intermediate CAs are checked).
    """

    _tls: dict[object, object] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        if isinstance(ssl_object, ssl.SSLObject):
            self._tls = {
                "client_cert_der": ssl_object.getpeercert(binary_form=True),
                "client_chain_der": _chain_of(ssl_object),
                "tls_version": ssl_object.version(),
                "cipher_suite": (ssl_object.cipher() or ("",))[0],
            }

    async def run_asgi(self) -> None:
        if self._tls is not None:
            extensions = self.scope.setdefault("extensions", {})
            if extensions is not None:
                extensions[TLS_EXTENSION] = dict(self._tls)
        await super().run_asgi()


def tls_context(listener: TlsListenerConfig, client_ca_pem: str | None) -> ssl.SSLContext:
    """TLS 1.2+ only, OCPP's suites, no compression; every configured certificate (an RSA
    and an ECDSA one for all four suites); for profile 3 a required client certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.options |= ssl.OP_NO_COMPRESSION
    context.set_ciphers(OCPP_CIPHERS)
    for certificate in listener.certificates:
        password = certificate.key_password.get_secret_value() if certificate.key_password else None
        context.load_cert_chain(certificate.certificate_file, certificate.key_file, password)
    if listener.security_profile == 3:
        if not client_ca_pem:
            raise ValueError(f"The profile 3 listener on port {listener.port} has no client CA")
        for authority in load_chain(client_ca_pem):
            check_validity(authority)  # OpenSSL will not look at the dates (NO_CHECK_TIME)
        context.verify_mode = ssl.CERT_REQUIRED
        context.verify_flags |= ssl.VerifyFlags(NO_CHECK_TIME)
        context.load_verify_locations(cadata=client_ca_pem)
    return context


def station_ca_pem(runtime: Runtime, listener: TlsListenerConfig) -> str | None:
    """The CA(s) profile 3 stations chain to: the listener's file, else the CSMS's own CA."""
    if listener.client_ca_file:
        return Path(listener.client_ca_file).read_text()
    for module in runtime.modules:
        if isinstance(module, CertificatesModule):
            return module.authority.chain_pem
    configured = runtime.config.certificates.ca_certificate_file
    return Path(configured).read_text() if configured else None


class QuietServer(uvicorn.Server):
    """A server that leaves signals alone: the plain listener's server takes them, and
    ``serve_all`` stops this one with it."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def uvicorn_config(
    app: ASGIApp,
    config: SystemConfig,
    host: str,
    port: int,
    *,
    lifespan: bool,
    ssl_factory: Callable[[], ssl.SSLContext] | None = None,
) -> uvicorn.Config:
    ocpp = config.ocpp
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        ws=TlsWebSocketProtocol if ssl_factory else StationWebSocketProtocol,
        ws_max_size=ocpp.max_frame_bytes,
        ws_ping_interval=ocpp.ping_interval or None,
        ws_ping_timeout=ocpp.ping_timeout,
        ws_per_message_deflate=True,
        # X-Forwarded-For is believed only from these (per-address caps, logs).
        proxy_headers=bool(config.limits.trusted_proxies),
        forwarded_allow_ips=config.limits.trusted_proxies or None,
        lifespan="on" if lifespan else "off",
        log_config=None,
        backlog=4096,
        timeout_graceful_shutdown=10,
        ssl_context_factory=(lambda _config, _default: ssl_factory()) if ssl_factory else None,
    )


def plain_server(app: FastAPI, config: SystemConfig) -> uvicorn.Server:
    wrapped = ListenerApp(app, plain_listener(config))
    return uvicorn.Server(uvicorn_config(wrapped, config, config.host, config.port, lifespan=True))


def tls_servers(app: FastAPI, config: SystemConfig, runtime: Runtime) -> list[uvicorn.Server]:
    servers: list[uvicorn.Server] = []
    for listener in config.station_security.listeners:
        name = f"wss://{listener.host}:{listener.port}"
        wrapped = ListenerApp(app, Listener(name, listener.security_profile))

        def factory(listener: TlsListenerConfig = listener) -> ssl.SSLContext:
            ca = station_ca_pem(runtime, listener) if listener.security_profile == 3 else None
            return tls_context(listener, ca)

        server_config = uvicorn_config(
            wrapped, config, listener.host, listener.port, lifespan=False, ssl_factory=factory
        )
        servers.append(QuietServer(server_config))
    return servers


async def _started(server: uvicorn.Server, task: asyncio.Task[None]) -> None:
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("a listener stopped during start-up")
        await asyncio.sleep(POLL / 10)


async def serve_all(
    main: uvicorn.Server,
    make_others: Callable[[], list[uvicorn.Server]],
    ready: Callable[[list[uvicorn.Server]], None] | None = None,
) -> None:
    """Run ``main`` (with the lifespan) and, once it started, the servers ``make_others``
    builds; until ``main`` stops or any of them fails. ``ready`` hears of all of them once
    they all listen."""
    main_task = asyncio.create_task(main.serve(), name="listener-plain")
    servers = [main]
    tasks: list[asyncio.Task[None]] = []
    try:
        await _started(main, main_task)
        for server in make_others():
            servers.append(server)
            tasks.append(asyncio.create_task(server.serve(), name="listener-tls"))
            await _started(server, tasks[-1])
        if ready is not None:
            ready(servers)
        # should_exit is a plain flag that a signal sets: polled, as uvicorn's own loop does.
        while not main.should_exit and not any(task.done() for task in tasks):  # noqa: ASYNC110
            await asyncio.sleep(POLL)
    finally:
        for server in servers:
            server.should_exit = True
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await main_task

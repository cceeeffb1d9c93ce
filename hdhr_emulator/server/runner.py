"""Run the app under hypercorn until SIGINT/SIGTERM, starting and stopping services around it.

Before listening, the soft descriptor limit is raised and split (:mod:`.descriptors`); the
listening sockets are made here, not by hypercorn, so that every connection is counted
(:mod:`.connection_gate`), and the loop's exception handler logs running out of descriptors once
a minute with a count instead of a traceback per accept attempt.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import resource
import signal
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from hypercorn.asyncio import serve as hypercorn_serve
from hypercorn.config import Config, Sockets
from quart import Quart

from hdhr_emulator.server.asgi import AsgiApp
from hdhr_emulator.server.connection_gate import ConnectionGate, counting_listener, gate_app
from hdhr_emulator.server.descriptors import ConnectionBudget, raise_descriptor_limit
from hdhr_emulator.server.document_port import serve_documents_on
from hdhr_emulator.server.hypercorn_eof import close_connections_on_client_eof
from hdhr_emulator.server.log_limiter import OncePerPeriod
from hdhr_emulator.util import bracket_host, is_ipv6
from lineup.errors import RetrovueError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Service:
    """Something with an async start and stop that lives as long as the server."""

    name: str
    start: Callable[[], Awaitable[None]]
    stop: Callable[[], Awaitable[None]]


# An idle keep-alive connection holds a descriptor: clients reconnect cheaply, so a few seconds.
KEEP_ALIVE_SECONDS = 5.0
_RESOURCE_ERRNOS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})


class _ListeningConfig(Config):
    """Hypercorn's config, serving the listening sockets made by the runner."""

    def __init__(self, listeners: Sequence[socket.socket]):
        super().__init__()
        self._listeners = list(listeners)

    def create_sockets(self) -> Sockets:
        return Sockets(secure_sockets=[], insecure_sockets=self._listeners, quic_sockets=[])


def hypercorn_config(host: str, port: int, listeners: Sequence[socket.socket] = ()) -> Config:
    config = _ListeningConfig(listeners)
    config.bind = [f"{bracket_host(host)}:{port}"]
    config.accesslog = None
    config.errorlog = logging.getLogger("hypercorn.error")
    config.graceful_timeout = 2.0
    config.keep_alive_timeout = KEEP_ALIVE_SECONDS
    return config


def connection_budget() -> ConnectionBudget:
    """Raise the soft descriptor limit and share it out (an unlimited one counts as 2**20)."""
    limit = raise_descriptor_limit()
    usable = limit.soft if limit.soft != resource.RLIM_INFINITY else 1 << 20
    budget = ConnectionBudget.for_limit(usable)
    log.info(
        "connections: served up to %d, answered 503 up to %d", budget.soft_cap, budget.hard_cap
    )
    return budget


def install_resource_error_handler(loop: asyncio.AbstractEventLoop, limiter: OncePerPeriod) -> None:
    """Log the loop's out-of-descriptor errors (asyncio's ``socket.accept() out of system
    resource``, retried every second) once per period with a count; others as asyncio would."""

    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if isinstance(exc, OSError) and exc.errno in _RESOURCE_ERRNOS:
            message = context.get("message", "")
            limiter.event(f"{message}:{exc.errno}", f"{message}: {exc.strerror}")
            return
        loop.default_exception_handler(context)

    loop.set_exception_handler(handle)


async def serve_app(
    app: Quart,
    host: str,
    port: int,
    services: Sequence[Service] = (),
    ready: Callable[[], None] | None = None,
    stop: asyncio.Event | None = None,
    document_port: int = 0,
) -> None:
    """Serve until ``stop`` is set (or a SIGINT/SIGTERM arrives); services stop in reverse.

    With ``document_port``, the device documents are served on that port too (see
    :mod:`.document_port`); a port that cannot be bound is one warning, and the server runs on."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # Windows, or not the main thread
            pass
    _check_port_free(host, port)
    close_connections_on_client_eof()
    limiter = OncePerPeriod(log)
    install_resource_error_handler(loop, limiter)
    gate = ConnectionGate(connection_budget(), limiter)
    listeners = [counting_listener(host, port, gate, Config.backlog)]
    served = cast(AsgiApp, app)
    documents = _document_listener(host, document_port, port, gate)
    if documents is not None:
        listeners.append(documents)
        served = serve_documents_on(served, document_port, port)
    started: list[Service] = []

    async def shutdown() -> None:
        """On stop, end the services first: the playout engine closes every viewer, so open
        streams finish and hypercorn's graceful shutdown has nothing left to cut off."""
        await stop.wait()
        await _stop_all(started)

    try:
        for service in services:
            await service.start()
            started.append(service)
        server = asyncio.create_task(
            hypercorn_serve(
                gate_app(served, gate),  # type: ignore[arg-type]
                hypercorn_config(host, port, listeners),
                shutdown_trigger=shutdown,
                mode="asgi",
            )
        )
        await asyncio.sleep(0.05)
        if server.done():
            server.result()
        if ready:
            ready()
        await server
    finally:
        await _stop_all(started)
        for listener in listeners:
            listener.close()
        limiter.flush()
        loop.set_exception_handler(None)


def _document_listener(
    host: str, document_port: int, main_port: int, gate: ConnectionGate
) -> socket.socket | None:
    """The listener for the device documents' second port, or None (off, the main port, or not
    bindable: then one warning saying how to allow it)."""
    if not document_port or document_port == main_port:
        return None
    try:
        listener = counting_listener(host, document_port, gate, Config.backlog)
    except OSError as exc:
        log.warning("%s", describe_document_port_error(exc, host, document_port, main_port))
        return None
    log.info("device documents also on port %d (for Jellyfin's auto-detection)", document_port)
    return listener


def describe_document_port_error(exc: OSError, host: str, port: int, main_port: int) -> str:
    """One line: why the documents are not on ``port``, and what to do about it."""
    where = f"{bracket_host(host)}:{port}"
    if exc.errno in (errno.EACCES, errno.EPERM):
        why = (
            f"permission denied to listen on {where}; allow it with `sudo setcap "
            "cap_net_bind_service=+ep <the python binary running retrovue>` or "
            "AmbientCapabilities=CAP_NET_BIND_SERVICE in its systemd unit"
        )
    elif exc.errno == errno.EADDRINUSE:
        why = f"port {port} is already in use on {host} (a web server?)"
    else:
        why = f"cannot listen on {where}: {exc.strerror or exc}"
    return (
        f"Jellyfin auto-detection is off: {why}. Add the tuner by hand at "
        f"http://<this machine>:{main_port}, or pass --discovery-http-port 0 to silence this"
    )


async def _stop_all(started: list[Service]) -> None:
    """Stop the services in reverse order of starting, each once."""
    while started:
        service = started.pop()
        try:
            await service.stop()
        except Exception:
            log.exception("stopping %s failed", service.name)


def _check_port_free(host: str, port: int) -> None:
    """Fail with one clear line before hypercorn would log a traceback for a busy port."""
    family = socket.AF_INET6 if is_ipv6(host) else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise RetrovueError(
                    f"port {port} is already in use on {host}: stop the other server or pass "
                    "--port N"
                ) from exc
            raise RetrovueError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc

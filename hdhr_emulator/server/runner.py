"""Run the app under hypercorn until SIGINT/SIGTERM, starting and stopping services around it."""

from __future__ import annotations

import asyncio
import errno
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from hypercorn.asyncio import serve as hypercorn_serve
from hypercorn.config import Config
from quart import Quart

from hdhr_emulator.util import bracket_host, is_ipv6
from lineup.errors import RetrovueError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Service:
    """Something with an async start and stop that lives as long as the server."""

    name: str
    start: Callable[[], Awaitable[None]]
    stop: Callable[[], Awaitable[None]]


def hypercorn_config(host: str, port: int) -> Config:
    config = Config()
    config.bind = [f"{bracket_host(host)}:{port}"]
    config.accesslog = None
    config.errorlog = logging.getLogger("hypercorn.error")
    config.graceful_timeout = 2.0
    config.keep_alive_timeout = 30.0
    return config


async def serve_app(
    app: Quart,
    host: str,
    port: int,
    services: Sequence[Service] = (),
    ready: Callable[[], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve until ``stop`` is set (or a SIGINT/SIGTERM arrives); services stop in reverse."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # Windows, or not the main thread
            pass
    _check_port_free(host, port)
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
            hypercorn_serve(app, hypercorn_config(host, port), shutdown_trigger=shutdown)
        )
        await asyncio.sleep(0.05)
        if server.done():
            server.result()
        if ready:
            ready()
        await server
    finally:
        await _stop_all(started)


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
    import socket

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

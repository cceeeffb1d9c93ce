"""Count the server's open connections where they are made, and refuse the ones past the budget.

Hypercorn has no connection limit, and an ASGI app only sees requests, not the idle keep-alive
connections that actually hold the descriptors. So the count is kept at the socket level: the
listening sockets handed to hypercorn are :class:`CountingListener` objects whose ``accept()``
(asyncio's accept loop calls it) returns a :class:`CountedSocket` that gives its place back when
asyncio's transport closes it. Whatever hypercorn does with the connection, the count is exact.

At accept time a connection past ``soft_cap`` is marked; :func:`gate_app` answers a request on a
marked connection with an empty ``503`` and ``Connection: close`` (read first, so the client gets
the answer rather than a reset). Past ``hard_cap`` the connection is closed at once, unanswered.
Both are logged once a minute with a count.
"""

from __future__ import annotations

import logging
import socket
from typing import Any

from hdhr_emulator.server.asgi import AsgiApp, Receive, Scope, Send, send_empty
from hdhr_emulator.server.descriptors import ConnectionBudget
from hdhr_emulator.server.log_limiter import OncePerPeriod
from hdhr_emulator.util import is_ipv6

log = logging.getLogger(__name__)

# (client host, client port, local port): unique among open connections to our listeners
ConnectionKey = tuple[str, int, int]

BUSY_REASON = "server at its connection limit, retry shortly"


class ConnectionGate:
    """The open-connection count shared by every listener, and the connections marked busy."""

    def __init__(self, budget: ConnectionBudget, limiter: OncePerPeriod | None = None):
        self.budget = budget
        self.open = 0
        self._busy: set[ConnectionKey] = set()
        self._limiter = limiter or OncePerPeriod(log)

    def admit(self, key: ConnectionKey) -> bool:
        """Count a new connection; False when it must be closed unanswered."""
        if self.open >= self.budget.hard_cap:
            self._limiter.event(
                "hard",
                f"{self.open} connections open (the cap is {self.budget.hard_cap}): "
                "closing new connections unanswered",
            )
            return False
        self.open += 1
        if self.open > self.budget.soft_cap:
            self._busy.add(key)
        return True

    def release(self, key: ConnectionKey) -> None:
        self.open -= 1
        self._busy.discard(key)

    def take_busy(self, key: ConnectionKey) -> bool:
        """True (once) when the connection was accepted past the soft cap: answer it 503."""
        if key not in self._busy:
            return False
        self._busy.discard(key)
        self._limiter.event(
            "soft",
            f"{self.open} connections open (more than {self.budget.soft_cap}): answering 503",
        )
        return True


def _key(peer: Any, local: Any) -> ConnectionKey:
    return (str(peer[0]), int(peer[1]), int(local[1]))


class CountedSocket(socket.socket):
    """An accepted connection that gives its place in the gate back when closed, once."""

    gate: ConnectionGate | None = None
    key: ConnectionKey = ("", 0, 0)

    def close(self) -> None:
        gate, self.gate = self.gate, None
        if gate is not None:
            gate.release(self.key)
        super().close()


class CountingListener(socket.socket):
    """A listening socket whose ``accept()`` counts connections in ``gate`` (and closes at once
    the ones past its hard cap; asyncio's accept loop then takes the next)."""

    gate: ConnectionGate

    def accept(self) -> tuple[socket.socket, Any]:
        while True:
            plain, address = super().accept()  # BlockingIOError ends asyncio's accept loop
            key = _key(address, self.getsockname())
            if not self.gate.admit(key):
                plain.close()
                continue
            counted = CountedSocket(self.family, self.type, self.proto, fileno=plain.detach())
            counted.gate, counted.key = self.gate, key
            return counted, address


def counting_listener(host: str, port: int, gate: ConnectionGate, backlog: int) -> socket.socket:
    """A bound, listening, non-blocking TCP socket that counts its connections in ``gate``."""
    family = socket.AF_INET6 if is_ipv6(host) else socket.AF_INET
    # proto named, not 0: asyncio sets TCP_NODELAY only on sockets whose proto is TCP, and
    # without it a keep-alive client waits ~40 ms (Nagle and delayed ACK) on every answer
    # written in two parts (head, then body)
    listener = CountingListener(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(backlog)
        listener.setblocking(False)
    except OSError:
        listener.close()
        raise
    listener.gate = gate
    return listener


def gate_app(app: AsgiApp, gate: ConnectionGate) -> AsgiApp:
    """``app``, except that requests on connections marked busy get an empty 503."""

    async def gated(scope: Scope, receive: Receive, send: Send) -> None:
        client, server = scope.get("client"), scope.get("server")
        if scope["type"] == "http" and client and server and gate.take_busy(_key(client, server)):
            headers = [
                (b"connection", b"close"),
                (b"retry-after", b"1"),
                (b"x-retrovue-error", BUSY_REASON.encode()),
            ]
            await send_empty(send, 503, headers)
            return
        await app(scope, receive, send)

    return gated

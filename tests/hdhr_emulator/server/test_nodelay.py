"""Connections accepted through the counting listener get ``TCP_NODELAY`` from asyncio, as any
asyncio server's do: without it every keep-alive answer written as head then body waits for the
client's delayed ACK (~40 ms per request on Linux)."""

from __future__ import annotations

import asyncio
import socket

from hdhr_emulator.server.connection_gate import ConnectionGate, counting_listener
from hdhr_emulator.server.descriptors import ConnectionBudget


def test_accepted_connections_have_nodelay() -> None:
    async def scenario() -> int:
        gate = ConnectionGate(ConnectionBudget(soft_cap=10, hard_cap=20))
        listener = counting_listener("127.0.0.1", 0, gate, backlog=8)
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = writer.get_extra_info("socket")
            seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(handle, sock=listener)
        try:
            port = listener.getsockname()[1]
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            result = await asyncio.wait_for(seen, 10)
            writer.close()
            await writer.wait_closed()
            return result
        finally:
            server.close()
            await server.wait_closed()

    assert asyncio.run(scenario()) == 1

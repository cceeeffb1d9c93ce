"""UDP discovery on port 65001: how ``hdhomerun_config discover``, Plex, Jellyfin, Emby and
Channels DVR find the tuner (docs/protocol/hdhomerun.md §4).

One DISCOVER_RPY answers each request that wants a tuner with our id (or any id), unicast to the
sender's address and ephemeral port. Its BaseURL and LineupURL use the address of the interface
the request arrived on: the bind address when one is set, else the local address the kernel uses
to reach the sender. The port is fixed (clients only use 65001), so when it is taken the service
logs one warning and stays off; clients can still add the tuner by its HTTP address.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
from typing import Any

from hdhr_emulator.device.packets import (
    DEVICE_TYPE_TUNER,
    HDHR_PORT,
    DiscoverReply,
    PacketError,
    PacketType,
    build_discover_reply,
    decode_frame,
    parse_discover_request,
)
from hdhr_emulator.device.settings import DeviceSettings
from hdhr_emulator.util import WILDCARD_HOSTS, is_ipv6

log = logging.getLogger(__name__)
traffic = logging.getLogger("hdhr_emulator.traffic.hdhr")

MAX_LIBHDHOMERUN_BASE_URL = (
    28  # libhdhomerun's v2/v3 API drops a longer BaseURL (docs/protocol/hdhomerun.md §4.5)
)


def is_discover_for(datagram: bytes, device_id: int) -> bool:
    """Whether ``datagram`` is a well-formed discovery request that this tuner answers
    (docs/protocol/hdhomerun.md §4.4)."""
    try:
        frame = decode_frame(datagram)
        if frame.type != PacketType.DISCOVER_REQ:
            return False
        return parse_discover_request(frame).matches(DEVICE_TYPE_TUNER, device_id)
    except PacketError:
        return False


def discover_reply(settings: DeviceSettings, local_ip: str) -> bytes:
    """The DISCOVER_RPY for a client that reached us at ``local_ip``."""
    identity = settings.identity
    base_url = settings.base_url_for(local_ip)
    return build_discover_reply(
        DiscoverReply(
            device_id=identity.device_id,
            device_auth=identity.device_auth,
            base_url=base_url,
            tuner_count=identity.tuner_count,
            lineup_url=f"{base_url}/lineup.json",
        )
    )


def local_address_for(peer: tuple[Any, ...]) -> str:
    """The local IP the kernel would send from to reach ``peer`` (a connected UDP socket
    sends nothing; it only picks a route). IPv4-mapped IPv6 addresses come back as IPv4."""
    host = peer[0]
    family = socket.AF_INET6 if is_ipv6(host) else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as probe:
        probe.connect(peer)
        local = str(probe.getsockname()[0])
    return local.removeprefix("::ffff:") if "." in local else local


def reply_address(bind_host: str, peer: tuple[Any, ...]) -> str:
    """The local IP a request from ``peer`` reached: the bind address unless it is a wildcard."""
    if bind_host not in WILDCARD_HOSTS:
        return bind_host
    return local_address_for(peer)


def describe_bind_error(exc: OSError, what: str, host: str, port: int) -> str:
    """One line saying why ``what`` is off, e.g. for a busy or forbidden port."""
    where = f"{host or '*'}:{port}"
    if exc.errno == errno.EADDRINUSE:
        reason = f"port {port} is already in use on {host or '*'} (another HDHomeRun emulator?)"
    elif exc.errno in (errno.EACCES, errno.EPERM):
        reason = f"permission denied to listen on {where}"
    else:
        reason = f"cannot listen on {where}: {exc.strerror or exc}"
    return f"{what} is off: {reason}; clients can still add the tuner by its HTTP address"


class DiscoveryResponder:
    """Answers HDHomeRun UDP discovery on ``(settings.bind_host, port)``.

    ``port`` exists for tests; real clients only ever send to 65001.
    """

    def __init__(self, settings: DeviceSettings, port: int = HDHR_PORT):
        self.settings = settings
        self.port = port
        self._transport: asyncio.DatagramTransport | None = None
        self._warned_long_base_url = False
        self._warned_socket_error = False

    @property
    def running(self) -> bool:
        return self._transport is not None

    @property
    def address(self) -> tuple[str, int] | None:
        """The bound ``(host, port)`` while running (the real port when ``port`` was 0)."""
        if self._transport is None:
            return None
        sockname = self._transport.get_extra_info("sockname")
        return str(sockname[0]), int(sockname[1])

    async def async_start(self) -> None:
        host = self.settings.bind_host
        loop = asyncio.get_running_loop()
        try:
            transport, _ = await loop.create_datagram_endpoint(
                lambda: _DiscoveryProtocol(self), local_addr=(host, self.port)
            )
        except OSError as exc:
            log.warning("%s", describe_bind_error(exc, "UDP discovery", host, self.port))
            return
        self._transport = transport
        log.info("UDP discovery listening on %s:%d", host, self.address[1] if self.address else 0)

    async def async_stop(self) -> None:
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()

    def _on_datagram(self, data: bytes, addr: tuple[Any, ...]) -> None:
        if traffic.isEnabledFor(logging.DEBUG):
            traffic.debug("udp %s:%s -> us: %s", addr[0], addr[1], data.hex())
        if not is_discover_for(data, self.settings.identity.device_id):
            return
        try:
            local_ip = reply_address(self.settings.bind_host, addr)
        except OSError as exc:
            log.debug("no route back to %s for a discovery reply: %s", addr[0], exc)
            return
        reply = discover_reply(self.settings, local_ip)
        self._check_base_url(local_ip)
        if self._transport is not None:
            self._transport.sendto(reply, addr)
            if traffic.isEnabledFor(logging.DEBUG):
                traffic.debug("udp us -> %s:%s: %s", addr[0], addr[1], reply.hex())

    def _check_base_url(self, local_ip: str) -> None:
        base_url = self.settings.base_url_for(local_ip)
        if len(base_url) > MAX_LIBHDHOMERUN_BASE_URL and not self._warned_long_base_url:
            self._warned_long_base_url = True
            log.warning(
                "the BaseURL %s is longer than %d characters: hdhomerun_config and apps built on "
                "libhdhomerun will ignore it and assume port 80; use a shorter --advertise-url",
                base_url,
                MAX_LIBHDHOMERUN_BASE_URL,
            )

    def _on_error(self, exc: Exception) -> None:
        level = logging.DEBUG if self._warned_socket_error else logging.WARNING
        self._warned_socket_error = True
        log.log(level, "UDP discovery socket error: %s", exc)


class _DiscoveryProtocol(asyncio.DatagramProtocol):
    def __init__(self, responder: DiscoveryResponder):
        self._responder = responder

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        self._responder._on_datagram(data, addr)

    def error_received(self, exc: Exception) -> None:
        self._responder._on_error(exc)

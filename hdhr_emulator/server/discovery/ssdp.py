"""SSDP on UDP 1900: answer M-SEARCH and announce NOTIFY alive/byebye
(docs/protocol/hdhomerun.md §6.1).

Plex reads SSDP presence as the tuner's heartbeat, and Home Assistant finds real HDHomeRuns this
way, so the device advertises itself as a UPnP ``MediaServer:1`` whose description is served by the
HTTP API at ``{BaseURL}/device.xml``. The packets are built in :mod:`.ssdp_packets`; this module
only owns the sockets:

* a **unicast socket** bound to ``(bind_address, 1900)`` answers unicast M-SEARCH (UDA 1.1 lets a
  control point search one device directly); on Linux it is kept out of multicast traffic
  (``IP_MULTICAST_ALL`` off), so a search is never answered twice;
* a **multicast socket** bound to ``(239.255.255.250, 1900)`` and joined on each multicast
  interface, and only those, receives multicast M-SEARCH;
* one **sender socket per multicast interface**, with ``IP_MULTICAST_IF`` pinned to it, sends the
  NOTIFYs, so announcements never leave through an interface that was not chosen.

Both listening sockets set ``SO_REUSEADDR``/``SO_REUSEPORT``, so other UPnP software on the host
(minidlna, Plex itself, …) can share port 1900. If another program holds the port exclusively,
SSDP logs one warning and stays off; the rest of the server runs on.

The LOCATION of a search response is the BaseURL of the address the search arrived on: the address
the unicast socket is bound to, or, for a wildcard bind or a multicast search, the local address
the kernel routes back to the searcher from (normally the interface the search came in on).
"""

from __future__ import annotations

import asyncio
import errno
import functools
import ipaddress
import logging
import random
import socket
import sys
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

from hdhr_emulator.device.settings import DeviceSettings
from hdhr_emulator.device.ssdp_packets import (
    DESCRIPTION_PATH,
    MAX_AGE,
    SSDP_GROUP,
    SSDP_PORT,
    advertisements,
    build_alive,
    build_byebye,
    build_search_response,
    default_server,
    match_search_target,
    parse_msearch,
)
from hdhr_emulator.util import WILDCARD_HOSTS

log = logging.getLogger(__name__)
traffic = logging.getLogger("hdhr_emulator.traffic.ssdp")  # raw packets, at DEBUG

# s; well under max-age/2 (docs/protocol/hdhomerun.md §6.1: 300–900 s), cheap (3 datagrams)
ANNOUNCE_INTERVAL = 300.0
FIRST_ANNOUNCE_DELAY = 1.0  # s; services start just before the HTTP server that serves LOCATION
MAX_RESPONSE_DELAY = 1.0  # s; the cap on the random 0..MX wait before answering a multicast search
MULTICAST_TTL = 2  # UDA 1.1 §1.1: SSDP TTL should default to 2
_IP_MULTICAST_ALL = getattr(socket, "IP_MULTICAST_ALL", 49)  # Linux only


@dataclass(frozen=True, slots=True)
class SsdpConfig:
    """How the SSDP service listens and announces. Defaults suit a LAN deployment.

    ``bind_address``: the IPv4 address to listen on for unicast M-SEARCH; None means
    ``DeviceSettings.bind_host`` (``0.0.0.0``: every interface). ``multicast_interfaces``: IPv4
    addresses of the interfaces to join 239.255.255.250 on and to send NOTIFYs from; None means
    "the bind address" when it is a specific address, else every non-loopback IPv4 interface;
    ``()`` turns multicast off (unicast searches are still answered). ``announce`` turns NOTIFYs
    on/off; the first alive goes out ``first_announce_delay`` after start, then one every
    ``announce_interval``. ``max_delay`` caps the random wait before answering a multicast search
    (tests set both delays to 0).
    """

    enabled: bool = True
    bind_address: str | None = None
    multicast_interfaces: tuple[str, ...] | None = None
    announce: bool = True
    announce_interval: float = ANNOUNCE_INTERVAL
    first_announce_delay: float = FIRST_ANNOUNCE_DELAY
    max_delay: float = MAX_RESPONSE_DELAY
    port: int = SSDP_PORT
    multicast_ttl: int = MULTICAST_TTL
    max_age: int = MAX_AGE
    server: str | None = None  # the SERVER header; None: ssdp_packets.default_server()


class SsdpUnavailable(Exception):
    """Raised (and caught in ``async_start``) when the SSDP sockets cannot be opened."""


class _QuietLog:
    """Log a recurring network error at WARNING the first time, then at DEBUG."""

    def __init__(self) -> None:
        self._seen: set[Hashable] = set()

    def warning(self, key: Hashable, message: str, *args: object) -> None:
        level = logging.DEBUG if key in self._seen else logging.WARNING
        self._seen.add(key)
        log.log(level, message, *args)


class _Receiver(asyncio.DatagramProtocol):
    """Hands datagrams of one listening socket to the service."""

    def __init__(
        self,
        on_datagram: Callable[[_Receiver, bytes, tuple[str, int]], None],
        on_error: Callable[[Exception], None],
        *,
        multicast: bool,
        local_address: str | None,
    ) -> None:
        self.multicast = multicast
        self.local_address = local_address  # the specific address the socket is bound to, if any
        self.transport: asyncio.DatagramTransport | None = None
        self._on_datagram = on_datagram
        self._on_error = on_error

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self._on_datagram(self, data, addr)

    def error_received(self, exc: Exception) -> None:
        self._on_error(exc)


class SsdpService:
    """Answers M-SEARCH and sends NOTIFYs for the device in ``settings`` while started.

    ``async_start`` never raises for network trouble: a busy port or an unusable address logs one
    WARNING and leaves the service off (``running`` is False).
    """

    def __init__(self, settings: DeviceSettings, config: SsdpConfig | None = None) -> None:
        self._settings = settings
        self._config = config or SsdpConfig()
        self._server = self._config.server or default_server()
        self._udn = settings.identity.udn
        self._transports: list[asyncio.DatagramTransport] = []
        self._senders: dict[str, socket.socket] = {}  # interface address -> NOTIFY socket
        self._joined: tuple[str, ...] = ()
        self._timers: set[asyncio.TimerHandle] = set()
        self._announce_timer: asyncio.TimerHandle | None = None
        self._running = False
        self._quiet = _QuietLog()

    @property
    def running(self) -> bool:
        return self._running

    @property
    def multicast_interfaces(self) -> tuple[str, ...]:
        """The interfaces (addresses) joined to the SSDP group while running."""
        return self._joined

    async def async_start(self) -> None:
        if self._running or not self._config.enabled:
            return
        loop = asyncio.get_running_loop()
        try:
            unicast, bound, multicast, joined = self._open_listeners()
        except SsdpUnavailable as exc:
            log.warning("%s", exc)
            return
        self._joined = joined
        self._transports = []
        try:
            for sock, is_multicast, local in ((unicast, False, bound), (multicast, True, None)):
                if sock is None:
                    continue
                receiver = _Receiver(
                    self._on_datagram,
                    self._on_socket_error,
                    multicast=is_multicast,
                    local_address=local,
                )
                transport, _ = await loop.create_datagram_endpoint(
                    functools.partial(_same, receiver), sock=sock
                )
                self._transports.append(transport)
        except OSError as exc:
            for transport in self._transports:
                transport.close()
            for sock in (unicast, multicast):
                if sock is not None:
                    sock.close()
            self._transports, self._joined = [], ()
            log.warning("SSDP is off: %s", exc.strerror or exc)
            return
        if self._config.announce:
            self._senders = self._open_senders(joined)
        self._running = True
        log.info(
            "SSDP: answering M-SEARCH on %s:%d%s",
            bound or "0.0.0.0",
            self._config.port,
            f", multicast on {', '.join(joined)}" if joined else " (unicast only)",
        )
        if self._senders:
            self._schedule_announce(self._config.first_announce_delay)

    async def async_stop(self) -> None:
        if not self._running:
            return
        self._running = False
        if self._announce_timer is not None:
            self._announce_timer.cancel()
            self._announce_timer = None
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
        if self._senders:
            self._announce(alive=False)
        for sock in self._senders.values():
            sock.close()
        self._senders = {}
        for transport in self._transports:
            transport.close()
        self._transports = []
        self._joined = ()
        await asyncio.sleep(0)  # let the transports finish closing their sockets

    # -- sockets ------------------------------------------------------------------------------

    def _bind_address(self) -> str | None:
        """The specific IPv4 address to bind to, or None for all."""
        address = self._config.bind_address
        if address is None:
            address = self._settings.bind_host
        if address in WILDCARD_HOSTS:
            return None
        try:
            ipaddress.IPv4Address(address)
        except ValueError:
            raise SsdpUnavailable(
                f"SSDP is off: it is IPv4 only and {address!r} is not an IPv4 address"
            ) from None
        return address

    def _multicast_interfaces(self, bound: str | None) -> tuple[str, ...]:
        if self._config.multicast_interfaces is not None:
            return self._config.multicast_interfaces
        if bound is not None:
            return (bound,)
        return ipv4_interface_addresses()

    def _open_listeners(
        self,
    ) -> tuple[socket.socket, str | None, socket.socket | None, tuple[str, ...]]:
        port = self._config.port
        bound = self._bind_address()
        opened: list[socket.socket] = []
        where = f"{bound or '0.0.0.0'}:{port}"
        try:
            unicast = _reusable_udp_socket()
            opened.append(unicast)
            if sys.platform.startswith("linux"):
                unicast.setsockopt(socket.IPPROTO_IP, _IP_MULTICAST_ALL, 0)
            unicast.bind((bound or "0.0.0.0", port))
            multicast: socket.socket | None = None
            joined: list[str] = []
            wanted = self._multicast_interfaces(bound)
            if wanted:
                where = f"{SSDP_GROUP}:{port}"
                multicast = _reusable_udp_socket()
                opened.append(multicast)
                try:
                    multicast.bind((SSDP_GROUP, port))
                except OSError as exc:  # Windows cannot bind a group address
                    if exc.errno == errno.EADDRINUSE:
                        raise
                    multicast.bind(("", port))
                explicit = self._config.multicast_interfaces is not None or bound is not None
                for interface in wanted:
                    try:
                        mreq = socket.inet_aton(SSDP_GROUP) + socket.inet_aton(interface)
                        multicast.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
                    except OSError as exc:
                        log.log(
                            logging.WARNING if explicit else logging.DEBUG,
                            "SSDP: cannot join %s on interface %s (%s); not listening there",
                            SSDP_GROUP,
                            interface,
                            exc.strerror or exc,
                        )
                        continue
                    joined.append(interface)
                if not joined:
                    multicast.close()
                    opened.remove(multicast)
                    multicast = None
        except OSError as exc:
            for sock in opened:
                sock.close()
            if exc.errno == errno.EADDRINUSE:
                raise SsdpUnavailable(
                    f"SSDP is off: UDP {where} is held by another program that does not share "
                    "the port (stop it, or pass --no-ssdp)"
                ) from None
            raise SsdpUnavailable(
                f"SSDP is off: cannot listen on UDP {where}: {exc.strerror or exc}"
            ) from None
        return unicast, bound, multicast, tuple(joined)

    def _open_senders(self, interfaces: Sequence[str]) -> dict[str, socket.socket]:
        senders: dict[str, socket.socket] = {}
        for interface in interfaces:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                sock.setblocking(False)
                sock.setsockopt(
                    socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(interface)
                )
                sock.setsockopt(
                    socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, self._config.multicast_ttl
                )
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
            except OSError as exc:
                sock.close()
                log.warning(
                    "SSDP: cannot send multicast on interface %s (%s); not announcing there",
                    interface,
                    exc.strerror or exc,
                )
                continue
            senders[interface] = sock
        return senders

    # -- searches -----------------------------------------------------------------------------

    def _on_socket_error(self, exc: Exception) -> None:
        self._quiet.warning(("socket", type(exc)), "SSDP socket error: %s", exc)

    def _on_datagram(self, receiver: _Receiver, data: bytes, addr: tuple[str, int]) -> None:
        search = parse_msearch(data)
        if search is None:
            return
        matches = match_search_target(search.st, self._udn)
        traffic.debug(
            "%s M-SEARCH from %s:%d, ST %s, MX %s: %d match(es)",
            "multicast" if receiver.multicast else "unicast",
            addr[0],
            addr[1],
            search.st,
            search.mx,
            len(matches),
        )
        if not matches or receiver.transport is None:
            return
        if receiver.multicast:
            if search.mx is None:  # UDA 1.0 §1.2.3: a multicast search without MX is invalid
                log.debug("ignoring a multicast M-SEARCH without a valid MX from %s", addr[0])
                return
            delay = random.uniform(0.0, min(float(search.mx), self._config.max_delay))
        else:
            delay = 0.0  # UDA 1.1 §1.3.3: answer a unicast search at once
        local = receiver.local_address or self._local_address_for(addr[0])
        if local is None:
            log.debug("no local address routes to %s; not answering its M-SEARCH", addr[0])
            return
        location = self._settings.base_url_for(local) + DESCRIPTION_PATH
        packets = [
            build_search_response(
                match, location=location, server=self._server, max_age=self._config.max_age
            )
            for match in matches
        ]
        if delay <= 0:
            self._respond(receiver.transport, packets, addr)
        else:
            self._call_later(delay, self._respond, receiver.transport, packets, addr)

    def _local_address_for(self, remote: str) -> str | None:
        """The local address the kernel would answer ``remote`` from (UDP connect sends nothing)."""
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                probe.connect((remote, self._config.port))
                local: str = probe.getsockname()[0]
        except OSError:
            return self._joined[0] if self._joined else None
        return local

    def _respond(
        self, transport: asyncio.DatagramTransport, packets: list[bytes], addr: tuple[str, int]
    ) -> None:
        if transport.is_closing():
            return
        for packet in packets:
            traffic.debug("to %s:%d: %r", addr[0], addr[1], packet)
            transport.sendto(packet, addr)

    def _call_later(self, delay: float, callback: Callable[..., None], *args: object) -> None:
        loop = asyncio.get_running_loop()

        def fire() -> None:
            self._timers.discard(handle)
            callback(*args)

        handle = loop.call_later(delay, fire)
        self._timers.add(handle)

    # -- announcements ------------------------------------------------------------------------

    def _schedule_announce(self, delay: float) -> None:
        loop = asyncio.get_running_loop()
        self._announce_timer = loop.call_later(delay, self._announce_alive)

    def _announce_alive(self) -> None:
        if not self._running:
            return
        self._announce(alive=True)
        self._schedule_announce(self._config.announce_interval)

    def _announce(self, *, alive: bool) -> None:
        group = (SSDP_GROUP, self._config.port)
        for interface, sock in self._senders.items():
            location = self._settings.base_url_for(interface) + DESCRIPTION_PATH
            for advertisement in advertisements(self._udn):
                if alive:
                    packet = build_alive(
                        advertisement,
                        location=location,
                        server=self._server,
                        max_age=self._config.max_age,
                    )
                else:
                    packet = build_byebye(advertisement)
                traffic.debug("NOTIFY on %s: %r", interface, packet)
                try:
                    sock.sendto(packet, group)
                except OSError as exc:
                    self._quiet.warning(
                        ("notify", interface),
                        "SSDP: NOTIFY on interface %s failed: %s",
                        interface,
                        exc.strerror or exc,
                    )
                    break


def _reusable_udp_socket() -> socket.socket:
    """A UDP socket that can share its port with other SSDP software, where the OS allows it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if hasattr(socket, "SO_REUSEPORT"):
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            except OSError:  # defined but unsupported (old kernels, WSL1)
                pass
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def ipv4_interface_addresses() -> tuple[str, ...]:
    """Every non-loopback IPv4 address of this host (ifaddr ships with python-zeroconf)."""
    import ifaddr

    found: list[str] = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if isinstance(ip.ip, str) and not ip.ip.startswith("127.") and ip.ip not in found:
                found.append(ip.ip)
    return tuple(found)


def _same(protocol: asyncio.DatagramProtocol) -> asyncio.DatagramProtocol:
    """A protocol factory's body: the protocol already built for this socket."""
    return protocol

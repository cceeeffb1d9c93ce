"""SSDP: exact packets, then a real service on 127.0.0.1:1900 driven by Python sockets and by the
real ``gssdp-discover`` (GUPnP).

Port 1900 is shared by design, so each test's device has a random DeviceID (hence UDN) and only
packets naming it count; tests that run a service hold a host-wide lock so that two runs of this
file (say, two checkouts) do not split each other's unicast searches.

Network rule: every datagram stays on loopback. The service binds 127.0.0.1, joins the SSDP group
on ``lo`` only and sends its NOTIFYs with IP_MULTICAST_IF 127.0.0.1 and TTL 1; the test clients
search 127.0.0.1:1900 by unicast, or the group with IP_MULTICAST_IF 127.0.0.1 and TTL 1.
"""

from __future__ import annotations

import asyncio
import errno
import fcntl
import ipaddress
import logging
import re
import secrets
import socket
import tempfile
import threading
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TypeVar

import pytest
from lxml import etree

from hdhr_emulator.device.identity import DeviceIdentity, derive_device_id
from hdhr_emulator.device.settings import DeviceSettings
from hdhr_emulator.device.ssdp_packets import (
    MEDIA_SERVER,
    SSDP_GROUP,
    Advertisement,
    advertisements,
    build_alive,
    build_byebye,
    build_msearch,
    build_search_response,
    default_server,
    match_search_target,
    parse_msearch,
)
from hdhr_emulator.server.discovery.ssdp import SsdpConfig, SsdpService, ipv4_interface_addresses
from tests.conftest import require_tool

UDN = "uuid:b16bdb00-019c-5253-a0ca-878f3864ac1b"
SERVER = "Linux/6.1 UPnP/1.0 Retrovue/0.1.0"
LOOPBACK = "127.0.0.1"
T = TypeVar("T")


# -- sans-IO packets -----------------------------------------------------------------------------


def test_search_response_bytes() -> None:
    packet = build_search_response(
        Advertisement(MEDIA_SERVER, f"{UDN}::{MEDIA_SERVER}"),
        location="http://192.168.1.50:5004/device.xml",
        server=SERVER,
    )
    assert packet == (
        b"HTTP/1.1 200 OK\r\n"
        b"CACHE-CONTROL: max-age=1800\r\n"
        b"EXT:\r\n"
        b"LOCATION: http://192.168.1.50:5004/device.xml\r\n"
        b"SERVER: Linux/6.1 UPnP/1.0 Retrovue/0.1.0\r\n"
        b"ST: urn:schemas-upnp-org:device:MediaServer:1\r\n"
        b"USN: uuid:b16bdb00-019c-5253-a0ca-878f3864ac1b"
        b"::urn:schemas-upnp-org:device:MediaServer:1\r\n"
        b"\r\n"
    )


def test_notify_alive_bytes() -> None:
    packet = build_alive(
        advertisements(UDN)[0], location="http://192.168.1.50:5004/device.xml", server=SERVER
    )
    assert packet == (
        b"NOTIFY * HTTP/1.1\r\n"
        b"HOST: 239.255.255.250:1900\r\n"
        b"CACHE-CONTROL: max-age=1800\r\n"
        b"LOCATION: http://192.168.1.50:5004/device.xml\r\n"
        b"NT: upnp:rootdevice\r\n"
        b"NTS: ssdp:alive\r\n"
        b"SERVER: Linux/6.1 UPnP/1.0 Retrovue/0.1.0\r\n"
        b"USN: uuid:b16bdb00-019c-5253-a0ca-878f3864ac1b::upnp:rootdevice\r\n"
        b"\r\n"
    )


def test_notify_byebye_bytes() -> None:
    assert build_byebye(advertisements(UDN)[1]) == (
        b"NOTIFY * HTTP/1.1\r\n"
        b"HOST: 239.255.255.250:1900\r\n"
        b"NT: uuid:b16bdb00-019c-5253-a0ca-878f3864ac1b\r\n"
        b"NTS: ssdp:byebye\r\n"
        b"USN: uuid:b16bdb00-019c-5253-a0ca-878f3864ac1b\r\n"
        b"\r\n"
    )


def test_advertisements_are_root_uuid_and_media_server() -> None:
    assert advertisements(UDN) == (
        Advertisement("upnp:rootdevice", f"{UDN}::upnp:rootdevice"),
        Advertisement(UDN, UDN),
        Advertisement(MEDIA_SERVER, f"{UDN}::{MEDIA_SERVER}"),
    )
    assert not any("plex" in a.target or "plex" in a.usn for a in advertisements(UDN))


@pytest.mark.parametrize(
    ("st", "expected"),
    [
        ("ssdp:all", ["upnp:rootdevice", UDN, MEDIA_SERVER]),
        ("upnp:rootdevice", ["upnp:rootdevice"]),
        (UDN, [UDN]),
        (UDN.upper().replace("UUID:", "uuid:"), [UDN]),
        (MEDIA_SERVER, [MEDIA_SERVER]),
        ("urn:schemas-upnp-org:device:MediaRenderer:1", []),
        ("urn:schemas-upnp-org:service:ContentDirectory:1", []),
        ("urn:plex-tv:device:Media:1", []),
        ("uuid:00000000-0000-0000-0000-000000000000", []),
    ],
    ids=[
        "all",
        "root",
        "uuid",
        "uuid-upper",
        "media-server",
        "renderer",
        "service",
        "plex",
        "other-uuid",
    ],
)
def test_match_search_target(st: str, expected: list[str]) -> None:
    assert [a.target for a in match_search_target(st, UDN)] == expected


def test_parse_msearch_gssdp_style() -> None:
    # Verbatim from gssdp-discover 1.6.2 (mixed-case header names).
    data = (
        b'M-SEARCH * HTTP/1.1\r\nHost: 239.255.255.250:1900\r\nMan: "ssdp:discover"\r\n'
        b"ST: urn:schemas-upnp-org:device:MediaServer:1\r\nMX: 3\r\n"
        b"User-Agent: Linux/6.18 UPnP/1.0 GSSDP/1.6.2\r\n\r\n"
    )
    search = parse_msearch(data)
    assert search is not None
    assert (search.st, search.mx) == (MEDIA_SERVER, 3)
    assert search.headers["USER-AGENT"].endswith("GSSDP/1.6.2")


@pytest.mark.parametrize(
    "data",
    [
        build_alive(advertisements(UDN)[0], location="http://x/device.xml", server=SERVER),
        b"HTTP/1.1 200 OK\r\nST: ssdp:all\r\n\r\n",
        b"M-SEARCH * HTTP/1.1\r\nST: ssdp:all\r\nMX: 1\r\n\r\n",  # no MAN
        b'M-SEARCH * HTTP/1.1\r\nMAN: "ssdp:discover"\r\nMX: 1\r\n\r\n',  # no ST
        b"",
        b"\x00\xff garbage",
        b"M-SEARCH * HTTP/1.1\r\n" + b"X: y\r\n" * 2000,  # over one datagram's worth
    ],
    ids=["notify", "response", "no-man", "no-st", "empty", "garbage", "huge"],
)
def test_parse_msearch_rejects(data: bytes) -> None:
    assert parse_msearch(data) is None


@pytest.mark.parametrize(("mx", "expected"), [(None, None), ("x", None), ("-1", None), ("5", 5)])
def test_parse_msearch_mx(mx: str | None, expected: int | None) -> None:
    data = b'M-SEARCH * HTTP/1.1\r\nMAN: "ssdp:discover"\r\nST: ssdp:all\r\n'
    if mx is not None:
        data += f"MX: {mx}\r\n".encode()
    search = parse_msearch(data + b"\r\n")
    assert search is not None and search.mx == expected


def test_msearch_round_trip_and_default_server() -> None:
    search = parse_msearch(build_msearch("ssdp:all", mx=2))
    assert search is not None and (search.st, search.mx) == ("ssdp:all", 2)
    assert re.fullmatch(r"\S+/\S+ UPnP/1\.0 Retrovue/\S+", default_server())


# -- a real service on 127.0.0.1:1900 ----------------------------------------------------------


def run(scenario: Callable[[], Awaitable[T]], timeout: float = 30) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(scenario(), timeout)

    return asyncio.run(bounded())


@pytest.fixture
def identity() -> DeviceIdentity:
    """A fresh device per test, so stray SSDP traffic on lo never matches it."""
    return DeviceIdentity(derive_device_id(secrets.token_hex(8), 2), "A" * 24, "Retrovue", 2)


@pytest.fixture
def port_1900() -> Iterator[None]:
    """Serialise tests that run a service on 127.0.0.1:1900 across processes on this host."""
    with open(f"{tempfile.gettempdir()}/retrovue-tests-ssdp-1900.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture
def description_port(identity: DeviceIdentity) -> Iterator[int]:
    """A stand-in for the HTTP API: serves a minimal device.xml (docs/protocol/hdhomerun.md §3.9)
    on 127.0.0.1."""
    body: bytes = b""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/device.xml":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer((LOOPBACK, 0), Handler)
    port = httpd.server_address[1]
    body = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<root xmlns="urn:schemas-upnp-org:device-1-0">'
        "<specVersion><major>1</major><minor>0</minor></specVersion>"
        f"<URLBase>http://{LOOPBACK}:{port}</URLBase>"
        f"<device><deviceType>{MEDIA_SERVER}</deviceType>"
        f"<friendlyName>{identity.friendly_name}</friendlyName>"
        "<manufacturer>Silicondust</manufacturer>"
        f"<modelName>{identity.model_number}</modelName>"
        f"<modelNumber>{identity.model_number}</modelNumber>"
        f"<serialNumber>{identity.device_id_hex}</serialNumber>"
        f"<UDN>{identity.udn}</UDN></device></root>"
    ).encode()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture
def settings(identity: DeviceIdentity, description_port: int, port_1900: None) -> DeviceSettings:
    return DeviceSettings(identity, http_port=description_port, bind_host=LOOPBACK)


def loopback_config(**overrides: object) -> SsdpConfig:
    """Everything pinned to lo; multicast TTL 1; no delays unless overridden."""
    options: dict[str, object] = {
        "bind_address": LOOPBACK,
        "multicast_interfaces": (LOOPBACK,),
        "multicast_ttl": 1,
        "max_delay": 0.0,
        "first_announce_delay": 0.0,
        "server": SERVER,
    }
    options.update(overrides)
    return SsdpConfig(**options)  # type: ignore[arg-type]


def client_socket(multicast: bool = False) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setblocking(False)
    sock.bind((LOOPBACK, 0))
    if multicast:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(LOOPBACK))
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
    return sock


def group_listener() -> socket.socket:
    """Receives what is multicast to 239.255.255.250:1900 on lo (it shares the port, like
    any other UPnP control point would)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setblocking(False)
    sock.bind((SSDP_GROUP, 1900))
    mreq = socket.inet_aton(SSDP_GROUP) + socket.inet_aton(LOOPBACK)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    return sock


async def receive(sock: socket.socket, window: float, udn: str) -> list[bytes]:
    """Every datagram naming ``udn`` that arrives on ``sock`` within ``window`` seconds."""
    loop = asyncio.get_running_loop()
    packets: list[bytes] = []
    deadline = loop.time() + window
    while (left := deadline - loop.time()) > 0:
        try:
            data, _ = await asyncio.wait_for(loop.sock_recvfrom(sock, 65535), left)
        except TimeoutError:
            break
        if udn.encode() in data:
            packets.append(data)
    return packets


async def search(
    st: str, udn: str, *, mx: int | None = None, multicast: bool = False, window: float = 0.4
) -> list[bytes]:
    """Search by unicast to 127.0.0.1:1900 or by multicast on lo; the answers for ``udn``."""
    loop = asyncio.get_running_loop()
    with client_socket(multicast) as sock:
        target = (SSDP_GROUP if multicast else LOOPBACK, 1900)
        await loop.sock_sendto(sock, build_msearch(st, mx, host=f"{target[0]}:1900"), target)
        return await receive(sock, window, udn)


def expected_responses(settings: DeviceSettings, targets: list[str]) -> list[bytes]:
    location = f"http://{LOOPBACK}:{settings.http_port}/device.xml"
    by_target = {a.target: a for a in advertisements(settings.identity.udn)}
    return [build_search_response(by_target[t], location=location, server=SERVER) for t in targets]


def test_service_answers_unicast_search_per_target(settings: DeviceSettings) -> None:
    udn = settings.identity.udn
    cases = {
        "ssdp:all": ["upnp:rootdevice", udn, MEDIA_SERVER],
        "upnp:rootdevice": ["upnp:rootdevice"],
        udn: [udn],
        MEDIA_SERVER: [MEDIA_SERVER],
        "urn:schemas-upnp-org:device:MediaRenderer:1": [],
        "urn:plex-tv:device:Media:1": [],
    }

    async def scenario() -> dict[str, list[bytes]]:
        service = SsdpService(settings, loopback_config(announce=False))
        await service.async_start()
        try:
            assert service.running
            return {st: await search(st, udn) for st in cases}
        finally:
            await service.async_stop()

    got = run(scenario)
    for st, targets in cases.items():
        assert got[st] == expected_responses(settings, targets), st


def test_service_answers_multicast_search_within_mx(settings: DeviceSettings) -> None:
    udn = settings.identity.udn

    async def scenario() -> tuple[list[bytes], list[bytes]]:
        service = SsdpService(settings, loopback_config(announce=False, max_delay=0.3))
        await service.async_start()
        try:
            assert service.multicast_interfaces == (LOOPBACK,)
            with_mx = await search(MEDIA_SERVER, udn, mx=1, multicast=True, window=0.8)
            without_mx = await search(MEDIA_SERVER, udn, mx=None, multicast=True, window=0.5)
            return with_mx, without_mx
        finally:
            await service.async_stop()

    with_mx, without_mx = run(scenario)
    assert with_mx == expected_responses(settings, [MEDIA_SERVER])
    assert without_mx == []  # a multicast search must carry MX (UDA 1.0 §1.2.3)


def test_service_notifies_alive_periodically_and_byebye_at_stop(settings: DeviceSettings) -> None:
    udn = settings.identity.udn

    async def scenario() -> tuple[list[bytes], list[bytes], list[bytes], list[bytes]]:
        with group_listener() as listener:
            config = loopback_config(first_announce_delay=0.3, announce_interval=0.6)
            service = SsdpService(settings, config)
            await service.async_start()
            try:
                # alive sets are due at 0.3 s, 0.9 s, 1.5 s…; the service stops at about 1.2 s
                early = await receive(listener, 0.15, udn)
                first = await receive(listener, 0.45, udn)
                again = await receive(listener, 0.6, udn)
            finally:
                await service.async_stop()
            bye = await receive(listener, 0.3, udn)
            return early, first, again, bye

    early, first, again, bye = run(scenario)
    location = f"http://{LOOPBACK}:{settings.http_port}/device.xml"
    alive = [
        build_alive(a, location=location, server=SERVER)
        for a in advertisements(settings.identity.udn)
    ]
    assert early == []  # the HTTP server gets a moment to come up before LOCATION is announced
    assert first == alive
    assert again == alive
    assert bye == [build_byebye(a) for a in advertisements(settings.identity.udn)]


def test_announce_off_sends_nothing(settings: DeviceSettings) -> None:
    async def scenario() -> list[bytes]:
        with group_listener() as listener:
            service = SsdpService(settings, loopback_config(announce=False))
            await service.async_start()
            await asyncio.sleep(0.1)
            await service.async_stop()
            return await receive(listener, 0.3, settings.identity.udn)

    assert run(scenario) == []


def test_wildcard_bind_answers_with_the_address_searched(settings: DeviceSettings) -> None:
    """Bound to 0.0.0.0 (multicast off, so nothing is sent unasked), the LOCATION is the local
    address that routes back to the searcher: 127.0.0.1 for a search from 127.0.0.1."""

    async def scenario() -> list[bytes]:
        config = loopback_config(bind_address="0.0.0.0", multicast_interfaces=())
        service = SsdpService(settings, config)
        await service.async_start()
        try:
            assert service.running and service.multicast_interfaces == ()
            return await search("upnp:rootdevice", settings.identity.udn)
        finally:
            await service.async_stop()

    assert run(scenario) == expected_responses(settings, ["upnp:rootdevice"])


def test_interface_addresses_are_ipv4_without_loopback() -> None:
    addresses = ipv4_interface_addresses()
    for address in addresses:
        assert ipaddress.ip_address(address).version == 4
        assert not ipaddress.ip_address(address).is_loopback
    assert len(set(addresses)) == len(addresses)


def test_busy_port_is_one_warning_and_service_off(
    settings: DeviceSettings, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> tuple[bool, list[bytes]]:
        service = SsdpService(settings, loopback_config())
        await service.async_start()
        running = service.running
        await service.async_stop()
        return running, await search("ssdp:all", settings.identity.udn, window=0.2)

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as hog:  # exclusive: no SO_REUSE*
        try:
            hog.bind((LOOPBACK, 1900))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            pytest.skip("other SSDP software shares UDP 1900 here, so no socket can hold it alone")
        with caplog.at_level(logging.WARNING):
            running, replies = run(scenario)
    assert not running
    assert replies == []  # the hog got the search, we did not answer
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert "SSDP is off" in message and "127.0.0.1:1900" in message and "\n" not in message


def test_disabled_service_is_silent(settings: DeviceSettings) -> None:
    udn = settings.identity.udn

    async def scenario() -> tuple[bool, list[bytes], list[bytes]]:
        with group_listener() as listener:
            service = SsdpService(settings, loopback_config(enabled=False))
            await service.async_start()
            running = service.running
            replies = await search("ssdp:all", udn, mx=1, multicast=True, window=0.3)
            replies += await search("ssdp:all", udn, window=0.2)
            await service.async_stop()
            return running, replies, await receive(listener, 0.1, udn)

    assert run(scenario) == (False, [], [])


def test_ipv6_bind_address_is_a_warning(
    identity: DeviceIdentity, caplog: pytest.LogCaptureFixture
) -> None:
    settings = DeviceSettings(identity, http_port=5004, bind_host="::1")

    async def scenario() -> bool:
        service = SsdpService(settings, SsdpConfig(multicast_interfaces=()))
        await service.async_start()
        return service.running

    with caplog.at_level(logging.WARNING):
        assert run(scenario) is False
    assert [r.getMessage() for r in caplog.records] == [
        "SSDP is off: it is IPv4 only and '::1' is not an IPv4 address"
    ]


def test_shares_port_1900_with_other_ssdp_software(settings: DeviceSettings) -> None:
    async def scenario() -> list[bytes]:
        with group_listener(), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as other:
            other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            other.bind(("0.0.0.0", 1900))
            service = SsdpService(settings, loopback_config(announce=False))
            await service.async_start()
            try:
                assert service.running
                return await search(MEDIA_SERVER, settings.identity.udn, mx=1, multicast=True)
            finally:
                await service.async_stop()

    assert run(scenario) == expected_responses(settings, [MEDIA_SERVER])


# -- interop: GUPnP's gssdp-discover on lo ---------------------------------------------------


async def gssdp_discover(*args: str) -> str:
    tool = require_tool("gssdp-discover")
    process = await asyncio.create_subprocess_exec(
        tool,
        "-i",
        "lo",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        out, _ = await asyncio.wait_for(process.communicate(), 20)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, out.decode(errors="replace")
    return out.decode(errors="replace")


def resources(output: str, kind: str = "available") -> dict[str, str]:
    """``{USN: Location}`` from gssdp-discover's "resource available/unavailable" blocks."""
    found: dict[str, str] = {}
    for block in output.split("resource ")[1:]:
        if not block.startswith(kind):
            continue
        usn = re.search(r"USN:\s+(\S+)", block)
        location = re.search(r"Location:\s+(\S+)", block)
        if usn:
            found[usn.group(1)] = location.group(1) if location else ""
    return found


def fetch(url: str) -> bytes:
    assert url.startswith(f"http://{LOOPBACK}:")
    with urllib.request.urlopen(url, timeout=5) as response:
        body: bytes = response.read()
    return body


@pytest.mark.parametrize("target", [MEDIA_SERVER, "ssdp:all"])
def test_gssdp_discover_finds_the_device(settings: DeviceSettings, target: str) -> None:
    require_tool("gssdp-discover")
    udn = settings.identity.udn

    async def scenario() -> str:
        # A real random delay (gssdp sends MX 3; we cap at 0.5 s).
        service = SsdpService(settings, loopback_config(announce=False, max_delay=0.5))
        await service.async_start()
        try:
            return await gssdp_discover("--timeout=3", f"--target={target}")
        finally:
            await service.async_stop()

    output = run(scenario)
    found = {usn: loc for usn, loc in resources(output).items() if usn.startswith(udn)}
    location = f"http://{LOOPBACK}:{settings.http_port}/device.xml"
    if target == MEDIA_SERVER:
        assert found == {f"{udn}::{MEDIA_SERVER}": location}, output
    else:
        expected = {f"{udn}::upnp:rootdevice", udn, f"{udn}::{MEDIA_SERVER}"}
        assert set(found) == expected, output
        assert set(found.values()) == {location}

    description = etree.fromstring(fetch(location))
    ns = {"u": "urn:schemas-upnp-org:device-1-0"}
    assert description.findtext("u:device/u:UDN", namespaces=ns) == udn
    assert description.findtext("u:device/u:deviceType", namespaces=ns) == MEDIA_SERVER
    assert description.findtext("u:device/u:serialNumber", namespaces=ns) == (
        settings.identity.device_id_hex
    )


def test_gssdp_discover_sees_alive_and_byebye_notifies(settings: DeviceSettings) -> None:
    require_tool("gssdp-discover")
    udn = settings.identity.udn

    async def scenario() -> str:
        # gssdp-discover also searches once it starts; start it first, then the service, so the
        # "available" it prints can only come from our NOTIFY alive.
        watcher = asyncio.create_task(
            gssdp_discover("--timeout=5", "--message-type=all", f"--target={MEDIA_SERVER}")
        )
        await asyncio.sleep(2.0)  # its three searches go out at about 0, 0.5 and 1 s
        service = SsdpService(settings, loopback_config())
        await service.async_start()
        await asyncio.sleep(1.0)
        await service.async_stop()
        return await watcher

    output = run(scenario)
    usn = f"{udn}::{MEDIA_SERVER}"
    location = f"http://{LOOPBACK}:{settings.http_port}/device.xml"
    assert resources(output, "available").get(usn) == location, output
    assert usn in resources(output, "unavailable"), output

"""UDP discovery and TCP control served in-process on 127.0.0.1, driven by the real
``hdhomerun_config`` and by Jellyfin-style Python clients.

Every packet goes to 127.0.0.1, unicast. Tests that need the fixed port 65001 (the only one
``hdhomerun_config`` speaks to) take the ``port_65001`` fixture: it serializes them across test
processes with a file lock and skips when something else holds the port. The other tests run the
services on ephemeral ports.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from hdhr_emulator.device.identity import DeviceIdentity, derive_device_id
from hdhr_emulator.device.packets import (
    MAX_PACKET,
    WILDCARD,
    DiscoverRequest,
    GetSetReply,
    GetSetRequest,
    PacketType,
    Tag,
    build_discover_request,
    build_getset_request,
    decode_frame,
    decode_tlvs,
    encode_frame,
    frame_size,
    parse_discover_reply,
    parse_getset_reply,
)
from hdhr_emulator.device.settings import DeviceSettings
from hdhr_emulator.server.discovery.control_tcp import (
    IDLE_STATUS,
    ControlServer,
    ControlVariables,
    TunerState,
    TunerStateSource,
    all_idle,
)
from hdhr_emulator.server.discovery.udp import (
    DiscoveryResponder,
    local_address_for,
    reply_address,
)
from tests.conftest import require_tool

IDENTITY = DeviceIdentity(
    derive_device_id("retrovue-tests", 2), "Tst0DeviceAuth0123456789", "Retrovue", 2
)
ID_HEX = IDENTITY.device_id_hex
SETTINGS = DeviceSettings(IDENTITY, http_port=5004, bind_host="127.0.0.1")
BASE_URL = "http://127.0.0.1:5004"
OTHER_ID = 0x1040A3F9  # a valid id that is not ours
BUSY_TUNER = TunerState(vchannel="5", name="Cheers TV", bps=4_000_000)
JELLYFIN_REQUEST = bytes.fromhex("00 02 00 0c 01 04 ff ff ff ff 02 04 ff ff ff ff 73 cc 7d 8f")


def tuner1_busy(tuner: int) -> TunerState | None:
    return BUSY_TUNER if tuner == 1 else None


# -- helpers ------------------------------------------------------------------------------------


@asynccontextmanager
async def serving_65001(tuner_state: TunerStateSource = all_idle) -> AsyncIterator[None]:
    udp = DiscoveryResponder(SETTINGS)
    tcp = ControlServer(SETTINGS, tuner_state)
    await udp.async_start()
    await tcp.async_start()
    try:
        if not (udp.running and tcp.running):
            pytest.skip("port 65001 was taken between the probe and the start")
        yield
    finally:
        await tcp.async_stop()
        await udp.async_stop()


@asynccontextmanager
async def udp_responder(settings: DeviceSettings = SETTINGS) -> AsyncIterator[int]:
    """A responder on an ephemeral 127.0.0.1 port; yields the port."""
    responder = DiscoveryResponder(settings, port=0)
    await responder.async_start()
    assert responder.address is not None
    try:
        yield responder.address[1]
    finally:
        await responder.async_stop()


@asynccontextmanager
async def control_server(tuner_state: TunerStateSource = all_idle) -> AsyncIterator[int]:
    server = ControlServer(SETTINGS, tuner_state, port=0)
    await server.async_start()
    assert server.address is not None
    try:
        yield server.address[1]
    finally:
        await server.async_stop()


async def hdhomerun_config(*args: str) -> tuple[int, str]:
    """Run the real tool; returns (exit status, stdout + stderr)."""
    tool = require_tool("hdhomerun_config")
    process = await asyncio.create_subprocess_exec(
        tool, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), 15)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return process.returncode, output.decode()


class _Replies(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.received: list[tuple[bytes, Any]] = []

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.received.append((data, addr))

    def error_received(self, exc: Exception) -> None:
        pass


async def udp_exchange(request: bytes, port: int, settle: float = 0.3) -> list[bytes]:
    """Send ``request`` from an ephemeral port to 127.0.0.1:``port``; the replies that come
    back to that port within ``settle`` seconds."""
    loop = asyncio.get_running_loop()
    transport, replies = await loop.create_datagram_endpoint(
        _Replies, remote_addr=("127.0.0.1", port)
    )
    try:
        transport.sendto(request)
        await asyncio.sleep(settle)
        assert all(addr == ("127.0.0.1", port) for _, addr in replies.received)
        return [data for data, _ in replies.received]
    finally:
        transport.close()


async def getset(port: int, *requests: GetSetRequest) -> list[bytes]:
    """Jellyfin-style: one connection, one request at a time, each reply taken from ONE read."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        replies = []
        for request in requests:
            writer.write(build_getset_request(request))
            await writer.drain()
            replies.append(await asyncio.wait_for(reader.read(MAX_PACKET), 5))
        return replies
    finally:
        writer.close()
        await writer.wait_closed()


def read_reply(data: bytes) -> GetSetReply:
    """Parse as Jellyfin does: exact length, type 5, NAME first, VALUE or ERROR second."""
    assert len(data) == frame_size(data[:4])
    frame = decode_frame(data)
    assert frame.type == PacketType.GETSET_RPY
    tags = [tag for tag, _ in decode_tlvs(frame.payload)]
    assert tags in ([Tag.GETSET_NAME, Tag.GETSET_VALUE], [Tag.GETSET_NAME, Tag.ERROR_MESSAGE])
    return parse_getset_reply(frame)


# -- the real hdhomerun_config on 127.0.0.1:65001 -----------------------------------------------


def test_hdhomerun_config_discovers_us(port_65001: int) -> None:
    async def run() -> tuple[int, str]:
        async with serving_65001():
            return await hdhomerun_config("discover", "127.0.0.1")

    status, output = asyncio.run(run())
    assert (status, output) == (0, f"hdhomerun device {ID_HEX} found at 127.0.0.1\n")


@pytest.mark.parametrize(
    ("variable", "status", "output"),
    [
        ("/sys/model", 0, IDENTITY.firmware_name),
        ("/sys/hwmodel", 0, IDENTITY.model_number),
        ("/sys/version", 0, IDENTITY.firmware_version),
        ("/tuner0/status", 0, IDLE_STATUS),
        ("/tuner1/status", 0, "ch=auto:v5 lock=8vsb ss=100 snq=100 seq=100 bps=4000000 pps=379"),
        ("/tuner1/vchannel", 0, "5"),
        ("/tuner1/streaminfo", 0, "1: 5 Cheers TV\ntsid=0x0001"),
        ("/tuner0/lockkey", 0, "none"),
        ("/sys/bogus", 1, "ERROR: unknown getset variable"),
        ("/tuner2/status", 1, "ERROR: unknown getset variable"),
    ],
    ids=lambda v: v if isinstance(v, str) and v.startswith("/") else None,
)
def test_hdhomerun_config_get(port_65001: int, variable: str, status: int, output: str) -> None:
    async def run() -> tuple[int, str]:
        async with serving_65001(tuner1_busy):
            return await hdhomerun_config("127.0.0.1", "get", variable)

    assert asyncio.run(run()) == (status, output + "\n")


def test_hdhomerun_config_help_lists_the_variables(port_65001: int) -> None:
    async def run() -> tuple[int, str]:
        async with serving_65001():
            return await hdhomerun_config("127.0.0.1", "get", "help")

    status, output = asyncio.run(run())
    lines = output.splitlines()
    assert status == 0 and lines[0] == "Supported configuration options:"
    assert {"/sys/model", "/sys/hwmodel", "/sys/version", "/tuner<n>/status"} <= set(lines)


def test_hdhomerun_config_tuner_lock(port_65001: int) -> None:
    async def run() -> list[tuple[int, str]]:
        async with serving_65001():
            return [
                await hdhomerun_config("127.0.0.1", "set", "/tuner0/lockkey", "1234"),
                await hdhomerun_config("127.0.0.1", "get", "/tuner0/lockkey"),
                await hdhomerun_config("127.0.0.1", "set", "/tuner0/lockkey", "none"),
                await hdhomerun_config("127.0.0.1", "set", "/tuner0/lockkey", "force"),
                await hdhomerun_config("127.0.0.1", "get", "/tuner0/lockkey"),
            ]

    assert asyncio.run(run()) == [
        (0, ""),
        (0, "127.0.0.1\n"),
        (1, "ERROR: resource locked by 127.0.0.1\n"),  # no lockkey tag: not the holder
        (0, ""),
        (0, "none\n"),
    ]


def test_jellyfin_style_discover_on_65001(port_65001: int) -> None:
    async def run() -> list[bytes]:
        async with serving_65001():
            replies = await udp_exchange(JELLYFIN_REQUEST, port_65001)
            return replies

    [reply] = asyncio.run(run())
    assert len(reply) > 13 and reply[1] == 3  # all Jellyfin and Emby check
    tlvs = decode_tlvs(decode_frame(reply).payload)
    assert [tag for tag, _ in tlvs] == [0x01, 0x02, 0x2B, 0x2A, 0x10, 0x27]
    values = dict(tlvs)
    assert values[Tag.DEVICE_TYPE] == b"\0\0\0\x01"
    assert values[Tag.DEVICE_ID] == bytes.fromhex(ID_HEX)
    assert values[Tag.DEVICE_AUTH_STR] == IDENTITY.device_auth.encode()
    assert values[Tag.BASE_URL] == BASE_URL.encode()
    assert values[Tag.TUNER_COUNT] == b"\x02"
    assert values[Tag.LINEUP_URL] == f"{BASE_URL}/lineup.json".encode()
    assert len(values[Tag.BASE_URL]) <= 28  # libhdhomerun's limit


# -- discovery rules (ephemeral port) -----------------------------------------------------------


@pytest.mark.parametrize(
    "request_",
    [
        JELLYFIN_REQUEST,
        build_discover_request(DiscoverRequest((1,), WILDCARD)),
        build_discover_request(DiscoverRequest((WILDCARD,), None)),
        build_discover_request(DiscoverRequest((WILDCARD,), IDENTITY.device_id)),
        build_discover_request(DiscoverRequest((5, 1), None, multi_type=True)),
        build_discover_request(DiscoverRequest(None, None)),
    ],
    ids=["old-library", "tuner-type", "new-library", "our-id", "multi-type", "no-tags"],
)
def test_each_request_form_gets_exactly_one_reply(request_: bytes) -> None:
    async def run() -> list[bytes]:
        async with udp_responder() as port:
            replies = await udp_exchange(request_, port)  # from an ephemeral port
            return replies

    replies = asyncio.run(run())
    assert len(replies) == 1
    reply = parse_discover_reply(decode_frame(replies[0]))
    assert (reply.device_id, reply.tuner_count, reply.base_url) == (IDENTITY.device_id, 2, BASE_URL)


@pytest.mark.parametrize(
    "request_",
    [
        build_discover_request(DiscoverRequest((5,), WILDCARD)),
        build_discover_request(DiscoverRequest((WILDCARD,), OTHER_ID)),
        build_discover_request(DiscoverRequest((5,), None, multi_type=True)),
        encode_frame(PacketType.DISCOVER_RPY, JELLYFIN_REQUEST[4:-4]),
        JELLYFIN_REQUEST[:-1] + bytes([JELLYFIN_REQUEST[-1] ^ 0xFF]),
        build_getset_request(GetSetRequest("/sys/model")),
        b"M-SEARCH * HTTP/1.1\r\n\r\n",
        b"",
    ],
    ids=[
        "storage-type",
        "other-id",
        "multi-storage",
        "a-reply",
        "bad-crc",
        "getset",
        "garbage",
        "empty",
    ],
)
def test_no_reply(request_: bytes) -> None:
    async def run() -> list[bytes]:
        async with udp_responder() as port:
            replies = await udp_exchange(request_, port, settle=0.2)
            return replies

    assert asyncio.run(run()) == []


def test_reply_address_is_the_bind_address_or_the_route_to_the_sender() -> None:
    assert local_address_for(("127.0.0.1", 9)) == "127.0.0.1"  # connect() on UDP sends nothing
    assert reply_address("0.0.0.0", ("127.0.0.1", 9)) == "127.0.0.1"
    assert reply_address("192.0.2.7", ("127.0.0.1", 9)) == "192.0.2.7"


def test_advertise_url_is_used_and_a_long_one_warned_once(caplog: pytest.LogCaptureFixture) -> None:
    settings = DeviceSettings(
        IDENTITY, 5004, advertise_url="http://retrovue.example.net:5004/", bind_host="127.0.0.1"
    )

    async def run() -> list[bytes]:
        async with udp_responder(settings) as port:
            first = await udp_exchange(JELLYFIN_REQUEST, port, settle=0.1)
            second = await udp_exchange(JELLYFIN_REQUEST, port, settle=0.1)
            return first + second

    with caplog.at_level(logging.WARNING, "hdhr_emulator.server.discovery.udp"):
        replies = asyncio.run(run())
    reply = parse_discover_reply(decode_frame(replies[0]))
    assert reply.base_url == "http://retrovue.example.net:5004"
    assert reply.lineup_url == "http://retrovue.example.net:5004/lineup.json"
    assert [r.getMessage() for r in caplog.records] == [
        (
            "the BaseURL http://retrovue.example.net:5004 is longer than 28 characters: "
            "hdhomerun_config and apps built on libhdhomerun will ignore it and assume port 80; "
            "use a shorter --advertise-url"
        )
    ]


# -- TCP control (ephemeral port) ---------------------------------------------------------------


def test_several_requests_on_one_connection() -> None:
    async def run() -> list[bytes]:
        async with control_server(tuner1_busy) as port:
            return await getset(
                port,
                GetSetRequest("/sys/model"),
                GetSetRequest("/tuner1/channel"),
                GetSetRequest("/tuner0/channel"),
                GetSetRequest("/sys/bogus"),
                GetSetRequest("/sys/model", "hacked"),
                GetSetRequest("/sys/hwmodel"),
            )

    assert [read_reply(data) for data in asyncio.run(run())] == [
        GetSetReply("/sys/model", value="hdhomerun5_atsc"),
        GetSetReply("/tuner1/channel", value="auto:v5"),
        GetSetReply("/tuner0/channel", value="none"),
        GetSetReply("/sys/bogus", error="ERROR: unknown getset variable"),
        GetSetReply("/sys/model", error="ERROR: unknown getset variable"),  # read-only
        GetSetReply("/sys/hwmodel", value="HDHR5-4US"),
    ]


def test_lockkey_holder_releases_with_its_key() -> None:
    async def run() -> list[bytes]:
        async with control_server() as port:
            return await getset(
                port,
                GetSetRequest("/tuner1/lockkey", "3141592653", lockkey=3141592653),
                GetSetRequest("/tuner1/lockkey"),
                GetSetRequest("/tuner1/lockkey", "none", lockkey=1),
                GetSetRequest("/tuner1/lockkey", "none", lockkey=3141592653),
                GetSetRequest("/tuner1/lockkey"),
                GetSetRequest("/tuner1/lockkey", "banana"),
            )

    assert [read_reply(data) for data in asyncio.run(run())] == [
        GetSetReply("/tuner1/lockkey", value="127.0.0.1"),
        GetSetReply("/tuner1/lockkey", value="127.0.0.1"),
        GetSetReply("/tuner1/lockkey", error="ERROR: resource locked by 127.0.0.1"),
        GetSetReply("/tuner1/lockkey", value="none"),
        GetSetReply("/tuner1/lockkey", value="none"),
        GetSetReply("/tuner1/lockkey", error="ERROR: malformed getset request"),
    ]


def test_malformed_request_gets_an_error_and_a_bad_frame_closes() -> None:
    async def run() -> tuple[bytes, bytes]:
        async with control_server() as port:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            try:
                writer.write(encode_frame(PacketType.GETSET_REQ, b""))  # no NAME
                malformed = await asyncio.wait_for(reader.read(MAX_PACKET), 5)
                bad_crc = build_getset_request(GetSetRequest("/sys/model"))[:-1] + b"\0"
                writer.write(bad_crc)
                after = await asyncio.wait_for(reader.read(MAX_PACKET), 5)
                return malformed, after
            finally:
                writer.close()
                await writer.wait_closed()

    malformed, after = asyncio.run(run())
    assert read_reply(malformed) == GetSetReply("", error="ERROR: malformed getset request")
    assert after == b""  # framing is lost: the server hangs up


def test_a_failing_tuner_state_drops_only_that_client(caplog: pytest.LogCaptureFixture) -> None:
    def broken(tuner: int) -> TunerState | None:
        raise RuntimeError("engine gone")

    async def run() -> tuple[list[bytes], list[bytes]]:
        async with control_server(broken) as port:
            failed = await getset(port, GetSetRequest("/tuner0/status"))
            still_up = await getset(port, GetSetRequest("/sys/model"))
            return failed, still_up

    with caplog.at_level(logging.ERROR, "hdhr_emulator.server.discovery.control_tcp"):
        failed, still_up = asyncio.run(run())
    assert failed == [b""]
    assert read_reply(still_up[0]).value == "hdhomerun5_atsc"
    assert [r.getMessage() for r in caplog.records] == [
        "TCP control: answering /tuner0/status for 127.0.0.1 failed"
    ]


def test_stop_hangs_up_on_connected_clients_quietly(caplog: pytest.LogCaptureFixture) -> None:
    async def run() -> bytes:
        server = ControlServer(SETTINGS, port=0)
        await server.async_start()
        assert server.address is not None
        reader, writer = await asyncio.open_connection("127.0.0.1", server.address[1])
        try:
            writer.write(build_getset_request(GetSetRequest("/sys/model")))
            await reader.read(MAX_PACKET)
            await asyncio.wait_for(server.async_stop(), 1)
            return await asyncio.wait_for(reader.read(MAX_PACKET), 1)
        finally:
            writer.close()
            await writer.wait_closed()

    with caplog.at_level(logging.DEBUG, "asyncio"):
        assert asyncio.run(run()) == b""
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


@pytest.mark.parametrize(
    ("variable", "idle", "busy"),
    [
        ("status", IDLE_STATUS, "ch=auto:v5 lock=8vsb ss=100 snq=100 seq=100 bps=4000000 pps=379"),
        ("channel", "none", "auto:v5"),
        ("vchannel", "none", "5"),
        ("program", "none", "1"),
        ("streaminfo", "none", "1: 5 Cheers TV\ntsid=0x0001"),
        ("target", "none", "none"),
        ("filter", "0x0000-0x1FFF", "0x0000-0x1FFF"),
        ("channelmap", "us-bcast", "us-bcast"),
    ],
    ids=lambda v: (
        v
        if v
        in {
            "status",
            "channel",
            "vchannel",
            "program",
            "streaminfo",
            "target",
            "filter",
            "channelmap",
        }
        else None
    ),
)
def test_tuner_variables_follow_the_tuner_state(variable: str, idle: str, busy: str) -> None:
    variables = ControlVariables(IDENTITY, tuner1_busy)
    assert variables.handle(GetSetRequest(f"/tuner0/{variable}"), "192.0.2.1").value == idle
    assert variables.handle(GetSetRequest(f"/tuner1/{variable}"), "192.0.2.1").value == busy


@pytest.mark.parametrize("name", ["/tuner2/status", "/tuner01/status", "/tuner0/bogus", "/tuner/x"])
def test_unknown_tuner_variables(name: str) -> None:
    reply = ControlVariables(IDENTITY).handle(GetSetRequest(name), "192.0.2.1")
    assert reply == GetSetReply(name, error="ERROR: unknown getset variable")


# -- a busy port is a warning, not a crash ------------------------------------------------------


def test_busy_ports_are_one_warning_each(caplog: pytest.LogCaptureFixture) -> None:
    with (
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp_holder,
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp_holder,
    ):
        udp_holder.bind(("127.0.0.1", 0))
        tcp_holder.bind(("127.0.0.1", 0))
        tcp_holder.listen()
        udp_port = udp_holder.getsockname()[1]
        tcp_port = tcp_holder.getsockname()[1]

        async def run() -> tuple[bool, bool]:
            udp = DiscoveryResponder(SETTINGS, port=udp_port)
            tcp = ControlServer(SETTINGS, port=tcp_port)
            await udp.async_start()
            await tcp.async_start()
            running = udp.running, tcp.running
            await tcp.async_stop()
            await udp.async_stop()
            return running

        with caplog.at_level(logging.WARNING, "hdhr_emulator.server.discovery"):
            assert asyncio.run(run()) == (False, False)

    busy = (
        "is already in use on 127.0.0.1 (another HDHomeRun emulator?); clients can still add "
        "the tuner by its HTTP address"
    )
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", f"UDP discovery is off: port {udp_port} {busy}"),
        ("WARNING", f"TCP control is off: port {tcp_port} {busy}"),
    ]

"""TCP control on port 65001: the getset variables ``hdhomerun_config`` and Home Assistant read
(docs/protocol/hdhomerun.md §5).

:class:`ControlVariables` answers one getset request and holds the tuner locks; it does no I/O.
:class:`ControlServer` moves frames: one request at a time per connection, each reply written as
one complete frame with NAME first (Jellyfin reads a reply with a single ``recv`` and expects
that order). Only ``/tunerN/lockkey`` can be set: the tuner streams over HTTP only, so a set of
``channel``/``target``/… answers ``ERROR: unknown getset variable`` rather than pretend to stream
over UDP. Like discovery, the server logs one warning and stays off when the port is taken.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from hdhr_emulator.device.identity import DeviceIdentity
from hdhr_emulator.device.packets import (
    HDHR_PORT,
    MAX_PACKET,
    Frame,
    GetSetReply,
    GetSetRequest,
    PacketError,
    PacketType,
    build_getset_reply,
    decode_frame,
    frame_size,
    parse_getset_request,
)
from hdhr_emulator.device.settings import DeviceSettings
from hdhr_emulator.server.discovery.udp import describe_bind_error

log = logging.getLogger(__name__)
traffic = logging.getLogger("hdhr_emulator.traffic.hdhr")

UNKNOWN_VARIABLE = "ERROR: unknown getset variable"
MALFORMED_REQUEST = "ERROR: malformed getset request"
IDLE_STATUS = "ch=none lock=none ss=0 snq=0 seq=0 bps=0 pps=0"
IDLE_TIMEOUT = 300.0  # a silent client is dropped; libhdhomerun reconnects on its next request
FRAME_TIMEOUT = 5.0  # to finish a frame once its header arrived
STOP_TIMEOUT = 2.0  # for connections to end once hung up
PROGRAM_NUMBER = 1  # the MPEG-TS service id our streams carry
TRANSPORT_STREAM_ID = 0x0001
_TS_PACKETS_PER_IP_PACKET = 7

_TUNER_VARIABLE = re.compile(r"/tuner(0|[1-9][0-9]*)/([a-z]+)")
_DECIMAL = re.compile(r"[0-9]{1,10}")
SUPPORTED_VARIABLES = (
    "/sys/copyright",
    "/sys/debug",
    "/sys/features",
    "/sys/hwmodel",
    "/sys/model",
    "/sys/version",
    "/tuner<n>/channel",
    "/tuner<n>/channelmap",
    "/tuner<n>/debug",
    "/tuner<n>/filter",
    "/tuner<n>/lockkey",
    "/tuner<n>/program",
    "/tuner<n>/status",
    "/tuner<n>/streaminfo",
    "/tuner<n>/target",
    "/tuner<n>/vchannel",
)
HELP = "\n".join(("Supported configuration options:", *SUPPORTED_VARIABLES))
COPYRIGHT = "Retrovue HDHomeRun emulator; not made or endorsed by Silicondust USA Inc."
FEATURES = "channelmap: us-bcast\nmodulation: 8vsb\nauto-modulation: auto auto6t"


@dataclass(frozen=True, slots=True)
class TunerState:
    """What one busy tuner is playing, as the control protocol reports it.

    ``vchannel`` is the GuideNumber (``"5"``, ``"4.1"``); ``bps`` the stream's bit rate if known.
    """

    vchannel: str
    name: str = ""
    bps: int = 0


TunerStateSource = Callable[[int], "TunerState | None"]
"""Tuner index → its state, or None when idle."""


def all_idle(tuner: int) -> TunerState | None:
    return None


@dataclass(slots=True)
class _Lock:
    key: int
    owner: str


class ControlVariables:
    """The device's getset variables, answered from the identity and the live tuner state."""

    def __init__(self, identity: DeviceIdentity, tuner_state: TunerStateSource = all_idle):
        self.identity = identity
        self._tuner_state = tuner_state
        self._locks: dict[int, _Lock] = {}

    def handle(self, request: GetSetRequest, peer_ip: str) -> GetSetReply:
        name = request.name
        if request.value is not None:
            return self._set(request, peer_ip)
        value = self._get(name)
        if value is None:
            return GetSetReply(name, error=UNKNOWN_VARIABLE)
        return GetSetReply(name, value=value)

    def _get(self, name: str) -> str | None:
        identity = self.identity
        system = {
            "help": HELP,
            "/sys/model": identity.firmware_name,
            "/sys/hwmodel": identity.model_number,
            "/sys/version": identity.firmware_version,
            "/sys/copyright": COPYRIGHT,
            "/sys/features": FEATURES,
            "/sys/debug": f"tuners: {identity.tuner_count}\nstreams: http",
        }
        if name in system:
            return system[name]
        tuner, variable = self._tuner_variable(name)
        if tuner is None:
            return None
        state = self._tuner_state(tuner)
        return self._tuner_value(tuner, variable, state)

    def _tuner_variable(self, name: str) -> tuple[int | None, str]:
        match = _TUNER_VARIABLE.fullmatch(name)
        if match is None or int(match[1]) >= self.identity.tuner_count:
            return None, ""
        return int(match[1]), match[2]

    def _tuner_value(self, tuner: int, variable: str, state: TunerState | None) -> str | None:
        lock = self._locks.get(tuner)
        if variable == "lockkey":
            return lock.owner if lock else "none"
        if variable == "channelmap":
            return "us-bcast"
        if variable == "filter":
            return "0x0000-0x1FFF"
        if variable == "target":
            return "none"
        if state is None:
            idle = {
                "status": IDLE_STATUS,
                "streaminfo": "none",
                "channel": "none",
                "vchannel": "none",
                "program": "none",
                "debug": _debug(IDLE_STATUS, 0),
            }
            return idle.get(variable)
        pps = state.bps // (188 * 8 * _TS_PACKETS_PER_IP_PACKET)
        channel = f"auto:v{state.vchannel}"
        status = f"ch={channel} lock=8vsb ss=100 snq=100 seq=100 bps={state.bps} pps={pps}"
        busy = {
            "status": status,
            "streaminfo": (
                f"{PROGRAM_NUMBER}: {state.vchannel} {state.name}".rstrip()
                + f"\ntsid=0x{TRANSPORT_STREAM_ID:04X}"
            ),
            "channel": channel,
            "vchannel": state.vchannel,
            "program": str(PROGRAM_NUMBER),
            "debug": _debug(status, state.bps),
        }
        return busy.get(variable)

    def _set(self, request: GetSetRequest, peer_ip: str) -> GetSetReply:
        name, value = request.name, request.value or ""
        tuner, variable = self._tuner_variable(name)
        if tuner is None or variable != "lockkey":
            return GetSetReply(name, error=UNKNOWN_VARIABLE)
        lock = self._locks.get(tuner)
        holder = lock is not None and request.lockkey == lock.key
        if value == "force":
            self._locks.pop(tuner, None)
        elif value == "none":
            if lock is not None and not holder:
                return GetSetReply(name, error=f"ERROR: resource locked by {lock.owner}")
            self._locks.pop(tuner, None)
        elif _DECIMAL.fullmatch(value) and 0 < int(value) <= 0xFFFFFFFF:
            if lock is not None and not holder:
                return GetSetReply(name, error=f"ERROR: resource locked by {lock.owner}")
            self._locks[tuner] = _Lock(int(value), peer_ip)
        else:
            return GetSetReply(name, error=MALFORMED_REQUEST)
        return GetSetReply(name, value=self._tuner_value(tuner, "lockkey", None))


def _debug(status: str, bps: int) -> str:
    tun = status.split(" bps=")[0]
    return f"tun: {tun} dbg=0\ndev: bps={bps} resync=0 overflow=0\nts: bps={bps} te=0 crc=0"


def _reply_frame(reply: GetSetReply) -> bytes:
    try:
        return build_getset_reply(reply)
    except ValueError:  # over a packet: only an absurd name echoed back can get here
        return build_getset_reply(GetSetReply("", error=MALFORMED_REQUEST))


class ControlServer:
    """Serves TCP getset on ``(settings.bind_host, port)``.

    ``tuner_state`` maps a tuner index to what it plays (None when idle); it is called per
    request, so it must be cheap and must not block. ``port`` exists for tests.
    """

    def __init__(
        self,
        settings: DeviceSettings,
        tuner_state: TunerStateSource = all_idle,
        port: int = HDHR_PORT,
    ):
        self.settings = settings
        self.port = port
        self.variables = ControlVariables(settings.identity, tuner_state)
        self._server: asyncio.Server | None = None
        self._connections: dict[asyncio.Task[None], asyncio.StreamWriter] = {}

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def address(self) -> tuple[str, int] | None:
        """The first bound ``(host, port)`` while running (the real port when ``port`` was 0)."""
        if self._server is None or not self._server.sockets:
            return None
        sockname = self._server.sockets[0].getsockname()
        return str(sockname[0]), int(sockname[1])

    async def async_start(self) -> None:
        host = self.settings.bind_host
        try:
            self._server = await asyncio.start_server(self._serve, host or None, self.port)
        except OSError as exc:
            log.warning("%s", describe_bind_error(exc, "TCP control", host, self.port))
            return
        log.info("TCP control listening on %s:%d", host, self.address[1] if self.address else 0)

    async def async_stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        # Hang up rather than cancel: Python 3.11's start_server logs a spurious traceback for
        # a cancelled connection task. A hung-up connection ends its task normally.
        for writer in self._connections.values():
            writer.close()
        if self._connections:
            _, stuck = await asyncio.wait(self._connections, timeout=STOP_TIMEOUT)
            for task in stuck:
                task.cancel()
            await asyncio.gather(*stuck, return_exceptions=True)
        await server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections[task] = writer
        peer = writer.get_extra_info("peername") or ("", 0)
        peer_ip = str(peer[0]).removeprefix("::ffff:")
        try:
            while self._server is not None:
                frame = await self._read_frame(reader, peer_ip)
                data = self._answer(frame, peer_ip) if frame is not None else None
                if data is None:
                    break
                if traffic.isEnabledFor(logging.DEBUG):
                    traffic.debug("tcp us -> %s: %s", peer_ip, data.hex())
                writer.write(data)  # one whole frame per write: Jellyfin reads a reply at once
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass
        finally:
            self._connections.pop(task, None)
            writer.close()
            try:
                await writer.wait_closed()
            except (ConnectionError, OSError):
                pass

    def _answer(self, frame: Frame, peer_ip: str) -> bytes | None:
        """The reply frame for ``frame``, or None to hang up."""
        if frame.type != PacketType.GETSET_REQ:
            log.debug("TCP control: %s sent packet type 0x%04X; closing", peer_ip, frame.type)
            return None
        try:
            request = parse_getset_request(frame)
        except PacketError as exc:
            log.debug("TCP control: malformed request from %s: %s", peer_ip, exc)
            return _reply_frame(GetSetReply("", error=MALFORMED_REQUEST))
        try:
            reply = self.variables.handle(request, peer_ip)
        except Exception:  # a bug, e.g. in tuner_state: log it and drop this client only
            log.exception("TCP control: answering %s for %s failed", request.name, peer_ip)
            return None
        return _reply_frame(reply)

    async def _read_frame(self, reader: asyncio.StreamReader, peer_ip: str) -> Frame | None:
        header = await asyncio.wait_for(reader.readexactly(4), IDLE_TIMEOUT)
        size = frame_size(header)
        if size > MAX_PACKET:
            log.debug("TCP control: %s announced a %d-byte frame; closing", peer_ip, size)
            return None
        body = await asyncio.wait_for(reader.readexactly(size - 4), FRAME_TIMEOUT)
        data = header + body
        if traffic.isEnabledFor(logging.DEBUG):
            traffic.debug("tcp %s -> us: %s", peer_ip, data.hex())
        try:
            return decode_frame(data)
        except PacketError as exc:
            log.debug("TCP control: bad frame from %s (%s); closing", peer_ip, exc)
            return None

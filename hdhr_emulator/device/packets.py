"""HDHomeRun's binary protocol on port 65001, without I/O: frames, TLVs, discover and getset.

UDP discovery and TCP control share one frame (docs/protocol/hdhomerun.md §4.1)::

    type u16 BE | length L u16 BE | L bytes of TLVs | CRC-32 (zlib) LE over the first 4+L bytes

A TLV is a tag byte, a length of one byte (< 128) or two bytes (``L & 0x7F | 0x80`` then
``L >> 7``), and the value. Discovery strings carry no NUL; getset names and values do, and the
length counts it (docs/protocol/hdhomerun.md §4.2, §5.1). Parsers skip unknown tags and raise
:class:`PacketError` for anything malformed; the adapters drop such packets.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

HDHR_PORT = 65001
MAX_PACKET = 1460
MAX_PAYLOAD = MAX_PACKET - 8
HEADER_SIZE = 4
WILDCARD = 0xFFFFFFFF
DEVICE_TYPE_TUNER = 0x00000001
DEVICE_TYPE_STORAGE = 0x00000005
MAX_TLV_LENGTH = 0x7FFF


class PacketType(IntEnum):
    DISCOVER_REQ = 0x0002
    DISCOVER_RPY = 0x0003
    GETSET_REQ = 0x0004
    GETSET_RPY = 0x0005
    UPGRADE_REQ = 0x0006
    UPGRADE_RPY = 0x0007


class Tag(IntEnum):
    DEVICE_TYPE = 0x01
    DEVICE_ID = 0x02
    GETSET_NAME = 0x03
    GETSET_VALUE = 0x04
    ERROR_MESSAGE = 0x05
    TUNER_COUNT = 0x10
    GETSET_LOCKKEY = 0x15
    LINEUP_URL = 0x27
    STORAGE_URL = 0x28
    DEVICE_AUTH_BIN = 0x29
    BASE_URL = 0x2A
    DEVICE_AUTH_STR = 0x2B
    STORAGE_ID = 0x2C
    MULTI_TYPE = 0x2D


class PacketError(ValueError):
    """Raised when bytes are not a well-formed frame, TLV list or message of the expected type.

    Network input, never user error: the adapters log it at debug and drop the packet.
    """


@dataclass(frozen=True, slots=True)
class Frame:
    type: int
    payload: bytes


# -- frames -------------------------------------------------------------------------------------


def encode_frame(packet_type: int, payload: bytes) -> bytes:
    """The frame for ``payload``; ValueError if it exceeds the 1452-byte payload limit."""
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"payload of {len(payload)} bytes exceeds {MAX_PAYLOAD}")
    body = struct.pack(">HH", packet_type, len(payload)) + payload
    return body + struct.pack("<I", zlib.crc32(body))


def frame_size(header: bytes) -> int:
    """The whole frame's size (header, payload, CRC) from its first four bytes."""
    if len(header) < HEADER_SIZE:
        raise PacketError(f"a frame header is {HEADER_SIZE} bytes, got {len(header)}")
    length = int.from_bytes(header[2:4], "big")
    return HEADER_SIZE + length + 4


def decode_frame(data: bytes) -> Frame:
    """One complete frame (exactly ``data``), its CRC checked."""
    if len(data) < HEADER_SIZE + 4:
        raise PacketError(f"a frame is at least 8 bytes, got {len(data)}")
    if frame_size(data) != len(data):
        raise PacketError(f"frame length field says {frame_size(data)} bytes, got {len(data)}")
    packet_type, length = struct.unpack_from(">HH", data)
    body_end = HEADER_SIZE + length
    (crc,) = struct.unpack_from("<I", data, body_end)
    if zlib.crc32(data[:body_end]) != crc:
        raise PacketError("bad CRC")
    return Frame(packet_type, bytes(data[HEADER_SIZE:body_end]))


# -- TLVs ---------------------------------------------------------------------------------------


def encode_tlv(tag: int, value: bytes) -> bytes:
    length = len(value)
    if length > MAX_TLV_LENGTH:
        raise ValueError(f"a TLV value is at most {MAX_TLV_LENGTH} bytes, got {length}")
    if length < 0x80:
        return bytes((tag, length)) + value
    return bytes((tag, (length & 0x7F) | 0x80, length >> 7)) + value


def decode_tlvs(payload: bytes) -> list[tuple[int, bytes]]:
    """``[(tag, value), ...]`` in wire order."""
    items: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(payload):
        if pos + 2 > len(payload):
            raise PacketError(f"TLV at offset {pos} is truncated")
        tag, length = payload[pos], payload[pos + 1]
        pos += 2
        if length & 0x80:
            if pos >= len(payload):
                raise PacketError(f"TLV length at offset {pos - 2} is truncated")
            length = (length & 0x7F) | (payload[pos] << 7)
            pos += 1
        if pos + length > len(payload):
            left = len(payload) - pos
            raise PacketError(f"TLV tag 0x{tag:02X} wants {length} bytes, {left} left")
        items.append((tag, bytes(payload[pos : pos + length])))
        pos += length
    return items


def _u32(tag: int, value: int) -> bytes:
    return encode_tlv(tag, struct.pack(">I", value))


def _read_u32(tag: int, value: bytes) -> int:
    if len(value) != 4:
        raise PacketError(f"tag 0x{tag:02X} must hold 4 bytes, got {len(value)}")
    return int.from_bytes(value, "big")


def _cstring(tag: int, text: str) -> bytes:
    return encode_tlv(tag, text.encode() + b"\0")


def _read_cstring(value: bytes) -> str:
    return value.split(b"\0", 1)[0].decode("utf-8", "replace")


def _expect(frame: Frame, packet_type: PacketType) -> list[tuple[int, bytes]]:
    if frame.type != packet_type:
        raise PacketError(f"expected packet type 0x{packet_type:04X}, got 0x{frame.type:04X}")
    return decode_tlvs(frame.payload)


# -- discovery ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DiscoverRequest:
    """What a client looks for. ``None`` means the tag is absent, which matches anything.

    libhdhomerun 20220302 (Debian), Jellyfin and Emby always send one DEVICE_TYPE and one
    DEVICE_ID tag; newer libhdhomerun omits a wildcard id and sends several types as MULTI_TYPE.
    """

    device_types: tuple[int, ...] | None = (WILDCARD,)
    device_id: int | None = WILDCARD
    multi_type: bool = False

    def matches(self, device_type: int, device_id: int) -> bool:
        """§4.4: the type and the id are absent, wildcards or ours."""
        types = self.device_types
        type_ok = types is None or WILDCARD in types or device_type in types
        id_ok = self.device_id is None or self.device_id in (WILDCARD, device_id)
        return type_ok and id_ok


def build_discover_request(request: DiscoverRequest) -> bytes:
    payload = b""
    if request.device_types is not None:
        if request.multi_type:
            values = b"".join(struct.pack(">I", t) for t in request.device_types)
            payload += encode_tlv(Tag.MULTI_TYPE, values)
        else:
            payload += b"".join(_u32(Tag.DEVICE_TYPE, t) for t in request.device_types)
    if request.device_id is not None:
        payload += _u32(Tag.DEVICE_ID, request.device_id)
    return encode_frame(PacketType.DISCOVER_REQ, payload)


def parse_discover_request(frame: Frame) -> DiscoverRequest:
    types: list[int] = []
    multi = False
    device_id: int | None = None
    for tag, value in _expect(frame, PacketType.DISCOVER_REQ):
        if tag == Tag.DEVICE_TYPE:
            types.append(_read_u32(tag, value))
        elif tag == Tag.MULTI_TYPE:
            if len(value) % 4:
                raise PacketError(f"MULTI_TYPE holds {len(value)} bytes, not a multiple of 4")
            types.extend(int.from_bytes(value[i : i + 4], "big") for i in range(0, len(value), 4))
            multi = True
        elif tag == Tag.DEVICE_ID:
            device_id = _read_u32(tag, value)
    return DiscoverRequest(tuple(types) if types else None, device_id, multi)


@dataclass(frozen=True, slots=True)
class DiscoverReply:
    device_id: int
    device_auth: str
    base_url: str
    tuner_count: int
    lineup_url: str
    device_type: int = DEVICE_TYPE_TUNER


def build_discover_reply(reply: DiscoverReply) -> bytes:
    """Tags in a real device's order: 01 02 2B 2A 10 27, strings without a NUL (§4.5)."""
    payload = b"".join(
        (
            _u32(Tag.DEVICE_TYPE, reply.device_type),
            _u32(Tag.DEVICE_ID, reply.device_id),
            encode_tlv(Tag.DEVICE_AUTH_STR, reply.device_auth.encode()),
            encode_tlv(Tag.BASE_URL, reply.base_url.encode()),
            encode_tlv(Tag.TUNER_COUNT, bytes((reply.tuner_count,))),
            encode_tlv(Tag.LINEUP_URL, reply.lineup_url.encode()),
        )
    )
    return encode_frame(PacketType.DISCOVER_RPY, payload)


def parse_discover_reply(frame: Frame) -> DiscoverReply:
    """A reply as a client reads it; absent strings are empty, an absent tuner count is 0."""
    fields = _first_of_each(_expect(frame, PacketType.DISCOVER_RPY))
    if Tag.DEVICE_ID not in fields:
        raise PacketError("discover reply without a device id")

    def text(tag: Tag) -> str:
        return fields.get(tag, b"").decode("utf-8", "replace")

    count = fields.get(Tag.TUNER_COUNT, b"\0")
    return DiscoverReply(
        device_id=_read_u32(Tag.DEVICE_ID, fields[Tag.DEVICE_ID]),
        device_auth=text(Tag.DEVICE_AUTH_STR),
        base_url=text(Tag.BASE_URL),
        tuner_count=count[0] if count else 0,
        lineup_url=text(Tag.LINEUP_URL),
        device_type=(
            _read_u32(Tag.DEVICE_TYPE, fields[Tag.DEVICE_TYPE])
            if Tag.DEVICE_TYPE in fields
            else DEVICE_TYPE_TUNER
        ),
    )


# -- getset (TCP control) -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GetSetRequest:
    """A get (``value`` None) or a set, optionally carrying the caller's tuner lockkey."""

    name: str
    value: str | None = None
    lockkey: int | None = None


def build_getset_request(request: GetSetRequest) -> bytes:
    parts: list[bytes] = [_cstring(Tag.GETSET_NAME, request.name)]
    if request.value is not None:
        parts.append(_cstring(Tag.GETSET_VALUE, request.value))
    if request.lockkey is not None:
        parts.append(_u32(Tag.GETSET_LOCKKEY, request.lockkey))
    return encode_frame(PacketType.GETSET_REQ, b"".join(parts))


def parse_getset_request(frame: Frame) -> GetSetRequest:
    fields = _first_of_each(_expect(frame, PacketType.GETSET_REQ))
    if Tag.GETSET_NAME not in fields:
        raise PacketError("getset request without a name")
    value = fields.get(Tag.GETSET_VALUE)
    lockkey = fields.get(Tag.GETSET_LOCKKEY)
    return GetSetRequest(
        name=_read_cstring(fields[Tag.GETSET_NAME]),
        value=_read_cstring(value) if value is not None else None,
        lockkey=_read_u32(Tag.GETSET_LOCKKEY, lockkey) if lockkey is not None else None,
    )


@dataclass(frozen=True, slots=True)
class GetSetReply:
    """The echoed name and either a value or an ``ERROR: …`` message."""

    name: str
    value: str | None = None
    error: str | None = None


def build_getset_reply(reply: GetSetReply) -> bytes:
    """NAME first, then VALUE or ERROR_MESSAGE: Jellyfin reads them in that order (§5.1)."""
    parts = [_cstring(Tag.GETSET_NAME, reply.name)]
    if reply.error is not None:
        parts.append(_cstring(Tag.ERROR_MESSAGE, reply.error))
    else:
        parts.append(_cstring(Tag.GETSET_VALUE, reply.value or ""))
    return encode_frame(PacketType.GETSET_RPY, b"".join(parts))


def parse_getset_reply(frame: Frame) -> GetSetReply:
    fields = _first_of_each(_expect(frame, PacketType.GETSET_RPY))
    value = fields.get(Tag.GETSET_VALUE)
    error = fields.get(Tag.ERROR_MESSAGE)
    return GetSetReply(
        name=_read_cstring(fields.get(Tag.GETSET_NAME, b"")),
        value=_read_cstring(value) if value is not None else None,
        error=_read_cstring(error) if error is not None else None,
    )


def _first_of_each(items: Iterable[tuple[int, bytes]]) -> dict[int, bytes]:
    fields: dict[int, bytes] = {}
    for tag, value in items:
        fields.setdefault(tag, value)
    return fields

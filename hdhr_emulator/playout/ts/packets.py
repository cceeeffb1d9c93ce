"""MPEG-TS packet fields, PES timestamps and PCR, read and written in place (ISO/IEC 13818-1).

Every reader takes a buffer and the byte offset ``at`` of a packet (or of a field) in it, so a
caller can walk a whole chunk of packets without slicing; writers patch a ``bytearray`` in place.
These are the building blocks of the splicer's hot loop, which inlines the same arithmetic.

Timestamps: PTS/DTS and the PCR base are 33-bit counts of a 90 kHz clock that wrap at 2**33
(about 26.5 hours); the full PCR is ``base * 300 + extension`` at 27 MHz.

Packet header (4 bytes, §2.4.3.2)::

    0x47 | TEI PUSI PRIO PID(13) | TSC(2) AFC(2) CC(4)

Adaptation field (§2.4.3.4) after the header when ``AFC & 2``: length, flags
(discontinuity 0x80, random access 0x40, ES priority 0x20, PCR 0x10, OPCR 0x08, ...), PCR (6 bytes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

Buffer: TypeAlias = bytes | bytearray | memoryview

PACKET_SIZE = 188
CHUNK = 7 * PACKET_SIZE  # 1316: the usual read/datagram size, whole packets
SYNC_BYTE = 0x47

PID_PAT = 0x0000
PID_NIT = 0x0010
PID_SDT = 0x0011
PID_EIT = 0x0012
PID_TDT = 0x0014
PID_NULL = 0x1FFF
PSI_PIDS = frozenset({0x0000, 0x0001, 0x0002, PID_NIT, PID_SDT, PID_EIT, 0x0013, PID_TDT, PID_NULL})

PTS_HZ = 90_000
PCR_HZ = 27_000_000
TS_WRAP = 1 << 33
TS_MASK = TS_WRAP - 1
_HALF_WRAP = 1 << 32

# PMT stream_type values (ISO/IEC 13818-1 table 2-34 and common registrations)
STREAM_TYPE_H264 = 0x1B
STREAM_TYPE_HEVC = 0x24
VIDEO_STREAM_TYPES = frozenset(
    {0x01, 0x02, 0x10, STREAM_TYPE_H264, STREAM_TYPE_HEVC, 0x42, 0xD1, 0xEA}
)
AUDIO_STREAM_TYPES = frozenset({0x03, 0x04, 0x0F, 0x11, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87})

# PES stream_id values whose header has no PTS/DTS fields (§2.4.3.7)
_NO_PES_HEADER = frozenset({0xBC, 0xBE, 0xBF, 0xF0, 0xF1, 0xF2, 0xF8, 0xFF})


# -- header fields ------------------------------------------------------------------------------
def pid(buf: Buffer, at: int = 0) -> int:
    b = memoryview(buf)
    return ((b[at + 1] & 0x1F) << 8) | b[at + 2]


def pusi(buf: Buffer, at: int = 0) -> bool:
    """payload_unit_start_indicator: a PES packet or PSI section starts in this packet."""
    return bool(memoryview(buf)[at + 1] & 0x40)


def continuity_counter(buf: Buffer, at: int = 0) -> int:
    return memoryview(buf)[at + 3] & 0x0F


def adaptation_field_control(buf: Buffer, at: int = 0) -> int:
    """1: payload only, 2: adaptation field only, 3: both (0 is reserved)."""
    return (memoryview(buf)[at + 3] >> 4) & 0x03


def has_payload(buf: Buffer, at: int = 0) -> bool:
    """Only packets with a payload advance the continuity counter (§2.4.3.3)."""
    return bool(memoryview(buf)[at + 3] & 0x10)


def adaptation_length(buf: Buffer, at: int = 0) -> int:
    """The adaptation_field_length byte, or -1 when the packet has no adaptation field."""
    b = memoryview(buf)
    return b[at + 4] if b[at + 3] & 0x20 else -1


def _af_flags(buf: Buffer, at: int) -> int:
    b = memoryview(buf)
    return b[at + 5] if b[at + 3] & 0x20 and b[at + 4] else 0


def discontinuity_indicator(buf: Buffer, at: int = 0) -> bool:
    return bool(_af_flags(buf, at) & 0x80)


def random_access_indicator(buf: Buffer, at: int = 0) -> bool:
    return bool(_af_flags(buf, at) & 0x40)


def payload_offset(buf: Buffer, at: int = 0) -> int | None:
    """The index in ``buf`` where the packet's payload starts, or None without a payload."""
    b = memoryview(buf)
    flags = b[at + 3]
    if not flags & 0x10:
        return None
    start = at + 4 + (b[at + 4] + 1 if flags & 0x20 else 0)
    return start if start < at + PACKET_SIZE else None


# -- PCR ----------------------------------------------------------------------------------------
def encode_pcr(pcr: int) -> bytes:
    """The 6 PCR bytes for a 27 MHz value: 33-bit base, 6 reserved 1-bits, 9-bit extension."""
    base, ext = divmod(pcr, 300)
    base &= TS_MASK
    return bytes((
        base >> 25, (base >> 17) & 0xFF, (base >> 9) & 0xFF, (base >> 1) & 0xFF,
        ((base & 1) << 7) | 0x7E | (ext >> 8), ext & 0xFF,
    ))  # fmt: skip


def decode_pcr(buf: Buffer, at: int = 0) -> int:
    """The 27 MHz value of the 6 PCR bytes at ``at``."""
    b = memoryview(buf)
    base = (
        (b[at] << 25) | (b[at + 1] << 17) | (b[at + 2] << 9) | (b[at + 3] << 1) | (b[at + 4] >> 7)
    )
    return base * 300 + (((b[at + 4] & 1) << 8) | b[at + 5])


def read_pcr(buf: Buffer, at: int = 0) -> int | None:
    """The PCR (27 MHz) carried by the packet at ``at``, or None."""
    b = memoryview(buf)
    if b[at + 3] & 0x20 and b[at + 4] >= 7 and b[at + 5] & 0x10:
        return decode_pcr(b, at + 6)
    return None


def write_pcr(buf: bytearray, at: int, pcr: int) -> None:
    """Overwrite the PCR of the packet at ``at``, which must already carry one."""
    if not (buf[at + 3] & 0x20 and buf[at + 4] >= 7 and buf[at + 5] & 0x10):
        raise ValueError("packet has no PCR field")
    buf[at + 6 : at + 12] = encode_pcr(pcr)


# -- PES timestamps -----------------------------------------------------------------------------
def encode_timestamp(ts: int, prefix: int) -> bytes:
    """The 5 bytes of a PTS/DTS field: ``prefix`` is 0b0010 (PTS only), 0b0011 (PTS of PTS+DTS)
    or 0b0001 (DTS); the value is taken modulo 2**33; marker bits are set."""
    ts &= TS_MASK
    return bytes((
        (prefix << 4) | ((ts >> 29) & 0x0E) | 1, (ts >> 22) & 0xFF,
        ((ts >> 14) & 0xFE) | 1, (ts >> 7) & 0xFF, ((ts << 1) & 0xFE) | 1,
    ))  # fmt: skip


def decode_timestamp(buf: Buffer, at: int = 0) -> int:
    b = memoryview(buf)
    return (
        ((b[at] & 0x0E) << 29) | (b[at + 1] << 22) | ((b[at + 2] >> 1) << 15)
        | (b[at + 3] << 7) | (b[at + 4] >> 1)
    )  # fmt: skip


def write_timestamp(buf: bytearray, at: int, ts: int) -> None:
    """Overwrite the PTS/DTS field at ``at`` with ``ts`` (mod 2**33), keeping its prefix nibble."""
    buf[at : at + 5] = encode_timestamp(ts, buf[at] >> 4)


def pes_header_at(buf: Buffer, at: int) -> bool:
    """Whether a PES packet with an optional header (so possibly PTS/DTS) starts at ``at``."""
    b = memoryview(buf)
    return (
        len(b) >= at + 9 and b[at] == 0 and b[at + 1] == 0 and b[at + 2] == 1
        and b[at + 3] not in _NO_PES_HEADER
    )  # fmt: skip


def pes_timestamps(buf: Buffer, at: int) -> tuple[int | None, int | None]:
    """(PTS, DTS) of the PES header starting at ``at``; None for absent fields or no header."""
    b = memoryview(buf)
    if not pes_header_at(b, at):
        return None, None
    flags = b[at + 7] >> 6
    pts = decode_timestamp(b, at + 9) if flags & 2 and len(b) >= at + 14 else None
    dts = decode_timestamp(b, at + 14) if flags == 3 and len(b) >= at + 19 else None
    return pts, dts


def wrap_delta(later: int, earlier: int) -> int:
    """``later - earlier`` for 33-bit timestamps, as a signed value in [-2**32, 2**32)."""
    return ((later - earlier + _HALF_WRAP) & TS_MASK) - _HALF_WRAP


# -- whole-header view (slow path: tests, analysis, logging) -------------------------------------
@dataclass(frozen=True, slots=True)
class PacketHeader:
    """The fields of one packet's header and adaptation field."""

    pid: int
    pusi: bool
    continuity_counter: int
    adaptation_field_control: int
    discontinuity: bool
    random_access: bool
    pcr: int | None  # 27 MHz

    @property
    def has_payload(self) -> bool:
        return bool(self.adaptation_field_control & 1)


def parse_header(buf: Buffer, at: int = 0) -> PacketHeader:
    b = memoryview(buf)
    if len(b) < at + PACKET_SIZE or b[at] != SYNC_BYTE:
        raise ValueError(f"no TS packet at offset {at}")
    flags = _af_flags(b, at)
    return PacketHeader(
        pid=pid(b, at),
        pusi=pusi(b, at),
        continuity_counter=b[at + 3] & 0x0F,
        adaptation_field_control=(b[at + 3] >> 4) & 0x03,
        discontinuity=bool(flags & 0x80),
        random_access=bool(flags & 0x40),
        pcr=read_pcr(b, at),
    )


# -- PSI: PAT and PMT (single-packet sections, which is what ffmpeg writes) ---------------------
def _section(buf: Buffer, at: int, table_id: int) -> memoryview | None:
    """The section body (after the 8-byte long header, before the CRC) starting in the packet."""
    b = memoryview(buf)
    start = payload_offset(b, at)
    if start is None or not b[at + 1] & 0x40:
        return None
    start += 1 + b[start]  # pointer_field
    end_of_packet = at + PACKET_SIZE
    if start + 8 > end_of_packet or b[start] != table_id:
        return None
    length = ((b[start + 1] & 0x0F) << 8) | b[start + 2]
    end = start + 3 + length - 4
    if end > end_of_packet or end < start + 8:
        return None  # a multi-packet section: not produced by ffmpeg for our stream layouts
    return b[start + 8 : end]


def parse_pat(buf: Buffer, at: int = 0) -> dict[int, int] | None:
    """{program_number: PMT PID} from a PAT packet, or None if it is not one."""
    body = _section(buf, at, 0x00)
    if body is None:
        return None
    programs = {}
    for i in range(0, len(body) - 3, 4):
        number = (body[i] << 8) | body[i + 1]
        if number:  # program 0 points at the NIT
            programs[number] = ((body[i + 2] & 0x1F) << 8) | body[i + 3]
    return programs


def parse_pmt(buf: Buffer, at: int = 0) -> dict[int, int] | None:
    """{elementary PID: stream_type} from a PMT packet, or None if it is not one."""
    body = _section(buf, at, 0x02)
    if body is None:
        return None
    i = 4 + (((body[2] & 0x0F) << 8) | body[3])  # after PCR_PID and the program descriptors
    streams = {}
    while i + 5 <= len(body):
        streams[((body[i + 1] & 0x1F) << 8) | body[i + 2]] = body[i]
        i += 5 + (((body[i + 3] & 0x0F) << 8) | body[i + 4])
    return streams


def stream_kind(stream_type: int | None, stream_id: int | None = None) -> str:
    """ "video", "audio" or "other", from the PMT stream_type or else the PES stream_id."""
    if stream_type in VIDEO_STREAM_TYPES:
        return "video"
    if stream_type in AUDIO_STREAM_TYPES:
        return "audio"
    if stream_type is None and stream_id is not None:
        if 0xE0 <= stream_id <= 0xEF:
            return "video"
        if 0xC0 <= stream_id <= 0xDF:
            return "audio"
    return "other"


# -- keyframes ----------------------------------------------------------------------------------
def _nal_types(payload: memoryview) -> list[int]:
    """The NAL header bytes following each 00 00 01 start code in ``payload``."""
    data = bytes(payload)
    found = []
    i = data.find(b"\x00\x00\x01")
    while 0 <= i < len(data) - 3:
        found.append(data[i + 3])
        i = data.find(b"\x00\x00\x01", i + 3)
    return found


def is_keyframe_start(buf: Buffer, at: int, stream_type: int | None = None) -> bool:
    """Whether the packet at ``at`` starts a video PES that a decoder can start from.

    True when the adaptation field's random_access_indicator is set (ffmpeg sets it on video
    keyframes, and on every audio frame, hence the video stream_id check), or, for H.264 and
    HEVC, when the first packet's payload holds an IDR/IRAP slice or a parameter set (which
    encoders put only in front of keyframes).
    """
    b = memoryview(buf)
    if not b[at + 1] & 0x40:
        return False
    start = payload_offset(b, at)
    end = at + PACKET_SIZE
    if start is None or start + 9 > end or not pes_header_at(b, start):
        return False
    if not 0xE0 <= b[start + 3] <= 0xEF:
        return False
    if _af_flags(b, at) & 0x40:
        return True
    es = start + 9 + b[start + 8]
    if stream_type in (None, STREAM_TYPE_H264):
        return any(nal & 0x1F in (5, 7) for nal in _nal_types(b[es:end]))
    if stream_type == STREAM_TYPE_HEVC:
        return any(
            16 <= (nal >> 1) & 0x3F <= 21 or (nal >> 1) & 0x3F in (32, 33)
            for nal in _nal_types(b[es:end])
        )
    return False


def find_keyframes(buf: Buffer, stream_type: int | None = None) -> list[int]:
    """Offsets of the packets in ``buf`` (whole packets) that start a video keyframe."""
    b = memoryview(buf)
    return [
        at for at in range(0, len(b) - PACKET_SIZE + 1, PACKET_SIZE)
        if b[at + 1] & 0x40 and is_keyframe_start(b, at, stream_type)
    ]  # fmt: skip

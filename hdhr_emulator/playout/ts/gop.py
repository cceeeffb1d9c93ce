"""The last-GOP cache: what a viewer joining a live channel is sent first.

It keeps the latest PAT and PMT and every packet since the latest video keyframe, so a new
viewer receives PAT, PMT, then a keyframe and the frames after it, and can start decoding at
once instead of waiting up to a GOP for the next keyframe (docs/protocol/playout.md §7.2).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from hdhr_emulator.playout.ts.packets import PACKET_SIZE, PID_PAT, find_keyframes, parse_pat

log = logging.getLogger(__name__)

# A GOP larger than this is dropped until the next keyframe. Copy channels pass the library's
# own GOPs through: 8-10 s at 4-10 Mbit/s is 4-12 MiB, and a cache that overflows leaves the
# joiners of that moment without PAT/PMT and a keyframe. One cache per live session.
MAX_BYTES = 16 << 20


class GopCache:
    """Feed it the stream as sent; :meth:`snapshot` gives a join-ready prefix for a new viewer."""

    def __init__(self, max_bytes: int = MAX_BYTES):
        self.max_bytes = max_bytes
        self._pat: bytes | None = None
        self._pmt: bytes | None = None
        self._pmt_pid: int | None = None
        self._chunks: list[bytes] = []  # since the latest keyframe; empty: no usable GOP
        self._size = 0
        self._joined: bytes | None = None
        self.keyframes = 0  # keyframes seen: names the cached GOP (a thumbnail's cache key)

    @property
    def size(self) -> int:
        """Bytes of the cached GOP (without PAT and PMT)."""
        return self._size

    def clear(self) -> None:
        self._chunks, self._size, self._joined = [], 0, None

    def feed(self, data: bytes, keyframe_offsets: Sequence[int] | None = None) -> None:
        """Add sent packets. ``keyframe_offsets`` are the offsets in ``data`` of packets that
        start a video keyframe (:attr:`Splicer.keyframe_offsets`); None: find them here."""
        if not data:
            return
        if keyframe_offsets is None:
            keyframe_offsets = find_keyframes(data)
        self._note_tables(data)
        self._joined = None
        if keyframe_offsets:
            start = keyframe_offsets[-1]
            self.keyframes += len(keyframe_offsets)
            self._chunks, self._size = [data[start:]], len(data) - start
        elif self._chunks:
            self._chunks.append(data)
            self._size += len(data)
        if self._size > self.max_bytes:
            log.debug(
                "GOP cache: GOP over %d bytes dropped until the next keyframe", self.max_bytes
            )
            self.clear()

    def snapshot(self) -> bytes:
        """PAT, PMT, then the GOP from its keyframe on; b"" until all three are known.

        The copies of PAT and PMT get continuity counters one below those of the next PAT/PMT
        in the GOP, so a viewer sees no counter jump on any PID.
        """
        if not self._chunks or self._pat is None or self._pmt is None:
            return b""
        if self._joined is None:
            self._joined = b"".join(self._chunks)
            self._chunks = [self._joined]
        gop = self._joined
        return _before(self._pat, gop) + _before(self._pmt, gop) + gop

    def _note_tables(self, data: bytes) -> None:
        pat = _last_packet(data, PID_PAT)
        if pat is not None:
            programs = parse_pat(pat)
            if programs:
                self._pat = pat
                self._pmt_pid = next(iter(programs.values()))
        if self._pmt_pid is not None:
            pmt = _last_packet(data, self._pmt_pid)
            if pmt is not None:
                self._pmt = pmt


def _header(pid: int) -> bytes:
    """The first three bytes of a PUSI packet on ``pid``."""
    return bytes((0x47, 0x40 | (pid >> 8), pid & 0xFF))


def _last_packet(data: bytes, pid: int) -> bytes | None:
    """The last packet of ``data`` that starts a section on ``pid`` (one find per candidate)."""
    header = _header(pid)
    at = data.rfind(header)
    while at >= 0:
        if at % PACKET_SIZE == 0 and len(data) - at >= PACKET_SIZE:
            return data[at : at + PACKET_SIZE]
        at = data.rfind(header, 0, at)
    return None


def _before(table: bytes, gop: bytes) -> bytes:
    """``table`` with the continuity counter preceding that of its PID's first packet in ``gop``."""
    pid = ((table[1] & 0x1F) << 8) | table[2]
    at = gop.find(_header(pid))
    while at >= 0 and at % PACKET_SIZE:
        at = gop.find(_header(pid), at + 1)
    if at < 0:
        return table
    copy = bytearray(table)
    copy[3] = (copy[3] & 0xF0) | ((gop[at + 3] - 1) & 0x0F)
    return bytes(copy)

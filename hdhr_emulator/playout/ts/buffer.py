"""Reassemble whole 188-byte packets from arbitrary pipe reads, resynchronising on garbage."""

from __future__ import annotations

import logging

from hdhr_emulator.playout.ts.packets import PACKET_SIZE, SYNC_BYTE

log = logging.getLogger(__name__)

_CONFIRM = 3  # sync bytes in a row, one packet apart, that mark a new alignment


class PacketBuffer:
    """Feed any byte chunks; get back only whole, aligned TS packets.

    ``feed`` returns the packets completed by a chunk (a multiple of 188 bytes, possibly empty)
    and keeps a partial packet for the next call. A new alignment is trusted once three sync
    bytes 0x47 line up one packet apart. When a packet is not followed by a sync byte, the
    bytes up to the next trusted alignment are dropped (counted in ``dropped``): the packet
    itself too if that alignment starts inside it (it was cut short), otherwise only what
    follows it. While an alignment cannot be confirmed yet, the data waits for the next chunk;
    at the end of an input, what is left in ``pending`` is never returned. (A payload byte that
    happens to be 0x47 exactly where the next packet should start can still let one damaged
    packet through: a pipe from ffmpeg has no damage, this is only a safety net.)
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self.dropped = 0  # bytes discarded while resynchronising
        self._aligned = True

    @property
    def pending(self) -> int:
        """Bytes held back: a partial packet, or data not yet confirmed as aligned."""
        return len(self._buf)

    def feed(self, chunk: bytes | bytearray | memoryview) -> bytes:
        buf = self._buf
        buf += chunk
        out = bytearray()
        while len(buf) >= PACKET_SIZE:
            if buf[0] != SYNC_BYTE or not self._aligned:
                at, confirmed = _alignment(buf, 0)
                self._drop(at)
                if not confirmed:
                    break  # wait for more data
                self._aligned = True
                continue
            whole = len(buf) - len(buf) % PACKET_SIZE
            syncs = buf[0:whole:PACKET_SIZE]
            good = len(syncs) if syncs.count(SYNC_BYTE) == len(syncs) else _leading(syncs)
            if good == len(syncs):
                out += buf[:whole]
                del buf[:whole]
                continue
            # packet good-1 is followed by garbage: keep it unless a new alignment starts inside it
            keep = (good - 1) * PACKET_SIZE
            out += buf[:keep]
            del buf[:keep]
            at, confirmed = _alignment(buf, 1)
            if at < PACKET_SIZE:
                if not confirmed:
                    break
                self._drop(at)
                self._aligned = True
                continue
            out += buf[:PACKET_SIZE]
            del buf[:PACKET_SIZE]
        return bytes(out)

    def clear(self) -> None:
        """Forget any partial packet (between two unrelated inputs)."""
        self._buf.clear()
        self._aligned = True

    def _drop(self, count: int) -> None:
        if count <= 0:
            return
        if not self.dropped:
            log.warning("TS input lost sync: skipping %d bytes of non-packet data", count)
        else:
            log.debug("TS resync: skipping %d more bytes", count)
        self.dropped += count
        self._aligned = False
        del self._buf[:count]


def _leading(syncs: bytearray) -> int:
    """How many of the sync positions in a row hold 0x47."""
    for i, value in enumerate(syncs):
        if value != SYNC_BYTE:
            return i
    return len(syncs)


def _alignment(buf: bytearray, start: int) -> tuple[int, bool]:
    """The first offset >= ``start`` where packets may start, and whether it is confirmed by
    ``_CONFIRM`` sync bytes one packet apart (unconfirmed: the data ends too soon to tell;
    ``len(buf)``: no sync byte at all)."""
    i = buf.find(SYNC_BYTE, start)
    while i >= 0:
        last = i + (_CONFIRM - 1) * PACKET_SIZE
        if last >= len(buf):
            return i, False
        if all(buf[i + k * PACKET_SIZE] == SYNC_BYTE for k in range(1, _CONFIRM)):
            return i, True
        i = buf.find(SYNC_BYTE, i + 1)
    return len(buf), False

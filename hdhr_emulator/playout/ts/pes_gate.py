"""Hold back each stream's last PES until it is known to be complete.

A process that is killed or stopped mid-write leaves its last access unit of each stream cut
short: half a picture, part of an AAC frame. Spliced into the channel, that is a decode error
(a smeared or grey picture at the seam) in every player. ffmpeg writes a video PES with no
length (it ends where the next PES of that PID starts), so completeness is only known when the
next PES begins, or when ffmpeg exits cleanly (its muxer wrote everything). An audio PES states
its length, so it is complete as soon as that many bytes arrived.

The gate therefore passes on everything before the earliest PES that is still open, and keeps
the rest. The caller releases the rest with :meth:`PesGate.finish` when the process ended
cleanly, and with :meth:`PesGate.cut` otherwise: that drops the open PES of each PID and keeps
the packets of every other (complete) PES in their order, so a seam after a crash or a stall is
always cut at the last complete access unit of each stream.
"""

from __future__ import annotations

import logging

from hdhr_emulator.playout.ts.packets import PACKET_SIZE, PSI_PIDS

log = logging.getLogger(__name__)

STALE_BYTES = 512 << 10  # a stream with no packet in this much output has ended (its PES too)


class _Open:
    """The PES of one PID that started at ``start`` and is not yet known to be complete."""

    __slots__ = ("have", "last", "length", "start")

    def __init__(self, start: int, length: int):
        self.start = start  # absolute offset of its first packet in the process's output
        self.last = start  # ... and of its latest one
        self.length = length  # PES bytes after the 6-byte prefix; 0: until the next PES
        self.have = 0  # PES bytes after the prefix received so far


class PesGate:
    """Passes whole packets on, holding back every PES that may still be incomplete."""

    def __init__(self, stale: int = STALE_BYTES):
        self.stale = stale
        self.discarded = 0  # bytes dropped by cut(): the open PES of a process that died
        self._held = bytearray()
        self._held_from = 0  # absolute offset of _held[0]
        self._open: dict[int, _Open] = {}

    @property
    def held(self) -> int:
        """Bytes kept back so far."""
        return len(self._held)

    def feed(self, packets: bytes | bytearray | memoryview) -> bytes:
        """Take whole packets; return those that precede every still-open PES."""
        if len(packets) % PACKET_SIZE:
            raise ValueError(f"feed() takes whole packets, got {len(packets)} bytes")
        b = memoryview(packets)
        at_abs = self._held_from + len(self._held)
        for at in range(0, len(b), PACKET_SIZE):
            self._note(b, at, at_abs + at)
        self._held += b
        end = self._held_from + len(self._held)
        for pid in [p for p, o in self._open.items() if end - o.last > self.stale]:
            # an audio track that ended before the video must not hold the video back
            log.debug("pid %d stopped: its last PES counts as whole", pid)
            del self._open[pid]
        cut = min((o.start for o in self._open.values()), default=end)
        return self._release(cut - self._held_from)

    def finish(self) -> bytes:
        """The process ended cleanly: everything held is complete."""
        self._open.clear()
        return self._release(len(self._held))

    def cut(self) -> bytes:
        """The process did not end cleanly: return what is held minus every open PES.

        Each PID's open PES starts at or after the gate's cut point, so a PES that the
        released bytes began is complete in what is held (a later PES of its PID started):
        it is returned, whole. Only the open PES, the possibly partial last access unit of
        each stream, are dropped (counted in :attr:`discarded`).
        """
        kept = bytearray()
        held = memoryview(self._held)
        for at in range(0, len(held), PACKET_SIZE):
            pid = ((held[at + 1] & 0x1F) << 8) | held[at + 2]
            state = self._open.get(pid)
            if state is not None and self._held_from + at >= state.start:
                self.discarded += PACKET_SIZE
            else:
                kept += held[at : at + PACKET_SIZE]
        held.release()
        self._held_from += len(self._held)
        self._held.clear()
        self._open.clear()
        return bytes(kept)

    def _release(self, n: int) -> bytes:
        out = bytes(self._held[:n])
        del self._held[:n]
        self._held_from += n
        return out

    def _note(self, b: memoryview, at: int, absolute: int) -> None:
        """Track the PES of the packet at ``at`` (offset ``absolute`` in the whole output)."""
        pid = ((b[at + 1] & 0x1F) << 8) | b[at + 2]
        if pid in PSI_PIDS or not b[at + 3] & 0x10:
            return
        p = at + 4 + (b[at + 4] + 1 if b[at + 3] & 0x20 else 0)
        end = at + PACKET_SIZE
        if p > end:
            return
        if b[at + 1] & 0x40:
            if p + 6 <= end and b[p] == 0 and b[p + 1] == 0 and b[p + 2] == 1:
                state = _Open(absolute, (b[p + 4] << 8) | b[p + 5])
                state.have = end - p - 6
                self._open[pid] = state
            else:
                self._open.pop(pid, None)  # a PSI section (a PMT): not a PES
                return
        else:
            state_or_none = self._open.get(pid)
            if state_or_none is None:
                return
            state = state_or_none
            state.have += end - p
            state.last = absolute
        if state.length and state.have >= state.length:
            del self._open[pid]  # a stated length, all of it here: complete

"""An incremental TS checker for long captures: the soak and fault harnesses feed it bytes as they
arrive and never keep the stream.

``ts_analysis.analyse`` needs the whole capture in memory; hours of a channel do not fit, so this
keeps only per-PID state (last continuity counter, last unwrapped DTS) and running totals:
continuity errors, DTS backsteps/repeats, the largest DTS step (a frame plus any hole: the
longest media gap), PCR backsteps and the largest PCR interval. Counts match ``analyse`` on the
same bytes (tests/support/test_ts_monitor.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hdhr_emulator.playout.ts.packets import (
    PACKET_SIZE,
    PCR_HZ,
    PID_NULL,
    PID_PAT,
    PTS_HZ,
    SYNC_BYTE,
    parse_pat,
    parse_pmt,
    payload_offset,
    pes_timestamps,
    read_pcr,
    stream_kind,
    wrap_delta,
)
from tests.support.ts_analysis import cc_broken, pcr_step


@dataclass
class _Pid:
    """Running state of one elementary stream."""

    kind: str = "other"
    last_raw: int | None = None
    dts: int = 0  # unwrapped 90 kHz
    first: int | None = None
    frames: int = 0
    backsteps: int = 0
    repeats: int = 0
    max_step: int = 0


@dataclass(frozen=True, slots=True)
class MonitorTotals:
    """What a strict receiver noticed so far. Times in seconds."""

    packets: int
    sync_errors: int
    cc_errors: int
    pts_backsteps: int  # video or audio DTS lower than the previous one
    dts_repeats: int
    video_seconds: float  # DTS span of the video seen so far
    max_video_step: float  # longest DTS step of the video: one frame plus the longest hole
    max_audio_step: float
    pcr_backsteps: int
    pcr_max_interval: float


@dataclass
class TsMonitor:
    """Feed it the stream in any chunking; ask ``totals()`` at any time."""

    _rest: bytearray = field(default_factory=bytearray)
    _cc: dict[int, int] = field(default_factory=dict)
    _pids: dict[int, _Pid] = field(default_factory=dict)
    _types: dict[int, int] = field(default_factory=dict)
    _pmt: int | None = None
    _pcr_prev: int | None = None
    packets: int = 0
    sync_errors: int = 0
    cc_errors: int = 0
    pcr_backsteps: int = 0
    pcr_max: int = 0

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        self._rest += data
        whole = len(self._rest) - len(self._rest) % PACKET_SIZE
        if not whole:
            return
        b = memoryview(bytes(self._rest[:whole]))
        del self._rest[:whole]
        for at in range(0, whole, PACKET_SIZE):
            self._packet(b, at)

    def _packet(self, b: memoryview, at: int) -> None:
        self.packets += 1
        if b[at] != SYNC_BYTE:
            self.sync_errors += 1
            return
        pid = ((b[at + 1] & 0x1F) << 8) | b[at + 2]
        if pid == PID_NULL:
            return
        b3 = b[at + 3]
        flags = b[at + 5] if b3 & 0x20 and b[at + 4] else 0
        last = self._cc.get(pid)
        if last is not None and cc_broken(last, b3, flags):
            self.cc_errors += 1
        self._cc[pid] = b3 & 0x0F
        pcr = read_pcr(b, at)
        if pcr is not None:
            if self._pcr_prev is not None:
                step = pcr_step(pcr, self._pcr_prev)
                if step < 0:
                    self.pcr_backsteps += 1
                self.pcr_max = max(self.pcr_max, step)
            self._pcr_prev = pcr
        if not b[at + 1] & 0x40:
            return
        if pid == PID_PAT:
            programs = parse_pat(b, at)
            if programs:
                self._pmt = next(iter(programs.values()))
            return
        if pid == self._pmt:
            self._types.update(parse_pmt(b, at) or {})
            return
        start = payload_offset(b, at)
        if start is None:
            return
        pts, dts = pes_timestamps(b[: at + PACKET_SIZE], start)
        if pts is None:
            return
        raw = dts if dts is not None else pts
        track = self._pids.get(pid)
        if track is None:
            kind = stream_kind(self._types.get(pid), b[start + 3])
            track = self._pids[pid] = _Pid(kind=kind)
        if track.last_raw is None:
            track.dts = raw
            track.first = raw
        else:
            step = wrap_delta(raw, track.last_raw)
            track.dts += step
            if step < 0:
                track.backsteps += 1
            elif step == 0:
                track.repeats += 1
            track.max_step = max(track.max_step, step)
        track.last_raw = raw
        track.frames += 1

    def _of(self, kind: str) -> _Pid | None:
        return next((t for t in self._pids.values() if t.kind == kind), None)

    def totals(self) -> MonitorTotals:
        video, audio = self._of("video"), self._of("audio")
        avs = [t for t in self._pids.values() if t.kind in ("video", "audio")]
        span = (video.dts - video.first) if video and video.first is not None else 0
        return MonitorTotals(
            packets=self.packets,
            sync_errors=self.sync_errors,
            cc_errors=self.cc_errors,
            pts_backsteps=sum(t.backsteps for t in avs),
            dts_repeats=sum(t.repeats for t in avs),
            video_seconds=span / PTS_HZ,
            max_video_step=(video.max_step / PTS_HZ) if video else 0.0,
            max_audio_step=(audio.max_step / PTS_HZ) if audio else 0.0,
            pcr_backsteps=self.pcr_backsteps,
            pcr_max_interval=self.pcr_max / PCR_HZ,
        )

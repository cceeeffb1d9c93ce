"""A TS checker for tests and benchmarks: continuity, timestamps, PCR and table cadence.

``analyse(data)`` walks whole packets once and reports what a strict receiver would notice:
continuity counter errors, DTS going backwards or repeating, holes between frames, PCR gaps,
and how the stream starts. Timestamps are unwrapped across the 33-bit wrap.
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass, field

from hdhr_emulator.playout.ts.packets import (
    PACKET_SIZE,
    PCR_HZ,
    PID_NULL,
    PID_PAT,
    PTS_HZ,
    SYNC_BYTE,
    TS_WRAP,
    is_keyframe_start,
    parse_pat,
    parse_pmt,
    payload_offset,
    pes_timestamps,
    read_pcr,
    stream_kind,
    wrap_delta,
)


@dataclass(frozen=True, slots=True)
class StreamReport:
    """One elementary stream (PID). Times are seconds on the unwrapped 90 kHz clock."""

    pid: int
    kind: str  # "video", "audio" or "other"
    stream_type: int | None
    frames: int  # PES packets with a PTS
    keyframes: int
    start: float  # lowest PTS
    end: float  # highest PTS plus one frame
    frame_duration: float  # median DTS step
    max_gap: float  # largest hole between consecutive frames in presentation order
    max_step: float  # largest DTS step (a frame plus any hole)
    dts_backsteps: int  # DTS lower than the previous one
    dts_repeats: int  # DTS equal to the previous one
    first_pts_raw: int | None  # as written (33-bit), to check a wrap happened
    wrapped: bool  # the stream's timestamps crossed 2**33

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def dts_strictly_increasing(self) -> bool:
        return not self.dts_backsteps and not self.dts_repeats


@dataclass(frozen=True, slots=True)
class TsReport:
    packets: int
    sync_errors: int  # packets not starting with 0x47
    trailing_bytes: int  # bytes after the last whole packet
    cc_errors: dict[int, int]  # PID -> continuity counter errors
    discontinuity_flags: int  # packets with discontinuity_indicator set
    pat_count: int
    pmt_count: int
    pmt_pid: int | None
    first_pids: tuple[int, ...]  # PIDs of the first three packets
    first_packet_keyframe: bool  # the third packet starts a video keyframe
    pcr_count: int
    pcr_max_interval: float  # seconds between consecutive PCRs (largest)
    pcr_backsteps: int
    streams: dict[int, StreamReport] = field(default_factory=dict)

    @property
    def cc_error_total(self) -> int:
        return sum(self.cc_errors.values())

    @property
    def starts_with_pat_pmt_keyframe(self) -> bool:
        return (
            len(self.first_pids) == 3 and self.first_pids[0] == PID_PAT
            and self.first_pids[1] == self.pmt_pid and self.first_packet_keyframe
        )  # fmt: skip

    def _first_of(self, kind: str) -> StreamReport | None:
        return next((s for s in self.streams.values() if s.kind == kind), None)

    @property
    def video(self) -> StreamReport | None:
        return self._first_of("video")

    @property
    def audio(self) -> StreamReport | None:
        return self._first_of("audio")


def cc_broken(last: int, b3: int, flags: int) -> bool:
    """A continuity error: the counter in header byte 3 (``b3``) does not follow ``last``
    (one duplicate is allowed; a discontinuity flag in ``flags`` excuses anything)."""
    if flags & 0x80:
        return False
    cc = b3 & 0x0F
    expected = (last + 1) & 0x0F if b3 & 0x10 else last
    return cc != expected and not (b3 & 0x10 and cc == last)


def pcr_step(pcr: int, prev: int) -> int:
    """27 MHz ticks from ``prev`` to ``pcr`` across the 33-bit wrap of the base."""
    return wrap_delta(pcr // 300, prev // 300) * 300 + (pcr % 300 - prev % 300)


class _Track:
    """Per-PID accumulation."""

    def __init__(self) -> None:
        self.pts: list[int] = []  # unwrapped
        self.dts: list[int] = []  # unwrapped (PTS when the PES has no DTS)
        self.keyframes = 0
        self.stream_id: int | None = None
        self.first_raw: int | None = None
        self.last_raw: int | None = None
        self.unwrapped = 0
        self.wrapped = False

    def unwrap(self, raw: int) -> int:
        if self.last_raw is None:
            self.first_raw = raw
            self.unwrapped = raw
        else:
            self.unwrapped += wrap_delta(raw, self.last_raw)
            self.wrapped = self.wrapped or self.unwrapped >= TS_WRAP
        self.last_raw = raw
        return self.unwrapped


def analyse(data: bytes | bytearray | memoryview) -> TsReport:
    b = memoryview(data)
    whole = len(b) - len(b) % PACKET_SIZE
    cc_last: dict[int, int] = {}
    cc_errors: dict[int, int] = {}
    tracks: dict[int, _Track] = {}
    types: dict[int, int] = {}
    pmt_pid: int | None = None
    first_pids: list[int] = []
    first_keyframe = False
    sync_errors = discontinuities = pat_count = pmt_count = 0
    pcr_prev: int | None = None
    pcr_count = pcr_backsteps = 0
    pcr_max = 0
    for at in range(0, whole, PACKET_SIZE):
        if b[at] != SYNC_BYTE:
            sync_errors += 1
            continue
        pid = ((b[at + 1] & 0x1F) << 8) | b[at + 2]
        pusi = bool(b[at + 1] & 0x40)
        if len(first_pids) < 3:
            first_pids.append(pid)
            if len(first_pids) == 3:
                first_keyframe = is_keyframe_start(b, at, types.get(pid))
        if pid == PID_NULL:
            continue
        b3 = b[at + 3]
        flags = b[at + 5] if b3 & 0x20 and b[at + 4] else 0
        if flags & 0x80:
            discontinuities += 1
        last = cc_last.get(pid)
        if last is not None and cc_broken(last, b3, flags):
            cc_errors[pid] = cc_errors.get(pid, 0) + 1
        cc_last[pid] = b3 & 0x0F
        pcr = read_pcr(b, at)
        if pcr is not None:
            pcr_count += 1
            if pcr_prev is not None:
                step = pcr_step(pcr, pcr_prev)
                if step < 0:
                    pcr_backsteps += 1
                pcr_max = max(pcr_max, step)
            pcr_prev = pcr
        if not pusi:
            continue
        if pid == PID_PAT:
            pat_count += 1
            programs = parse_pat(b, at)
            if programs:
                pmt_pid = next(iter(programs.values()))
            continue
        if pid == pmt_pid:
            pmt_count += 1
            types.update(parse_pmt(b, at) or {})
            continue
        start = payload_offset(b, at)
        if start is None:
            continue
        pts, dts = pes_timestamps(b[: at + PACKET_SIZE], start)
        if pts is None:
            continue
        track = tracks.setdefault(pid, _Track())
        track.stream_id = b[start + 3]
        if dts is not None:
            # unwrap DTS first; PTS relative to it (PTS >= DTS within a few frames)
            d = track.unwrap(dts)
            p = d + wrap_delta(pts, dts)
        else:
            p = d = track.unwrap(pts)
        track.pts.append(p)
        track.dts.append(d)
        if is_keyframe_start(b, at, types.get(pid)):
            track.keyframes += 1
    streams = {pid: _stream_report(pid, track, types.get(pid)) for pid, track in tracks.items()}
    return TsReport(
        packets=whole // PACKET_SIZE,
        sync_errors=sync_errors,
        trailing_bytes=len(b) - whole,
        cc_errors=cc_errors,
        discontinuity_flags=discontinuities,
        pat_count=pat_count,
        pmt_count=pmt_count,
        pmt_pid=pmt_pid,
        first_pids=tuple(first_pids),
        first_packet_keyframe=first_keyframe,
        pcr_count=pcr_count,
        pcr_max_interval=pcr_max / PCR_HZ,
        pcr_backsteps=pcr_backsteps,
        streams=streams,
    )


def _stream_report(pid: int, track: _Track, stream_type: int | None) -> StreamReport:
    steps = [b - a for a, b in itertools.pairwise(track.dts)]
    positive = [s for s in steps if s > 0]
    frame = statistics.median(positive) if positive else 0
    ordered = sorted(track.pts)
    holes = [b - a - frame for a, b in itertools.pairwise(ordered)]
    return StreamReport(
        pid=pid,
        kind=stream_kind(stream_type, track.stream_id),
        stream_type=stream_type,
        frames=len(track.pts),
        keyframes=track.keyframes,
        start=ordered[0] / PTS_HZ,
        end=(ordered[-1] + frame) / PTS_HZ,
        frame_duration=frame / PTS_HZ,
        max_gap=max([0, *holes]) / PTS_HZ,
        max_step=max([0, *steps]) / PTS_HZ,
        dts_backsteps=sum(1 for s in steps if s < 0),
        dts_repeats=sum(1 for s in steps if s == 0),
        first_pts_raw=None if track.first_raw is None else track.pts[0] % TS_WRAP,
        wrapped=track.wrapped,
    )


@dataclass(frozen=True, slots=True)
class DecodeLead:
    """How far ahead of the clock a PES arrives: its DTS (PTS if it has none) minus the last
    PCR before it, in seconds. A receiver such as VLC reports "Broken stream: pid … sends
    packets with dts … later than pcr, applying delay" when this is not comfortably positive."""

    pid: int
    offset: int  # byte offset of the packet starting the PES
    lead: float


def decode_leads(data: bytes | bytearray | memoryview) -> list[DecodeLead]:
    """The :class:`DecodeLead` of every audio/video PES after the first PCR, in stream order."""
    b = memoryview(data)
    whole = len(b) - len(b) % PACKET_SIZE
    psi = {PID_PAT, PID_NULL}
    pcr: int | None = None  # unwrapped 90 kHz base of the last PCR
    leads: list[DecodeLead] = []
    for at in range(0, whole, PACKET_SIZE):
        if b[at] != SYNC_BYTE:
            continue
        pid = ((b[at + 1] & 0x1F) << 8) | b[at + 2]
        value = read_pcr(b, at)
        if value is not None:
            base = value // 300
            pcr = base if pcr is None else pcr + wrap_delta(base, pcr % TS_WRAP)
        if not b[at + 1] & 0x40:
            continue
        if pid == PID_PAT:
            psi.update((parse_pat(b, at) or {}).values())
            continue
        if pid in psi:
            continue
        start = payload_offset(b, at)
        if start is None or pcr is None:
            continue
        pts, dts = pes_timestamps(b[: at + PACKET_SIZE], start)
        stamp = dts if dts is not None else pts
        if stamp is None:
            continue
        leads.append(DecodeLead(pid, at, wrap_delta(stamp, pcr % TS_WRAP) / PTS_HZ))
    return leads

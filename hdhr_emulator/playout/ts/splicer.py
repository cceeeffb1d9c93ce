"""Join the MPEG-TS outputs of successive ffmpeg processes into one continuous stream.

Every item process writes a complete TS whose clock starts wherever ffmpeg put it (about 0,
or the source's timestamps in copy mode) and whose continuity counters start at 0. The
splicer rewrites each item's packets so that the channel has one timeline:

* **Timestamps.** All PTS, DTS and PCR values of an item are shifted by one offset (mod 2**33),
  so audio and video keep their relative alignment. The offset puts the item's first video
  frame exactly where the previous video ended (its largest PTS plus one frame duration, the
  duration measured from consecutive DTS steps: 3600 ticks at 25 fps, 1920 for 1024-sample
  AAC at 48 kHz). Items without video are placed by their earliest timestamp at the end of the
  timeline; the first item's earliest timestamp goes to ``start``. The offset is raised if
  needed so that video DTS keeps increasing and the PCR never steps back, so the timeline
  never goes backwards. (That can leave a video hole only where an item with a longer B-frame
  reorder delay follows one with a shorter delay: at most that difference less one frame.)
* **Seam trimming.** Audio of the new item that would start before the previous item's audio
  ended (AAC priming and seek rounding usually put audio a frame or two ahead of the video) is
  dropped, whole PES by whole PES, so audio continues without overlap and with a hole of less
  than one audio frame. A hole remains only where an item's own streams start apart: audio
  that starts 0.4 s after its video leaves 0.4 s of silence. Where an item's audio ran on
  more than ``AUDIO_OVERRUN_TICKS`` past its video (a copied file whose video ends first; a
  transcoded one is padded to equal length), the next item starts after that audio instead
  of losing as much of its own: the picture holds on the last frame meanwhile.
* **Decode delay.** A video stream with B-frames is decoded ahead of its presentation: its
  keyframes carry DTS = PTS − a delay (two frames for typical x264). An item without B-frames
  (PTS = DTS) after such an item would need its DTS to step back, and one with B-frames after
  one without would need its PTS to leave a hole. So an item started with
  ``start_item(retimable=True)`` (the slate: no B-frames, and a DTS field in every video PES)
  gets the decode delay of the item before it: its video DTS and its PCR move by the
  difference (its audio PTS stays, so audio arrives that much earlier), and the DTS keeps
  stepping one frame and the PTS stays continuous whichever delay the channel's files have.
* **Continuity counters** continue per PID across items (each PID gets one delta per item).
* **discontinuity_indicator** flags written by ffmpeg are cleared: there is none to signal.

To find an item's earliest timestamp the splicer holds the item's first packets until every
audio and video stream listed in its PMT has started (a few dozen packets with ffmpeg's
interleaving; at most ``hold_bytes`` or one second of media), then releases them rewritten.

The splicer is sans-IO: the caller reads ffmpeg, passes whole packets to :meth:`Splicer.feed`
and sends what it returns. A process that dies mid-item needs nothing special: call
:meth:`Splicer.start_item` for whatever comes next and the timeline continues from the last
timestamp the dead item delivered.
"""

from __future__ import annotations

import logging

from hdhr_emulator.playout.ts.packets import (
    PACKET_SIZE,
    PID_NULL,
    PID_PAT,
    PSI_PIDS,
    PTS_HZ,
    SYNC_BYTE,
    TS_MASK,
    is_keyframe_start,
    parse_pat,
    parse_pmt,
    pes_timestamps,
    stream_kind,
    wrap_delta,
)

log = logging.getLogger(__name__)

DEFAULT_START = PTS_HZ  # first item's first PTS: 1 s leaves room for DTS and PCR before it
HOLD_BYTES = 1 << 20  # longest prefix of an item held while looking for all its streams
HOLD_TICKS = PTS_HZ  # ... or this much media, whichever comes first
MAX_FRAME_TICKS = PTS_HZ // 2  # a DTS step longer than this is a gap, not a frame duration
AUDIO_OVERRUN_TICKS = PTS_HZ // 10  # audio running longer than its video by more is kept whole
DEFAULT_FRAME_TICKS = {"video": 3600, "audio": 1920, "other": 0}  # until a step is observed

_NO_PES_HEADER = frozenset({0xBC, 0xBE, 0xBF, 0xF0, 0xF1, 0xF2, 0xF8, 0xFF})


def _pcr_base(b: memoryview, at: int) -> int | None:
    """The 33-bit PCR base of the packet at ``at``, or None if it carries no PCR."""
    if not (b[at + 3] & 0x20 and b[at + 4] >= 7 and b[at + 5] & 0x10):
        return None
    return (
        (b[at + 6] << 25)
        | (b[at + 7] << 17)
        | (b[at + 8] << 9)
        | (b[at + 9] << 1)
        | (b[at + 10] >> 7)
    )


class _Stream:
    """What the splicer remembers about one elementary stream (PID), in output ticks."""

    __slots__ = ("duration", "item", "kind", "last_dts", "max_pts", "pid", "stream_type")

    def __init__(self, pid: int, kind: str, stream_type: int | None):
        self.pid = pid
        self.kind = kind
        self.stream_type = stream_type
        self.duration = DEFAULT_FRAME_TICKS[kind]
        self.last_dts: int | None = None  # unwrapped
        self.max_pts: int | None = None  # unwrapped, in the current item
        self.item = -1


class Splicer:
    """Rewrites successive items' TS packets onto one timeline (see the module docstring).

    ``start`` is where the first item's earliest PTS lands, in 90 kHz ticks; it is raised if
    that item has a DTS or PCR before its earliest PTS, so nothing is written below 0.
    Positions such as :attr:`timeline_end` are *unwrapped* tick counts (they keep growing past
    2**33); the values written into packets are those modulo 2**33.
    """

    # per item, set by _reset_item()
    _committed: bool
    _held: list[bytes]
    _held_bytes: int
    _first: dict[int, tuple[int | None, int | None]]  # PID -> first (PTS, DTS)
    _stream_ids: dict[int, int]  # PID -> PES stream_id
    _first_pcr: int | None
    _types: dict[int, int] | None  # this item's PMT: PID -> stream_type
    _base: int  # the item's earliest timestamp, as ffmpeg wrote it
    _origin: int  # ... and where it goes (unwrapped)
    _item_from: int  # the timeline end when the item started
    _offset: int  # added (mod 2**33) to every timestamp of the item
    _deltas: dict[int, int]  # PID -> continuity counter delta
    _limit: int | None  # feed_until: the unwrapped PTS where the item stops
    _closed: set[int]  # PIDs cut by the limit
    _trim: dict[int, int]  # PID -> drop its PES before this PTS (item-relative)
    _retimable: bool  # the item's video has one constant PTS - DTS (start_item(retimable=))
    _decode_shift: int  # added to the item's video DTS (up to its PTS) and to its PCR

    def __init__(self, start: int = DEFAULT_START, *, hold_bytes: int = HOLD_BYTES):
        if start < 0:
            raise ValueError("start must be >= 0")
        self.start = start
        self.hold_bytes = hold_bytes
        self.items = 0  # items started so far
        self.keyframe_offsets: tuple[int, ...] = ()  # video keyframes in the last returned bytes
        self._end = start  # unwrapped end of the timeline so far
        self._cc: dict[int, int] = {}  # PID -> last continuity counter written
        self._streams: dict[int, _Stream] = {}
        self._psi = set(PSI_PIDS)
        self._last_pcr: int | None = None  # unwrapped PCR base of the last PCR written
        self._decode_delay: int | None = None  # PTS - DTS of the last item's first video PES
        # the decode delay a retimable *first* item gets (no item before it to take it from):
        # the usual one of the channel's files, or None to keep its own
        self.first_decode_delay: int | None = None
        self._reset_item()

    # -- public -----------------------------------------------------------------------------
    @property
    def timeline_end(self) -> int:
        """Where the output ends so far (unwrapped 90 kHz ticks): the next item starts here."""
        return self._end

    @property
    def timeline_seconds(self) -> float:
        """Media seconds delivered since the first item started."""
        return (self._end - self.start) / PTS_HZ

    @property
    def item_start(self) -> int | None:
        """Where the current item's earliest timestamp was placed, once known (unwrapped)."""
        return self._origin if self._committed else None

    @property
    def item_seconds(self) -> float:
        """How far the current item has moved :attr:`timeline_end` so far, in seconds: the
        media it delivered, from its timestamps."""
        return (self._end - self._item_from) / PTS_HZ

    @property
    def keyframe_offset(self) -> int | None:
        """Offset of the last video keyframe packet in the bytes the last call returned."""
        return self.keyframe_offsets[-1] if self.keyframe_offsets else None

    @property
    def holding(self) -> int:
        """Bytes of the current item held back until its start is known."""
        return self._held_bytes

    @property
    def limit_reached(self) -> bool:
        """A :meth:`feed_until` limit has cut the current item (more input is discarded)."""
        return bool(self._closed)

    def start_item(self, *, retimable: bool = False) -> bytes:
        """Begin the next item. Returns what the previous item still held back (normally
        nothing: only an item that died within its first packets leaves some); send it first.

        ``retimable``: the item's video has no B-frames and every frame the same PTS − DTS
        (the slate), so its DTS may be moved towards its PTS to match the channel's decode
        delay (see the module docstring).
        """
        leftover = self.flush()
        self.items += 1
        self._reset_item()
        self._retimable = retimable
        return leftover

    def feed(self, packets: bytes | bytearray | memoryview) -> bytes:
        """Rewrite whole packets of the current item; returns the packets ready to send.

        The first call(s) of an item may return b"" while its start is held back. Sets
        :attr:`keyframe_offsets` for the returned bytes.
        """
        if len(packets) % PACKET_SIZE:
            raise ValueError(f"feed() takes whole packets, got {len(packets)} bytes")
        self.keyframe_offsets = ()
        if not packets:
            return b""
        data: bytes | bytearray | memoryview = packets
        if not self._committed:
            self._held.append(bytes(packets))
            self._held_bytes += len(packets)
            if not self._scan(packets):
                return b""
            data = b"".join(self._held)
            self._held, self._held_bytes = [], 0
            self._commit()
        if self._trim or self._limit is not None:
            data = self._filter(data)
        return self._rewrite(data)

    def feed_until(self, packets: bytes | bytearray | memoryview, seconds: float) -> bytes:
        """Like :meth:`feed`, but stop the current item once it has added ``seconds`` to the
        timeline (:attr:`item_seconds`).

        Each stream is cut at its first PES whose PTS would land ``seconds`` or more after the
        timeline end at :meth:`start_item` (so the item ends within a frame of that point, or
        a few frames before it where B-frames depend on a cut frame);
        later input of the item is discarded. Use it to cut a looped slate, or any item, at a
        time limit.
        """
        self._limit = self._item_from + round(seconds * PTS_HZ)
        return self.feed(packets)

    def flush(self) -> bytes:
        """Release anything still held for the current item, rewritten (normally b"")."""
        self.keyframe_offsets = ()
        if self._committed or not self._held:
            return b""
        held, self._held, self._held_bytes = self._held, [], 0
        if not self._first:
            log.debug(
                "item %d ended before any timestamp: %d bytes dropped",
                self.items,
                sum(map(len, held)),
            )
            return b""
        self._commit()
        data: bytes = b"".join(held)
        if self._trim or self._limit is not None:
            data = self._filter(data)
        return self._rewrite(data)

    # -- per item ---------------------------------------------------------------------------
    def _reset_item(self) -> None:
        self._committed = False
        self._held, self._held_bytes = [], 0
        self._first, self._stream_ids, self._first_pcr, self._types = {}, {}, None, None
        self._base, self._offset = 0, 0
        self._origin = self._item_from = self._end
        self._deltas = {}
        self._limit, self._closed, self._trim = None, set(), {}
        self._retimable, self._decode_shift = False, 0

    def _scan(self, data: bytes | bytearray | memoryview) -> bool:
        """Note PSI, first PES timestamps and the first PCR of held data; True when the item's
        start is known well enough to release it."""
        b = memoryview(data)
        for at in range(0, len(b), PACKET_SIZE):
            if b[at] != SYNC_BYTE:
                raise ValueError(f"packet at offset {at} does not start with 0x47")
            pid = ((b[at + 1] & 0x1F) << 8) | b[at + 2]
            if self._first_pcr is None:
                self._first_pcr = _pcr_base(b, at)
            if not b[at + 1] & 0x40:
                continue
            if pid == PID_PAT:
                programs = parse_pat(b, at)
                if programs:
                    self._psi.update(programs.values())
            elif pid in self._psi:
                streams = parse_pmt(b, at)
                if streams is not None:
                    self._types = streams
            elif pid not in self._first:
                if self._note_first_pes(b, at, pid):
                    return True
            elif self._span_reached(b, at):
                return True
        return self._ready()

    def _note_first_pes(self, b: memoryview, at: int, pid: int) -> bool:
        """Record the first timestamps of ``pid``; True once every media stream has them."""
        start = at + 4 + (b[at + 4] + 1 if b[at + 3] & 0x20 else 0)
        pts, dts = pes_timestamps(b[: at + PACKET_SIZE], start)
        if pts is None and dts is None:
            return False
        self._first[pid] = (pts, dts)
        self._stream_ids[pid] = b[start + 3]
        wanted = self._media_pids()
        return bool(wanted) and wanted <= self._first.keys()

    def _media_pids(self) -> set[int]:
        types = self._types or {}
        return {pid for pid, t in types.items() if stream_kind(t) in ("video", "audio")}

    def _ready(self) -> bool:
        if not self._first:
            if self._held_bytes >= self.hold_bytes:
                log.warning(
                    "item %d: %d bytes without any timestamp dropped", self.items, self._held_bytes
                )
                self._held, self._held_bytes = [], 0
            return False
        wanted = self._media_pids()
        if wanted and wanted <= self._first.keys():
            return True
        if self._held_bytes >= self.hold_bytes:
            log.debug(
                "item %d: releasing without streams %s",
                self.items,
                sorted(wanted - self._first.keys()),
            )
            return True
        return False

    def _span_reached(self, b: memoryview, at: int) -> bool:
        """Whether a later PES of an already started stream lies HOLD_TICKS past its first."""
        pid = ((b[at + 1] & 0x1F) << 8) | b[at + 2]
        start = at + 4 + (b[at + 4] + 1 if b[at + 3] & 0x20 else 0)
        pts, dts = pes_timestamps(b[: at + PACKET_SIZE], start)
        first_pts, first_dts = self._first[pid]
        now, then = (
            (dts if dts is not None else pts),
            (first_dts if first_dts is not None else first_pts),
        )
        return now is not None and then is not None and wrap_delta(now, then) >= HOLD_TICKS

    def _stream(self, pid: int, stream_id: int | None = None) -> _Stream:
        stream = self._streams.get(pid)
        if stream is None:
            stream_type = (self._types or {}).get(pid)
            stream = _Stream(pid, stream_kind(stream_type, stream_id), stream_type)
            self._streams[pid] = stream
        return stream

    def _commit(self) -> None:
        """Choose the item's offset from its first timestamps (see the module docstring)."""
        kinds = {pid: self._stream(pid, self._stream_ids[pid]).kind for pid in self._first}
        media = {pid: ts for pid, ts in self._first.items() if kinds[pid] != "other"}
        media = media or self._first
        if self._types is not None:
            for pid, stream_type in self._types.items():
                self._stream(pid).stream_type = stream_type
        started = any(stream.last_dts is not None for stream in self._streams.values())
        video = [pid for pid in media if kinds[pid] == "video"]
        anchors = video if started and video else list(media)
        base = _earliest([pts if pts is not None else dts for pts, dts in media.values()])
        anchor_base = _earliest(
            [media[pid][0] if media[pid][0] is not None else media[pid][1] for pid in anchors]
        )
        shift = self._choose_decode_shift({pid: media[pid] for pid in video}, started)
        first_pcr = None if self._first_pcr is None else (self._first_pcr + shift) & TS_MASK
        if not started:
            decode_starts = [
                pts if dts is None else _shifted_dts(pts, dts, shift if pid in video else 0)
                for pid, (pts, dts) in media.items()
            ]
            if first_pcr is not None:
                decode_starts.append(first_pcr)
            earliest = min(wrap_delta(ts, base) for ts in decode_starts if ts is not None)
            origin = max(self.start, -earliest)
        else:
            ends = [self._streams[pid] for pid in anchors]
            known = [s.max_pts + s.duration for s in ends if s.max_pts is not None]
            origin = (max(known) if known else self._end) - wrap_delta(anchor_base, base)
            origin += self._audio_overrun(anchors, max(known, default=None))
            for pid in anchors:
                stream, (pts, dts) = self._streams[pid], media[pid]
                first = _shifted_dts(pts, dts, shift) if dts is not None else pts
                if stream.last_dts is not None and first is not None:
                    origin = max(origin, stream.last_dts + 1 - wrap_delta(first, base))
            if self._last_pcr is not None and first_pcr is not None:
                origin = max(origin, self._last_pcr - wrap_delta(first_pcr, base))
            for pid in media:
                stream = self._streams[pid]
                if pid not in anchors and stream.max_pts is not None:
                    # what would land before this stream's previous end overlaps it: drop it
                    self._trim[pid] = stream.max_pts + stream.duration - origin
        self._base, self._origin = base, origin
        self._offset = (origin - base) & TS_MASK
        self._decode_shift = shift
        self._committed = True
        log.debug(
            "item %d: timestamps from %d placed at %d (offset %d, %d after the end)",
            self.items,
            base,
            origin,
            self._offset,
            origin - self._end,
        )

    def _audio_overrun(self, anchors: list[int], video_end: int | None) -> int:
        """How far the previous item's audio ran on past its video's end, if that is more than
        ``AUDIO_OVERRUN_TICKS`` (a copied file whose video ends first): the next item starts
        after that audio rather than cutting into its own, and the picture holds meanwhile."""
        if video_end is None:
            return 0
        audio_ends = [
            stream.max_pts + stream.duration
            for pid, stream in self._streams.items()
            if pid not in anchors and stream.kind == "audio" and stream.max_pts is not None
        ]
        overrun = max(audio_ends, default=video_end) - video_end
        if overrun <= AUDIO_OVERRUN_TICKS:
            return 0
        log.debug("item %d: the audio before it ran %d ticks past the video", self.items, overrun)
        return overrun

    def _choose_decode_shift(
        self, video: dict[int, tuple[int | None, int | None]], started: bool
    ) -> int:
        """How much the item's video DTS (and PCR) move: a retimable item takes the decode
        delay in force; any other item sets the delay in force."""
        firsts = [(pts, dts) for pts, dts in video.values() if pts is not None]
        if not firsts:
            return 0
        pts, dts = firsts[0]
        assert pts is not None
        delay = max(0, wrap_delta(pts, dts)) if dts is not None else 0
        shift = 0
        wanted = self._decode_delay if started else self.first_decode_delay
        if self._retimable and wanted is not None:
            shift = delay - wanted
        self._decode_delay = delay - shift
        return shift

    # -- the hot path -----------------------------------------------------------------------
    def _cc_delta(self, pid: int, b3: int) -> int:
        last = self._cc.get(pid)
        if last is None:
            delta = 0  # a new PID keeps ffmpeg's counters
        else:
            wanted = (last + 1) & 0x0F if b3 & 0x10 else last
            delta = (wanted - (b3 & 0x0F)) & 0x0F
        self._deltas[pid] = delta
        return delta

    def _rewrite(self, data: bytes | bytearray | memoryview) -> bytes:
        buf = bytearray(data)
        offset = self._offset
        pcr_offset = (offset + self._decode_shift) & TS_MASK
        cc = self._cc
        deltas = self._deltas
        psi = self._psi
        keyframes: list[int] = []
        last_pcr_in = None
        for at in range(0, len(buf), PACKET_SIZE):
            b1 = buf[at + 1]
            pid = ((b1 & 0x1F) << 8) | buf[at + 2]
            b3 = buf[at + 3]
            if buf[at] != SYNC_BYTE:
                raise ValueError(f"packet at offset {at} does not start with 0x47")
            if pid != PID_NULL:
                delta = deltas.get(pid)
                if delta is None:
                    delta = self._cc_delta(pid, b3)
                c = ((b3 & 0x0F) + delta) & 0x0F
                buf[at + 3] = (b3 & 0xF0) | c
                cc[pid] = c
            p = at + 4
            if b3 & 0x20:
                length = buf[p]
                if length:
                    flags = buf[at + 5]
                    if flags & 0x80:  # discontinuity_indicator: the spliced timeline has none
                        flags &= 0x7F
                        buf[at + 5] = flags
                    if flags & 0x10 and length >= 7:
                        q = at + 6
                        last_pcr_in = (
                            (buf[q] << 25)
                            | (buf[q + 1] << 17)
                            | (buf[q + 2] << 9)
                            | (buf[q + 3] << 1)
                            | (buf[q + 4] >> 7)
                        )
                        base = (last_pcr_in + pcr_offset) & TS_MASK
                        buf[q] = base >> 25
                        buf[q + 1] = (base >> 17) & 0xFF
                        buf[q + 2] = (base >> 9) & 0xFF
                        buf[q + 3] = (base >> 1) & 0xFF
                        buf[q + 4] = ((base & 1) << 7) | (buf[q + 4] & 0x7F)
                p += length + 1
            if (
                b1 & 0x40
                and b3 & 0x10
                and pid not in psi
                and p <= at + 169
                and buf[p] == 0
                and buf[p + 1] == 0
                and buf[p + 2] == 1
            ):
                self._pes(buf, at, p, pid, keyframes)
        if last_pcr_in is not None:
            self._last_pcr = self._origin + wrap_delta(last_pcr_in, self._base) + self._decode_shift
        self.keyframe_offsets = tuple(keyframes)
        return bytes(buf)

    def _pes(self, buf: bytearray, at: int, p: int, pid: int, keyframes: list[int]) -> None:
        """Shift the PTS/DTS of the PES header at ``p`` and account for the frame."""
        stream_id = buf[p + 3]
        flags = buf[p + 7] >> 6
        if stream_id in _NO_PES_HEADER or not flags & 2:
            return
        offset, base, origin = self._offset, self._base, self._origin
        q = p + 9
        pts = (
            ((buf[q] & 0x0E) << 29)
            | (buf[q + 1] << 22)
            | ((buf[q + 2] >> 1) << 15)
            | (buf[q + 3] << 7)
            | (buf[q + 4] >> 1)
        )
        _put(buf, q, (pts + offset) & TS_MASK)
        out_pts = origin + wrap_delta(pts, base)
        out_dts = out_pts
        stream = self._stream(pid, stream_id)
        if flags == 3:
            q = p + 14
            dts = (
                ((buf[q] & 0x0E) << 29)
                | (buf[q + 1] << 22)
                | ((buf[q + 2] >> 1) << 15)
                | (buf[q + 3] << 7)
                | (buf[q + 4] >> 1)
            )
            if self._decode_shift and stream.kind == "video":
                dts = _shifted_dts(pts, dts, self._decode_shift)
            _put(buf, q, (dts + offset) & TS_MASK)
            out_dts = origin + wrap_delta(dts, base)
        if stream.kind == "other":
            return
        if stream.item == self.items and stream.last_dts is not None:
            step = out_dts - stream.last_dts
            if 0 < step <= MAX_FRAME_TICKS:
                stream.duration = step
            if stream.max_pts is None or out_pts > stream.max_pts:
                stream.max_pts = out_pts
        else:
            stream.item = self.items
            stream.max_pts = out_pts
        stream.last_dts = out_dts
        self._end = max(self._end, out_pts + stream.duration)
        if stream.kind == "video" and is_keyframe_start(buf, at, stream.stream_type):
            keyframes.append(at)

    def _filter(self, data: bytes | bytearray | memoryview) -> bytes:
        """Drop the PES that a seam trims (:attr:`_trim`) or a time limit cuts
        (:meth:`feed_until`)."""
        b = memoryview(data)
        closed, trim, psi, base = self._closed, self._trim, self._psi, self._base
        limit = None if self._limit is None else self._limit - self._origin  # item-relative
        kept = bytearray()
        for at in range(0, len(b), PACKET_SIZE):
            pid = ((b[at + 1] & 0x1F) << 8) | b[at + 2]
            if pid in closed or (closed and pid in psi):
                continue
            if b[at + 1] & 0x40 and pid not in psi:
                start = at + 4 + (b[at + 4] + 1 if b[at + 3] & 0x20 else 0)
                pts, _ = pes_timestamps(b[: at + PACKET_SIZE], start)
                if pts is not None:
                    relative = wrap_delta(pts, base)
                    if limit is not None and relative >= limit:
                        if not closed:
                            log.debug(
                                "item %d: cut after %.3f s",
                                self.items,
                                ((self._limit or 0) - self._item_from) / PTS_HZ,
                            )
                        closed.add(pid)
                        continue
                    if pid in trim:
                        if relative < trim[pid]:
                            continue
                        del trim[pid]
            elif pid in trim:
                continue  # the rest of a trimmed PES
            kept += b[at : at + PACKET_SIZE]
        return bytes(kept)


def _earliest(stamps: list[int | None]) -> int:
    """The earliest of 33-bit timestamps that lie within 2**32 ticks of each other."""
    known = [ts for ts in stamps if ts is not None]
    base = known[0]
    for ts in known[1:]:
        if wrap_delta(ts, base) < 0:
            base = ts
    return base


def _shifted_dts(pts: int | None, dts: int, shift: int) -> int:
    """``dts`` moved by ``shift`` ticks (later if positive), but never past ``pts``."""
    if pts is None:
        return (dts + shift) & TS_MASK
    return (dts + min(shift, max(0, wrap_delta(pts, dts)))) & TS_MASK


def _put(buf: bytearray, q: int, ts: int) -> None:
    """Write a 33-bit PTS/DTS at ``q``, keeping the prefix nibble and marker bits."""
    buf[q] = (buf[q] & 0xF0) | ((ts >> 29) & 0x0E) | 1
    buf[q + 1] = (ts >> 22) & 0xFF
    buf[q + 2] = ((ts >> 14) & 0xFE) | 1
    buf[q + 3] = (ts >> 7) & 0xFF
    buf[q + 4] = ((ts << 1) & 0xFE) | 1

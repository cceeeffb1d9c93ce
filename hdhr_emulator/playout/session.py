"""One channel's live stream: schedule → per-segment ffmpeg → splicer → pacer → viewers.

A session starts with its first viewer and lives until ``linger`` seconds after its last one
leaves. Its producer task walks the schedule from "now": for each segment it plays the item from
the right offset for the rest of the segment (the next segment's ffmpeg is started when the
current one has finished writing, so it is buffered before the seam), splices the output into one
timeline, releases it no faster than real time plus a small lead (an initial burst for a fast
start), and pushes it to every viewer. An item that cannot be played is replaced by the slate
(for up to ``RETRY_SECONDS``, then it is tried again); a dead ffmpeg is replaced at the right
schedule position, and viewers keep their connections throughout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from operator import attrgetter
from pathlib import Path
from typing import Any

from hdhr_emulator.events import EventKind, Publish
from hdhr_emulator.playout.cards import CardRenderer
from hdhr_emulator.playout.ffmpeg_args import copy_command, transcode_command
from hdhr_emulator.playout.item_feed import FeedEnd, ItemFeed
from hdhr_emulator.playout.logo_bug import bug_for
from hdhr_emulator.playout.stream_plan import StreamPlan, plan_stream
from hdhr_emulator.playout.subtitles import SubtitleSource, find_subtitles
from hdhr_emulator.playout.ts import GopCache, Pacer, PesGate, Splicer
from hdhr_emulator.playout.ts.packets import PTS_HZ
from hdhr_emulator.playout.viewer import Viewer
from hdhr_emulator.util import cancel_and_wait
from lineup.errors import UnknownChannelError
from lineup.models import (
    Channel,
    ChannelProfile,
    ItemKind,
    MediaItem,
    OutputMode,
    Segment,
    SubtitleMode,
)
from lineup.schedule import Schedule

log = logging.getLogger(__name__)

BURST_SECONDS = 3.0  # media sent at once on tune-in, then kept as a lead over real time
LATE_SECONDS = 4.0  # an item with no output for this long is replaced by the slate
LATE_GRACE = 0.5  # media due and none for this long: the producer is late (killed, restarted)
BRIDGE_STEP = 0.2  # slate per step while a restart starts: the most it delays the item's return
HICCUP_SECONDS = 1.0  # a producer late after this much media worked: restarted, not slated
FEED_PIECE = 1316 * 10  # bytes spliced and released at a time (~50 ms at 2 Mbit/s)
CARD_PIECE = 1316 * 2  # ... of a message card (~0.1 s: a still picture needs few bytes)
MIN_SEGMENT_SECONDS = 0.25  # less than this left of a segment: skip to the next one
SHORT_ITEM_TOLERANCE = 0.5  # an item ending this much short of its slot failed mid-way
RETRY_SECONDS = 30.0  # an item that cannot be played gets this much slate, then another try
LOOK_AHEAD_SECONDS = 600.0  # up-next cards due this soon are rendered in the background ...
LOOK_EVERY_SECONDS = 30.0  # ... looked for at a segment start at most this often (of schedule)
USUAL_REORDER_FRAMES = 2  # how far ahead files with B-frames decode (x264's default pyramid)


def _publish_nothing(kind: EventKind, /, channel: int | None = None, **data: Any) -> None:
    """The default: a session built without a station (unit tests) tells nobody."""


@dataclass(frozen=True, slots=True)
class PlayoutContext:
    """What every session needs from the server."""

    ffmpeg: str
    schedule: Callable[[], Schedule]  # the current schedule (it is replaced on guide refresh)
    slate: Callable[[str, ChannelProfile], Awaitable[bytes]]  # (title, profile) -> slate TS bytes
    linger: float = 30.0
    mode_override: OutputMode | None = None
    clock: Callable[[], float] = time.time
    # what ffmpeg opens for an item: its path, or for a media server's item a mapped local
    # path or our loopback proxy URL (see hdhr_emulator.server.media_proxy)
    source_for: Callable[[MediaItem], str] = attrgetter("path")  # blocking; run in a thread
    # (channel name, message, profile) -> an override's message card as TS bytes
    card: Callable[[str, str, ChannelProfile], Awaitable[bytes]] | None = None
    # the station's event stream (EventBus.publish): tune-ins, seams, failures, the slate
    publish: Publish = _publish_nothing
    # up-next cards, rendered ahead of air; None: a card segment airs as the slate
    cards: CardRenderer | None = None
    # where scaled logo bugs are cached; None: no bug over the picture
    bug_cache: Path | None = None


@dataclass(frozen=True, slots=True)
class OnAir:
    """What a session is sending now: the item and how far into its file (of the media last
    released to viewers, which runs up to ``BURST_SECONDS`` ahead of the wall clock)."""

    item: MediaItem
    offset: float


@dataclass(frozen=True, slots=True)
class _Planned:
    """A segment to play: from schedule time ``start`` for ``duration`` s, entering at ``seek``."""

    segment: Segment
    start: float
    seek: float
    duration: float


class ChannelSession:
    """The live stream of one channel on one tuner."""

    def __init__(self, channel_number: int, tuner: int, context: PlayoutContext):
        self.channel_number = channel_number
        self.tuner = tuner
        self.context = context
        self.viewers: list[Viewer] = []
        self.gop = GopCache()
        self.splicer = Splicer()
        self.restarts = 0
        self.slate_seconds = 0.0  # media seconds of slate put on air (failed or late items)
        self._last_out = 0.0  # time.monotonic() of the last bytes sent to viewers
        self._aired: tuple[float, int] | None = None  # (segment start, item id) last announced
        self._failure = ""  # why the last item's ffmpeg ended early (for item_failed)
        self._hiccup = False  # the last item's producer stalled after playing (see _play)
        self._producer: asyncio.Task[None] | None = None
        self._linger: asyncio.Task[None] | None = None
        self._stopped = False
        self._plan: StreamPlan | None = None
        self._channel: Channel | None = None  # as it was at start (for its logo bug)
        self._upcoming: tuple[_Planned, ItemFeed] | None = None  # next segment, pre-started
        self.pacer: Pacer | None = None  # read by admission control (playout/headroom.py)
        self._interrupted = False  # interrupt(): leave the item on air, re-plan from now
        self._cut_at: float | None = None  # ... at this timeline second (once noticed)
        # what the API reports (see the read-only block below); set by _play
        self.started_at = context.clock()
        self._airing: tuple[_Planned, float] | None = None  # segment, timeline seconds at entry
        self._feed: ItemFeed | None = None
        self._looked: tuple[object, float] | None = None  # (schedule, when) cards were looked for

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def viewer_count(self) -> int:
        return len(self.viewers)

    @property
    def channel_name(self) -> str:
        return self.context.schedule().channel(self.channel_number).name

    @property
    def profile(self) -> ChannelProfile:
        """The output shape (fixed when the session starts): its slate's shape too."""
        assert self._plan is not None, "the session has not started"
        return self._plan.profile

    @property
    def stopped(self) -> bool:
        return self._stopped

    def lead_seconds(self) -> float | None:
        """How far the stream is ahead of real time (about ``BURST_SECONDS`` while ffmpeg keeps
        up); None until the first media is out."""
        return self.pacer.ahead(time.monotonic()) if self.pacer is not None else None

    def start(self) -> None:
        schedule = self.context.schedule()
        channel = schedule.channel(self.channel_number)
        self._channel = channel
        self._plan = plan_stream(channel, self.context.mode_override)
        # a slate at tune-in decodes as far ahead as the items will: files with B-frames
        # usually two frames (copy), x264 zerolatency not at all (transcode)
        frame = PTS_HZ / (self._plan.profile.fps or 25.0)
        reorder = USUAL_REORDER_FRAMES if self._plan.copy else 0
        self.splicer.first_decode_delay = round(reorder * frame)
        self._producer = asyncio.create_task(self._produce(), name=f"channel {self.channel_number}")
        self._publish(
            EventKind.SESSION_START,
            tuner=self.tuner,
            mode="copy" if self._plan.copy else "transcode",
        )

    async def async_stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        for task in (self._linger, self._producer):
            if task is not asyncio.current_task():
                await cancel_and_wait(task)
        for viewer in self.viewers:
            viewer.close()
        self.viewers.clear()
        log.info("channel %d: stopped (tuner %d free)", self.channel_number, self.tuner)
        self._publish(EventKind.SESSION_STOP, tuner=self.tuner)

    def _publish(self, event: EventKind, /, **data: Any) -> None:
        self.context.publish(event, self.channel_number, **data)

    def interrupt(self) -> None:
        """Leave what is on air at its next frame boundary and play what the schedule says
        from there (an override started or ended): the splicer cuts the item as a time limit
        would, so the stream stays one continuous timeline and viewers stay connected."""
        self._interrupted = True

    def _take_interrupt(self) -> bool:
        """True once after an interrupt has cut the item on air (the caller re-plans)."""
        taken, self._interrupted, self._cut_at = self._interrupted, False, None
        return taken

    def _cut(self, limit: float | None) -> float | None:
        """``limit`` (item seconds) lowered to the interrupt's cut, if one is pending."""
        if not self._interrupted:
            return limit
        if self._cut_at is None:
            self._cut_at = self.splicer.timeline_seconds
        cut = max(0.0, self.splicer.item_seconds - (self.splicer.timeline_seconds - self._cut_at))
        return cut if limit is None else min(limit, cut)

    def attach(self, viewer: Viewer) -> None:
        """Add a viewer; it gets the cached GOP (PAT, PMT, last keyframe onward) at once."""
        if self._linger is not None:
            self._linger.cancel()
            self._linger = None
        snapshot = self.gop.snapshot()
        if snapshot:
            viewer.prime(snapshot)
        self.viewers.append(viewer)

    def detach(self, viewer: Viewer) -> None:
        if viewer in self.viewers:
            self.viewers.remove(viewer)
        viewer.close()
        if not self.viewers and not self._stopped and self._linger is None:
            self._linger = asyncio.create_task(self._stop_after_linger())

    async def _stop_after_linger(self) -> None:
        await asyncio.sleep(self.context.linger)
        if not self.viewers:
            self._linger = None
            await self.async_stop()

    # -- read-only views for the API (status): never change what the session does -----------
    def on_air(self) -> OnAir | None:
        """The segment being sent and the offset into its file; None before the first one."""
        if self._airing is None:
            return None
        planned, entered = self._airing
        elapsed = max(0.0, self.splicer.timeline_seconds - entered)
        return OnAir(planned.segment.item, planned.seek + min(elapsed, planned.duration))

    @property
    def mode(self) -> OutputMode | None:
        """Copy or transcode, as planned at start (None before it started)."""
        if self._plan is None:
            return None
        return OutputMode.COPY if self._plan.copy else OutputMode.TRANSCODE

    @property
    def ffmpeg_pid(self) -> int | None:
        """The pid of the ffmpeg playing the current segment (None on the slate or between)."""
        feed = self._feed
        if feed is None or feed.process.returncode is not None:
            return None
        return feed.process.pid

    # -- production ------------------------------------------------------------------------
    def _broadcast(self, data: bytes, keyframe_offsets: tuple[int, ...] = ()) -> None:
        self._last_out = time.monotonic()
        self.gop.feed(data, keyframe_offsets)
        for viewer in list(self.viewers):
            if not viewer.push(data):
                log.warning(
                    "channel %d: dropped viewer %s (%s)",
                    self.channel_number,
                    viewer.address,
                    viewer.dropped_reason,
                )
                self.detach(viewer)

    def _plan_at(self, when: float) -> _Planned:
        """The segment airing at schedule time ``when`` and how much of it is left."""
        schedule = self.context.schedule()
        tune = schedule.at(self.channel_number, when)
        left = tune.segment.stop - when
        if left < MIN_SEGMENT_SECONDS:
            when = tune.segment.stop
            tune = schedule.at(self.channel_number, when)
            left = tune.segment.stop - when
        return _Planned(tune.segment, when, tune.offset, left)

    async def _feed_for(self, planned: _Planned) -> ItemFeed | None:
        item = planned.segment.item
        if item.kind == ItemKind.SLATE or not item.path:
            return None
        assert self._plan is not None
        # a stat, and a catalog query when the file moved: never on the event loop
        source = await asyncio.to_thread(self.context.source_for, item)
        # an override's item need not have the channel's shape: re-encoded to it, like the slate
        if self._plan.copy and item.kind != ItemKind.OVERRIDE:
            argv = copy_command(
                self.context.ffmpeg,
                item,
                self._plan.profile,
                planned.seek,
                planned.duration,
                source=source,
            )
        else:
            bug = None
            if self.context.bug_cache is not None and self._channel is not None:
                bug = await asyncio.to_thread(
                    bug_for,
                    self.context.ffmpeg,
                    self._channel,
                    item,
                    self._plan.profile,
                    self.context.bug_cache,
                )
            argv = transcode_command(
                self.context.ffmpeg,
                item,
                self._plan.profile,
                planned.seek,
                planned.duration,
                source=source,
                subtitles=await self._subtitles_of(item, source),
                bug=bug,
            )
        feed = ItemFeed(argv, name=f"ch{self.channel_number} {item.title}")
        feed.start()
        return feed

    async def _subtitles_of(self, item: MediaItem, source: str | None) -> SubtitleSource | None:
        """The subtitles to burn into ``item``, when its channel burns them (a programme in a
        local file: a listing and maybe a header read, off the loop, cached per file)."""
        if item.kind not in (ItemKind.EPISODE, ItemKind.MOVIE):
            return None
        try:
            channel = self.context.schedule().channel(self.channel_number)
        except UnknownChannelError:  # the lineup changed under the session: it is stopping
            return None
        where = source or item.path
        if channel.subtitles != SubtitleMode.BURN or where.startswith(("http://", "https://")):
            return None
        return await asyncio.to_thread(find_subtitles, where, channel.subtitle_language)

    async def _produce(self) -> None:
        """Play segment after segment for as long as the session lives."""
        assert self._plan is not None
        pacer = self.pacer = Pacer(lead=BURST_SECONDS)
        origin = self.context.clock()  # schedule time of the stream's first frame
        planned = self._plan_at(origin)
        feed = await self._feed_for(planned)
        first = True
        retried: set[tuple[float, int]] = set()
        try:
            while True:
                limit = None if first and self._plan.copy else planned.duration
                played, upcoming = await self._play(planned, feed, pacer, limit)
                # until it airs, the next feed is the finally's to stop: a session stopped
                # while the slate covers a short item must not leave its ffmpeg running
                self._upcoming, feed = upcoming, None
                if first and self._plan.copy:
                    # a copy join starts at the keyframe before the join point: keep that lag
                    # for the session rather than cutting it from the next programme
                    origin -= max(0.0, played - planned.duration)
                first = False
                if self._hiccup:  # it played, then stalled: not an unplayable file: restart it
                    retried.discard((planned.segment.start, planned.segment.item.id))
                upcoming = await self._finish(planned, played, retried, pacer, upcoming)
                now = origin + self.splicer.timeline_seconds
                if upcoming is not None and abs(upcoming[0].start - now) < 1.0:
                    planned, feed = upcoming
                    # absorb frame rounding: an item running long shortens the next one
                    late = now - planned.start
                    if late > 0:
                        planned = replace(planned, duration=planned.duration - late)
                else:
                    if upcoming is not None:
                        await upcoming[1].stop()
                    planned = self._plan_at(now)
                    feed = await self._feed_for(planned)
        finally:
            if feed is not None:
                await feed.stop()
            if self._upcoming is not None:
                await self._upcoming[1].stop()
            if not self._stopped:  # the producer died: end every response instead of hanging
                self._stopped = True
                for viewer in self.viewers:
                    viewer.close("the channel stopped")
                self._publish(EventKind.SESSION_STOP, tuner=self.tuner)

    async def _finish(
        self,
        planned: _Planned,
        played: float,
        retried: set[tuple[float, int]],
        pacer: Pacer,
        upcoming: tuple[_Planned, ItemFeed] | None,
    ) -> tuple[_Planned, ItemFeed] | None:
        """Fill what the segment left short, unless an interrupt cut it (then the next
        segment, planned before the interrupt, is stale and stopped); returns the next."""
        if not self._interrupted:
            await self._cover_shortfall(planned, played, retried, pacer)
        self._upcoming = None
        if self._take_interrupt() and upcoming is not None:
            await upcoming[1].stop()
            upcoming = None
        return upcoming

    async def _cover_shortfall(
        self, planned: _Planned, played: float, retried: set[tuple[float, int]], pacer: Pacer
    ) -> None:
        """A segment delivered ``played`` of its seconds: decide what fills the rest."""
        short = planned.duration - played
        key = (planned.segment.start, planned.segment.item.id)
        if planned.segment.item.kind == ItemKind.SLATE or not planned.segment.item.path:
            # the schedule's own slate (padding, an empty channel): nothing failed
            if short > 0:
                await self._play_slate(short, pacer, "schedule", _card_text(planned.segment.item))
        elif short > SHORT_ITEM_TOLERANCE:
            item = planned.segment.item
            self._publish(
                EventKind.ITEM_FAILED,
                item_id=item.id,
                title=item.title,
                reason=self._failure or f"stopped {short:.1f} s early",
            )
            if key not in retried:
                # ffmpeg died (or could not start): restart it once where we are; a
                # file that cannot be played fails again and gets the slate
                retried.add(key)
                self.restarts += 1
                self._publish(
                    EventKind.RESTART, item_id=item.id, title=item.title, restarts=self.restarts
                )
                log.warning(
                    "channel %d: ffmpeg for %s stopped %.1f s early; "
                    "restarting at the schedule position",
                    self.channel_number,
                    planned.segment.item.title,
                    short,
                )
            else:
                # slate, then try again where the schedule is by then: a media server
                # that was down (or a share that was unmounted) comes back on air
                # within RETRY_SECONDS, not at the next programme
                wait = min(short, RETRY_SECONDS)
                log.warning(
                    "channel %d: %s cannot be played; slate for %.1f s, then another try",
                    self.channel_number,
                    planned.segment.item.title,
                    wait,
                )
                await self._play_slate(wait, pacer)
        elif played <= 0 < short:
            # nothing came out of a short segment (e.g. the schedule's own slate padding
            # a slot to a whole second): slate it, or the timeline would never move on
            await self._play_slate(short, pacer, "schedule")

    async def _play(
        self, planned: _Planned, feed: ItemFeed | None, pacer: Pacer, limit: float | None
    ) -> tuple[float, tuple[_Planned, ItemFeed] | None]:
        """Splice one segment's output into the stream (``limit`` s at most).

        Returns the media seconds it covered (its own, and any slate that bridged its late
        start) and the next segment's feed, started as soon as this one had written all its
        output so that it is buffered before the seam. Sets ``_hiccup`` if the producer was
        late after delivering ``HICCUP_SECONDS`` or more (it worked, then stalled). A producer
        that is late mid-item is killed and its last, possibly partial, access units dropped
        (:class:`PesGate`); the caller restarts it at the schedule position.
        """
        await self._release(self.splicer.start_item(), pacer)
        self._upcoming = None
        self._hiccup = False
        self._failure = ""
        self._announce(planned)
        self._look_ahead(planned.start)
        self._airing, self._feed = (planned, self.splicer.timeline_seconds), feed
        if feed is None and planned.segment.item.kind == ItemKind.CARD:
            return await self._play_card(planned, pacer, limit)
        if feed is None:  # the schedule's own slate segment
            return 0.0, None
        gate = PesGate()
        fresh = True  # nothing of this feed read yet: its output starts with a keyframe
        bridged = 0.0  # slate seconds that covered this feed's late start
        clean = False  # the process ended by itself with status 0 (or the limit cut it)
        late = False
        try:
            while True:
                chunk, bridge = await self._next_chunk(planned, feed, pacer, fresh)
                if bridge:
                    bridged += bridge
                    await self._release(self.splicer.start_item(), pacer)
                if chunk is None:
                    late = True
                    break
                if isinstance(chunk, FeedEnd):
                    clean = chunk.returncode == 0
                    if not clean:
                        self._failure = f"ffmpeg exited with {chunk.returncode}"
                        log.warning(
                            "channel %d: ffmpeg for %s exited with %s: %s",
                            self.channel_number,
                            planned.segment.item.title,
                            chunk.returncode,
                            chunk.error or "no message",
                        )
                    break
                fresh = False
                item_limit = None if limit is None else max(0.0, limit - bridged)
                await self._splice(gate.feed(chunk), pacer, item_limit)
                if self.splicer.limit_reached:
                    clean = True  # ffmpeg is healthy: what it wrote so far is what it meant
                    break
                if self._upcoming is None and feed.output_complete.is_set():
                    self._upcoming = await self._prestart(planned)
            # a process that did not end cleanly may have been cut mid-frame: its last PES
            # of each stream is not known to be complete, so it never reaches the viewers
            rest = gate.finish() if clean else gate.cut()
            if gate.discarded:
                log.info(
                    "channel %d: dropped the last %d bytes of %s (access units cut short)",
                    self.channel_number,
                    gate.discarded,
                    planned.segment.item.title,
                )
            await self._splice(rest, pacer, None if limit is None else max(0.0, limit - bridged))
            await self._release(self.splicer.flush(), pacer)
            played = self.splicer.item_seconds
            if late:  # the viewers get the slate now, not after the kill and the restart
                bridged += await self._slate_step(BRIDGE_STEP, pacer)
        finally:
            # a late or dead producer is killed at once: a SIGTERM to a stopped process
            # would only wait, and the restart must not
            await feed.stop(grace=0.0 if late else None)
        self._hiccup = late and played >= HICCUP_SECONDS
        self._report_play(late, bridged)
        upcoming, self._upcoming = self._upcoming, None
        return played + bridged, upcoming

    def _report_play(self, late: bool, bridged: float) -> None:
        """After an item's feed: why it fell short (if late), and the slate that bridged it."""
        if late:
            self._failure = "late: no output after media was due"
        if bridged > 0:
            self._publish(EventKind.SLATE, seconds=round(bridged, 3), reason="bridge")

    def _announce(self, planned: _Planned) -> None:
        """An item goes on air at this seam: tell the station once (not again when its ffmpeg
        is restarted mid-item)."""
        item = planned.segment.item
        key = (planned.segment.start, item.id)
        if key == self._aired:
            return
        self._aired = key
        self._publish(
            EventKind.ITEM_START,
            item_id=item.id if item.kind not in (ItemKind.SLATE, ItemKind.CARD) else None,
            title=item.title,
            kind=item.kind.value,
            offset_s=round(planned.seek, 3),
        )

    async def _next_chunk(
        self, planned: _Planned, feed: ItemFeed, pacer: Pacer, fresh: bool
    ) -> tuple[bytes | FeedEnd | None, float]:
        """The feed's next chunk, or None if the producer is late; and the slate seconds
        played while waiting for it.

        Late means: media is due (the pacer would release it) and nothing has gone out to
        the viewers for ``LATE_GRACE`` s. A feed that has delivered part of its item is then
        given up (the caller restarts it at the schedule position: its output could only
        continue mid-GOP).
        A feed that has not delivered anything yet (a restart, or a next item still starting)
        is bridged with the slate, step by step, until it delivers or ``LATE_SECONDS`` pass.
        """
        if not pacer.started:  # nothing on air yet: the first item gets LATE_SECONDS to start
            try:
                return await feed.next(within=LATE_SECONDS), 0.0
            except TimeoutError:
                self._log_late(planned, LATE_SECONDS)
                return None, 0.0
        now = time.monotonic()
        due = pacer.delay(self.splicer.timeline_seconds, now)
        # late: media has been due, and nothing gone out, for LATE_GRACE s (a restart after a
        # stall is late at once; a next item starting at a seam has LATE_GRACE to start)
        late_at = max(now + due, self._last_out) + LATE_GRACE
        try:
            return await feed.next(within=max(0.0, late_at - now)), 0.0
        except TimeoutError:
            if not fresh:
                self._log_late(planned, LATE_GRACE)
                return None, 0.0
        return await self._bridge(planned, feed, pacer)

    async def _bridge(
        self, planned: _Planned, feed: ItemFeed, pacer: Pacer
    ) -> tuple[bytes | FeedEnd | None, float]:
        """Slate, ``BRIDGE_STEP`` s at a time, until ``feed`` delivers (then its chunk) or
        ``LATE_SECONDS`` have passed (then None)."""
        log.info(
            "channel %d: %s is not ready; slate until it is",
            self.channel_number,
            planned.segment.item.title,
        )
        get = asyncio.ensure_future(feed.next())
        bridged = 0.0
        give_up = time.monotonic() + LATE_SECONDS
        try:
            while not get.done() and time.monotonic() < give_up and not self._interrupted:
                bridged += await self._slate_step(BRIDGE_STEP, pacer)
                await asyncio.sleep(0)  # a step that was due at once did not yield: let it read
        finally:
            if not get.done():
                get.cancel()  # an item put meanwhile stays in the queue (asyncio.Queue.get)
                with contextlib.suppress(asyncio.CancelledError):
                    await get
        if get.done() and not get.cancelled():
            return get.result(), bridged
        if not self._interrupted:
            self._log_late(planned, LATE_SECONDS)
        return None, bridged

    def _log_late(self, planned: _Planned, seconds: float) -> None:
        log.warning(
            "channel %d: ffmpeg for %s is late (no output for %.1f s after media was due)",
            self.channel_number,
            planned.segment.item.title,
            seconds,
        )

    async def _prestart(self, planned: _Planned) -> tuple[_Planned, ItemFeed] | None:
        upcoming = self._plan_at(planned.start + planned.duration)
        feed = await self._feed_for(upcoming)
        return (upcoming, feed) if feed is not None else None

    async def _play_slate(
        self, seconds: float, pacer: Pacer, reason: str = "failed", card: str | None = None
    ) -> None:
        """Loop the channel's slate clip (or an override's message ``card``) for ``seconds``
        of media, or until an interrupt (``reason``: "schedule" for the schedule's own padding,
        "failed" for an item that cannot be played)."""
        remaining = seconds
        while remaining > 0.02 and not self._interrupted:
            played = await self._slate_step(remaining, pacer, card)
            if played <= 0:
                break
            remaining -= played
        if remaining < seconds and card is None:  # a message card is not the slate
            self._publish(EventKind.SLATE, seconds=round(seconds - remaining, 3), reason=reason)

    async def _slate_step(self, seconds: float, pacer: Pacer, card: str | None = None) -> float:
        """Splice the slate clip (or the message card) from its start for at most ``seconds``;
        returns the media seconds it added (each step starts on the clip's first keyframe)."""
        if card is not None and self.context.card is not None:
            clip = await self.context.card(self.channel_name, card, self.profile)
        else:
            clip = await self.context.slate(self.channel_name, self.profile)
        played = await self._clip_step(
            clip, seconds, pacer, FEED_PIECE if card is None else CARD_PIECE
        )
        if card is None:
            self.slate_seconds += played
        return played

    async def _clip_step(self, clip: bytes, seconds: float, pacer: Pacer, piece: int) -> float:
        """Splice a generated clip (the slate, a card) from its start for at most ``seconds``;
        the media seconds it added."""
        await self._release(self.splicer.start_item(retimable=True), pacer)
        await self._splice(clip, pacer, seconds, piece)
        await self._release(self.splicer.flush(), pacer)
        return self.splicer.item_seconds

    # -- up-next cards -----------------------------------------------------------------------
    def _look_ahead(self, when: float) -> None:
        """Have the cards due in the next ``LOOK_AHEAD_SECONDS`` rendered in the background
        (at most every ``LOOK_EVERY_SECONDS``, and whenever the schedule was replaced)."""
        cards = self.context.cards
        if cards is None:
            return
        schedule = self.context.schedule()
        if self._looked is not None:
            looked_in, looked_at = self._looked
            if looked_in is schedule and 0 <= when - looked_at < LOOK_EVERY_SECONDS:
                return
        self._looked = (schedule, when)
        until = when + LOOK_AHEAD_SECONDS
        for airing in schedule.airings(self.channel_number, when, until):
            for segment in airing.segments:
                if (
                    segment.item.kind == ItemKind.CARD
                    and when < segment.stop
                    and segment.start < until
                ):
                    try:
                        cards.prepare(segment.item, self.profile)
                    except (ValueError, OSError) as exc:  # a card whose text cannot be read
                        log.warning(
                            "channel %d: bad card %r: %s",
                            self.channel_number,
                            segment.item.title,
                            exc,
                        )

    def _ready_card(self, item: MediaItem) -> bytes | None:
        """The card's clip if it was rendered in time (never waits), else None."""
        if self.context.cards is None:
            return None
        try:
            return self.context.cards.ready(item, self.profile)
        except (ValueError, OSError):
            return None

    async def _play_card(
        self, planned: _Planned, pacer: Pacer, limit: float | None
    ) -> tuple[float, tuple[_Planned, ItemFeed] | None]:
        """Put an up-next card on air for the segment (looped if the clip is shorter), or the
        slate if the card is not ready: a seam never waits for a render. The next segment's
        ffmpeg starts at once, so it is buffered long before the card ends."""
        item = planned.segment.item
        seconds = planned.duration if limit is None else limit
        clip = self._ready_card(item)
        self._upcoming = await self._prestart(planned)
        before = self.splicer.timeline_seconds
        if clip is None:
            log.warning(
                "channel %d: the card %r was not rendered in time; the slate instead",
                self.channel_number,
                item.title,
            )
            await self._play_slate(seconds, pacer, "card")
        else:
            remaining = seconds
            while remaining > 0.02 and not self._interrupted:
                played = await self._clip_step(clip, remaining, pacer, CARD_PIECE)
                if played <= 0:
                    break
                remaining -= played
        upcoming, self._upcoming = self._upcoming, None
        return self.splicer.timeline_seconds - before, upcoming

    async def _splice(
        self, data: bytes, pacer: Pacer, limit: float | None, size: int = FEED_PIECE
    ) -> None:
        """Splice ``data`` (whole packets of the current item) ``size`` bytes at a time, each
        released when it falls due: viewers get bytes steadily, not one burst per read (and
        a piece is released when its end is due, so a piece of many seconds would hold back
        its start: an override's card comes in small pieces to go on air at once)."""
        for at in range(0, len(data), size):
            piece = data[at : at + size]
            limit = self._cut(limit)
            if limit is None:
                out = self.splicer.feed(piece)
            else:
                out = self.splicer.feed_until(piece, limit)
            await self._release(out, pacer)

    async def _release(self, data: bytes, pacer: Pacer) -> None:
        """Hold ``data`` until it is due (real time plus the lead), then send it to viewers."""
        if not data:
            return
        delay = pacer.delay(self.splicer.timeline_seconds, time.monotonic())
        if delay > 0:
            await asyncio.sleep(delay)
        self._broadcast(data, self.splicer.keyframe_offsets)


def _card_text(item: MediaItem) -> str | None:
    """An override's message (drawn on a card), or None for the schedule's own slate."""
    return item.title if item.kind == ItemKind.OVERRIDE and not item.path else None

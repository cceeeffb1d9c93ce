"""The playout engine as the HTTP app sees it: tune a channel, get a viewer of its session."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path

from hdhr_emulator.events import EventBus, EventKind
from hdhr_emulator.playout.cards import CardRenderer
from hdhr_emulator.playout.headroom import HeadroomMonitor
from hdhr_emulator.playout.session import ChannelSession, PlayoutContext
from hdhr_emulator.playout.slate import SlateCache
from hdhr_emulator.playout.stream_plan import plan_stream
from hdhr_emulator.playout.tuners import TunerPool
from hdhr_emulator.playout.viewer import Viewer
from lineup.errors import UnknownChannelError
from lineup.models import MediaItem, OutputMode
from lineup.schedule import Schedule

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EngineSettings:
    ffmpeg: str
    data_dir: Path
    tuners: int = 4
    linger: float = 30.0
    mode: OutputMode | None = None  # overrides every channel's mode (``--mode``)
    admit_by_headroom: bool = False  # ``--tuners auto``: refuse a tune the CPU cannot encode


class PlayoutEngine:
    """Owns the tuner pool, the slate cache and the card renderer; every ffmpeg it starts it
    also stops."""

    def __init__(
        self,
        settings: EngineSettings,
        schedule: Callable[[], Schedule],
        source_for: Callable[[MediaItem], str] = attrgetter("path"),
        events: EventBus | None = None,
    ):
        """``schedule()`` is the live schedule (replaced on every refresh): what is on;
        ``source_for(item)`` what ffmpeg opens for an item (blocking; run in a thread);
        ``events`` the station's event stream, told of tune-ins, sessions, seams and failures
        (a private bus when None, so the engine and its sessions never check for one)."""
        self.settings = settings
        self.schedule = schedule
        self.events = events if events is not None else EventBus()
        self.slates = SlateCache(settings.ffmpeg, settings.data_dir / "slates")
        self.cards = CardRenderer(settings.ffmpeg, settings.data_dir / "cards")
        self.context = PlayoutContext(
            ffmpeg=settings.ffmpeg,
            schedule=schedule,
            slate=self.slates.get,
            linger=settings.linger,
            mode_override=settings.mode,
            source_for=source_for,
            card=self.slates.card,
            publish=self.events.publish,
            cards=self.cards,
            bug_cache=settings.data_dir / "bugs",
        )
        self.headroom = HeadroomMonitor(leads=self._leads) if settings.admit_by_headroom else None
        self.pool = TunerPool(
            settings.tuners,
            self._start_session,
            admit=self.headroom.admit if self.headroom is not None else None,
        )

    def check_channels(self) -> None:
        """Fail at start-up (not at tune-in) when a channel's mode cannot work, e.g. copy on
        a channel whose files differ."""
        for channel in self.schedule().channels:
            plan_stream(channel, self.settings.mode)

    def has_channel(self, number: int) -> bool:
        return any(c.number == number for c in self.schedule().channels)

    def _leads(self) -> list[float]:
        """How far each running session is ahead of real time (those with media out)."""
        leads = (
            session.lead_seconds()
            for session in self.pool.sessions().values()
            if isinstance(session, ChannelSession)
        )
        return [lead for lead in leads if lead is not None]

    def _start_session(self, channel_number: int, tuner: int) -> ChannelSession:
        session = ChannelSession(channel_number, tuner, self.context)
        session.start()
        self.slates.warm(session.channel_name, session.profile)
        return session

    async def tune(
        self, channel_number: int, address: str, tuner: int | None = None
    ) -> tuple[ChannelSession, Viewer]:
        """Attach a new viewer to the channel's session; raises UnknownChannelError or
        TunerBusyError (the HTTP layer turns them into 404 / 503)."""
        if not self.has_channel(channel_number):
            raise UnknownChannelError(channel_number)
        session = await self.pool.acquire(channel_number, tuner)
        assert isinstance(session, ChannelSession)
        viewer = Viewer(address)
        session.attach(viewer)
        log.info(
            "channel %d: viewer %s joined (tuner %d, %d watching)",
            channel_number,
            address,
            session.tuner,
            session.viewer_count,
        )
        return session, viewer

    def tuned_in(self, session: ChannelSession, viewer: Viewer, latency: float) -> None:
        """The viewer's first bytes were written ``latency`` s after its request arrived: the
        tune-in a person waits for (the stream route calls this, as only it sees the write)."""
        self.events.publish(
            EventKind.TUNE,
            session.channel_number,
            address=viewer.address,
            tuner=session.tuner,
            latency_s=round(latency, 4),
        )

    def tuned_out(self, session: ChannelSession, viewer: Viewer, seconds: float) -> None:
        """The viewer left after ``seconds`` (its response ended or the client went away)."""
        self.events.publish(
            EventKind.UNTUNE,
            session.channel_number,
            address=viewer.address,
            tuner=session.tuner,
            bytes=viewer.bytes_sent,
            seconds=round(seconds, 3),
        )

    def running(self) -> list[ChannelSession]:
        """Every running session (watched or lingering)."""
        return [s for s in self.pool.sessions().values() if isinstance(s, ChannelSession)]

    def interrupt(self, channels: Collection[int] | None = None) -> None:
        """Make the sessions of ``channels`` (None: all) re-plan from now at their next frame:
        what the schedule says changed under them (an override started or ended)."""
        for session in self.running():
            if channels is None or session.channel_number in channels:
                session.interrupt()

    async def prepare_card(self, message: str, channels: Collection[int]) -> None:
        """Render an override's message card for the running sessions of ``channels`` now,
        so that their switch is not delayed by the rendering."""
        sessions = [s for s in self.running() if s.channel_number in channels and not s.stopped]
        cards = (self.slates.card(s.channel_name, message, s.profile) for s in sessions)
        for result in await asyncio.gather(*cards, return_exceptions=True):
            if isinstance(result, Exception):
                log.warning("%s", result)

    def watched_tuners(self) -> dict[int, ChannelSession]:
        """Tuner index → session, for tuners someone is watching (a session lingering with no
        viewers counts as free: the next tune may take it)."""
        return {
            index: session
            for index, session in self.pool.sessions().items()
            if isinstance(session, ChannelSession) and session.viewers
        }

    async def async_start(self) -> None:
        self.check_channels()
        if self.headroom is not None:
            await self.headroom.async_start()

    async def async_stop(self) -> None:
        if self.headroom is not None:
            await self.headroom.async_stop()
        await self.pool.async_stop()
        await self.slates.aclose()
        await self.cards.aclose()

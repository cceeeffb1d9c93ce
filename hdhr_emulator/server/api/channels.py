"""The lineup through the API: every channel with what is on now and next, one channel, its
schedule segment by segment, and its live thumbnail.

The schedule is read from the same live :class:`~lineup.schedule.Schedule` the playout engine
plays from (``engine.schedule()``), so it says what will air, filler and slate included, and
cannot disagree with the stream. A thumbnail is only ever of a running session: asking for one
never starts a channel.
"""

from __future__ import annotations

import time
from typing import Literal

from pydantic import BaseModel, RootModel
from quart import Blueprint, Response
from quart_schema import document_response, validate_querystring, validate_response

from hdhr_emulator.playout.session import ChannelSession
from hdhr_emulator.playout.stream_plan import plan_stream
from hdhr_emulator.server.api.error_body import ErrorBody
from hdhr_emulator.server.api.errors import ApiError
from hdhr_emulator.server.api.programmes import Programme, item_id, item_text, programme
from hdhr_emulator.server.api.schema import media_type
from hdhr_emulator.server.api.services import ApiServices
from hdhr_emulator.server.api.status import running_sessions
from hdhr_emulator.server.api.times import iso, parse_time
from hdhr_emulator.server.thumbnails import Thumbnails
from lineup.errors import ConfigError
from lineup.models import Airing, Channel, FillerKind, ItemKind, MediaItem, Segment
from lineup.roles import role_of
from lineup.schedule import Schedule
from xmltv.urls import logo_url, normalise_base_url

DEFAULT_SCHEDULE_SECONDS = 3 * 3600
MAX_SCHEDULE_SECONDS = 7 * 24 * 3600


class Profile(BaseModel):
    width: int
    height: int
    fps: float
    video_bitrate: str | None


class StreamUrls(BaseModel):
    hdhomerun: str
    iptv: str


class ChannelInfo(BaseModel):
    number: int
    name: str
    group: str | None
    mode: str
    profile: Profile
    logo_url: str | None
    stream_urls: StreamUrls
    now: Programme | None
    next: Programme | None
    running: bool
    viewers: int
    favorite: bool


class Channels(BaseModel):
    channels: list[ChannelInfo]


class ScheduleQuery(BaseModel):
    start: str | None = None
    end: str | None = None


#: what the air is doing in a segment: the programme (each part of it, when mid-roll breaks
#: cut it), a break item by its role, an up-next card, the slate or an emergency override
SegmentKind = Literal[
    "programme", "commercial", "bumper", "id", "filler", "card", "slate", "override"
]


class ScheduleSegment(BaseModel):
    start: str
    stop: str
    kind: SegmentKind
    item_kind: str  # what the item is in the catalog: episode, movie, filler, slate, override
    title: str
    episode: str | None
    episode_title: str | None
    item_id: int | None
    seek_s: float
    source: str | None


class JpegPicture(RootModel[bytes]):
    """A JPEG picture (documents the thumbnail's body; never built)."""


class ChannelSchedule(BaseModel):
    channel: int
    start: str
    end: str
    segments: list[ScheduleSegment]


def channel_number(text: str) -> int:
    """A path's channel number; a 400 for anything but a whole number."""
    if not (text.isascii() and text.isdigit()):
        raise ApiError(400, f"channel number must be a whole number, not {text!r}")
    return int(text)


def _schedule(services: ApiServices) -> Schedule:
    """What the engine plays from, or without an engine the live schedule (the same object)."""
    engine = services.engine
    return engine.schedule() if engine is not None else services.live.schedule


def _mode_and_profile(channel: Channel, services: ApiServices) -> tuple[str, Profile]:
    override = services.engine.settings.mode if services.engine is not None else None
    try:
        plan = plan_stream(channel, override)
        copy, shape = plan.copy, plan.profile
    except ConfigError:  # forced copy that cannot work: start-up refuses it
        copy, shape = False, channel.profile
    return ("copy" if copy else "transcode"), Profile(
        width=shape.width,
        height=shape.height,
        fps=shape.fps,
        video_bitrate=None if copy else f"{shape.video_kbps}k",
    )


def _sessions(services: ApiServices) -> dict[int, ChannelSession]:
    return {session.channel_number: session for session in running_sessions(services)}


def _now_next(schedule: Schedule, number: int, now: float) -> tuple[Programme, Programme | None]:
    current = schedule.at(number, now).airing
    after = schedule.airings(number, current.stop, current.stop + 1, segments=False)
    return programme(current), (programme(after[0]) if after else None)


def channel_info(
    channel: Channel,
    schedule: Schedule,
    services: ApiServices,
    sessions: dict[int, ChannelSession],
    favorites: frozenset[int],
    base: str,
    now: float,
) -> ChannelInfo:
    mode, profile = _mode_and_profile(channel, services)
    current, upcoming = _now_next(schedule, channel.number, now)
    session = sessions.get(channel.number)
    return ChannelInfo(
        number=channel.number,
        name=channel.name,
        group=channel.group,
        mode=mode,
        profile=profile,
        logo_url=logo_url(base, channel),
        stream_urls=StreamUrls(
            hdhomerun=f"{base}/auto/v{channel.number}",
            iptv=f"{base}/iptv/channel/{channel.number}.ts",
        ),
        now=current,
        next=upcoming,
        running=session is not None,
        viewers=session.viewer_count if session is not None else 0,
        favorite=channel.number in favorites,
    )


PROGRAMME_KINDS = frozenset({ItemKind.EPISODE, ItemKind.MOVIE})


_ROLE_KINDS: dict[FillerKind, SegmentKind] = {
    FillerKind.COMMERCIAL: "commercial",
    FillerKind.BUMPER: "bumper",
    FillerKind.STATION_ID: "id",
    FillerKind.FILLER: "filler",
}
_ITEM_KINDS: dict[ItemKind, SegmentKind] = {
    ItemKind.CARD: "card",
    ItemKind.SLATE: "slate",
    ItemKind.OVERRIDE: "override",
}


def segment_kind(item: MediaItem, programme: MediaItem) -> SegmentKind:
    """A segment's kind as the schedule speaks of it: the airing's programme (every part of
    it), a break item by its role (an episode picked as filler is filler), a card, the slate
    or an override."""
    if item.kind in PROGRAMME_KINDS:
        return "programme" if item is programme or item == programme else "filler"
    return _ITEM_KINDS.get(item.kind) or _ROLE_KINDS[role_of(item)]


def schedule_segment(segment: Segment, airing: Airing) -> ScheduleSegment:
    item = segment.item
    text = item_text(item)
    return ScheduleSegment(
        start=iso(segment.start),
        stop=iso(segment.stop),
        kind=segment_kind(item, airing.programme),
        item_kind=item.kind.value,
        title=text.title,
        episode=text.episode,
        episode_title=text.episode_title,
        item_id=item_id(item),
        seek_s=round(segment.seek, 3),
        source=None if item.kind == ItemKind.SLATE or not item.path else item.path,
    )


def register(blueprint: Blueprint, services: ApiServices) -> None:
    thumbnails = Thumbnails()

    def base() -> str:
        return normalise_base_url(services.base_url())

    @blueprint.get("/channels")
    @validate_response(Channels, 200)
    async def channels() -> Channels:
        """Every channel of the lineup with what is on now and next."""
        schedule, now = _schedule(services), time.time()
        sessions, favorites, root = _sessions(services), services.favorites(), base()
        return Channels(
            channels=[
                channel_info(c, schedule, services, sessions, favorites, root, now)
                for c in schedule.channels
            ]
        )

    @blueprint.get("/channels/<number>")
    @validate_response(ChannelInfo, 200)
    @document_response(ErrorBody, 404)
    async def one_channel(number: str) -> ChannelInfo:
        """One channel (404 when the lineup has no such number)."""
        schedule = _schedule(services)
        channel = schedule.channel(channel_number(number))
        return channel_info(
            channel,
            schedule,
            services,
            _sessions(services),
            services.favorites(),
            base(),
            time.time(),
        )

    @blueprint.get("/channels/<number>/schedule")
    @validate_querystring(ScheduleQuery)
    @validate_response(ChannelSchedule, 200)
    async def channel_schedule(number: str, query_args: ScheduleQuery) -> ChannelSchedule:
        """What the engine will play, segment by segment (default: now to three hours on;
        at most seven days)."""
        schedule = _schedule(services)
        channel = schedule.channel(channel_number(number))
        now = time.time()
        start = parse_time("start", query_args.start, now)
        end = parse_time("end", query_args.end, start + DEFAULT_SCHEDULE_SECONDS)
        if end <= start:
            raise ApiError(400, "end must be after start")
        if end - start > MAX_SCHEDULE_SECONDS:
            raise ApiError(400, "the span from start to end must be at most 7 days")
        segments = [
            schedule_segment(segment, airing)
            for airing in schedule.airings(channel.number, start, end)
            for segment in airing.segments
            if segment.stop > start and segment.start < end and segment.duration > 0
        ]
        return ChannelSchedule(
            channel=channel.number, start=iso(start), end=iso(end), segments=segments
        )

    @blueprint.get("/channels/<number>/thumbnail.jpg")
    @media_type("image/jpeg")
    @document_response(JpegPicture, 200)
    @document_response(ErrorBody, 404)
    async def thumbnail(number: str) -> Response:
        """The latest picture of a running channel, as ``image/jpeg``.

        Decoded from the session's cached keyframe; 404 when the channel is not running.
        Never starts a session. ``Cache-Control: no-store``."""
        schedule = _schedule(services)
        channel = schedule.channel(channel_number(number))
        sessions = _sessions(services)
        thumbnails.forget_stopped(set(sessions))
        session = sessions.get(channel.number)
        if session is None:
            raise ApiError(404, f"channel {channel.number} is not running")
        jpeg = await thumbnails.jpeg(session)
        if jpeg is None:
            raise ApiError(404, f"channel {channel.number} has no picture yet")
        return Response(jpeg, content_type="image/jpeg", headers={"Cache-Control": "no-store"})

"""Value types shared by the library, the schedule, the guide and the playout engine.

Times are UTC POSIX seconds (``float``) everywhere: the schedule is pure arithmetic on them and
only the guide formats them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

# Channel numbers are whole numbers 1-9999, what HDHomeRun clients (Plex, Jellyfin, Channels)
# map and show: no ".N" subchannels, and nothing SQLite's 64-bit INTEGER cannot hold.
MIN_CHANNEL_NUMBER = 1
MAX_CHANNEL_NUMBER = 9999


class ItemKind(StrEnum):
    """What an item is for: a programme (episode, movie), a break item (filler), the slate, or
    what an emergency override puts on air instead of the schedule (never in the catalog)."""

    EPISODE = "episode"
    MOVIE = "movie"
    FILLER = "filler"
    SLATE = "slate"
    OVERRIDE = "override"
    CARD = "card"  # an "up next" card, generated from the schedule (never in the catalog)


class FillerKind(StrEnum):
    """What a break item is for, from the folder it sits in (``Commercials/``, ``Bumpers/``,
    ``IDs/`` or ``Station IDs/``, ``Filler/``): breaks are composed from these roles."""

    COMMERCIAL = "commercial"
    BUMPER = "bumper"
    STATION_ID = "id"
    FILLER = "filler"


class BreakSource(StrEnum):
    """Where a channel cuts a programme for mid-roll breaks: at the file's chapter marks (else
    at the natural breaks found at scan), at the natural breaks only, or nowhere."""

    CHAPTERS = "chapters"
    DETECTED = "detected"
    NONE = "none"


class SubtitleMode(StrEnum):
    """Whether a channel draws its programmes' subtitles into the picture (live MPEG-TS
    clients show no subtitle track)."""

    OFF = "off"
    BURN = "burn"


class OutputMode(StrEnum):
    """How a channel's items become its stream: re-encoded, passed through, or chosen per
    channel."""

    TRANSCODE = "transcode"
    COPY = "copy"
    AUTO = "auto"


class Order(StrEnum):
    """Order of a channel's programmes within one loop of its content."""

    CHRONOLOGICAL = "chronological"
    SHUFFLE = "shuffle"
    RANDOM = "random"  # every pick independent (repeats allowed)
    MARATHON = "marathon"  # a whole show or season back to back, from its first episode


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """Technical facts about a playable file, probed once at scan time."""

    duration: float
    container: str
    video_codec: str
    width: int
    height: int
    fps: float
    audio_codec: str | None = None  # None: the file has no audio
    audio_channels: int = 0
    # the video's colour as FFmpeg names it (bt709, tv, smpte2084...); None: the file does not
    # say, and lineup.colour.source_colour infers it from the picture size
    colour_matrix: str | None = None
    colour_range: str | None = None
    colour_primaries: str | None = None
    colour_transfer: str | None = None


#: Root-relative icon paths under this prefix are artwork this server serves (a media server's,
#: fetched with its token); the guide joins them to the server's base URL.
ARTWORK_PREFIX = "/artwork/"


@dataclass(frozen=True, slots=True)
class MediaServerRef:
    """Where a media server (Plex) keeps an item's file: enough to play it without asking the
    server anything but the file's bytes.

    Never holds a token: the server's credentials stay in the config and reach only the one
    process that talks to the server.
    """

    server: str  # the server's identity (Plex's machineIdentifier), stable across URL changes
    part_key: str  # /library/parts/3001/1732000000/file.mp4: opaque, fetched with the token
    file: str  # the file's path on the server's host, for path mapping to a local copy
    art_key: str | None = None  # the server's artwork path (/library/metadata/1/thumb/…)


@dataclass(frozen=True, slots=True)
class MediaItem:
    """One playable thing in the catalog (or the synthetic slate)."""

    id: int  # catalog row id; stable for a path across re-scans
    path: str  # local file path (or, for remote sources, a source-specific locator)
    kind: ItemKind
    title: str  # episode title, movie title or filler name
    info: MediaInfo
    show: str | None = None
    season: int | None = None
    episode: int | None = None
    episode_end: int | None = None  # last episode of a multi-episode file (S01E01-E02)
    year: int | None = None
    summary: str | None = None
    genres: tuple[str, ...] = ()
    icon: str | None = None  # absolute http(s) URL, or ARTWORK_PREFIX + id (served by us)
    source: str = "local"  # "local" or "plex"
    content_rating: str | None = None  # TV-PG, PG-13, …
    aired: str | None = None  # first aired / released, YYYY-MM-DD
    section: str | None = None  # the library section it came from ("TV Shows")
    collections: tuple[str, ...] = ()
    remote: MediaServerRef | None = None  # set for items read from a media server
    #: natural break points (seconds into the file, ascending): the chapter marks, else the
    #: black-with-silence moments found at scan; where mid-roll breaks may cut the programme
    breaks: tuple[float, ...] = ()
    #: True when ``breaks`` are the file's chapter marks, False when detected at scan
    chapters: bool = False
    studio: str | None = None  # network (TV) or studio (film), from Plex or an .nfo file
    filler_kind: FillerKind | None = None  # for FILLER items: its role in a break
    #: integrated loudness (LUFS, EBU R128) measured at scan; None: not measured (airs as is)
    loudness: float | None = None
    true_peak: float | None = None  # dBTP, measured with ``loudness``

    @property
    def duration(self) -> float:
        return self.info.duration


@dataclass(frozen=True, slots=True)
class FillerPolicy:
    """The break after every programme, and optional padding of each slot to a clock boundary.

    ``items`` and ``seconds`` are alternatives (a break of N items, or of about M seconds of
    filler); ``pad_minutes`` > 0 stretches each slot with more filler (or the slate) so the next
    programme starts on an N-minute boundary (30 → :00 and :30).
    """

    items: int = 0
    seconds: float = 0.0
    pad_minutes: int = 0


class Preset(StrEnum):
    """x264 speed/quality trade-off; slower presets cost CPU for a smaller stream."""

    ULTRAFAST = "ultrafast"
    VERYFAST = "veryfast"
    FAST = "fast"
    MEDIUM = "medium"
    SLOW = "slow"


@dataclass(frozen=True, slots=True)
class ChannelProfile:
    """What a channel's stream should look like, as configured (``[profile]``): the picture
    size and rate, the encoder speed, the GOP length and the bit rates.

    The playout engine normalises every source to it (H.264 8-bit 4:2:0 + AAC-LC 48 kHz in
    MPEG-TS), so the spliced stream never changes format at a programme boundary; how that is
    encoded (ffmpeg arguments, GOP in frames) is :mod:`hdhr_emulator.playout`'s business.
    """

    width: int = 1280
    height: int = 720
    fps: float = 29.97
    preset: Preset = Preset.VERYFAST
    gop_seconds: float = 1.0
    video_kbps: int = 3000
    audio_kbps: int = 128
    audio_channels: int = 2
    #: target integrated loudness in LUFS each measured item is gained to; None: off
    loudness: float | None = -24.0


@dataclass(frozen=True, slots=True)
class BreakPolicy:
    """Mid-roll breaks inside programmes (``breaks = …`` on a ``[[channel]]``).

    ``per_half_hour`` breaks at most per 30 minutes of programme, each about ``seconds`` of
    filler, cut only at the file's natural break points (:attr:`MediaItem.breaks`).
    """

    source: BreakSource = BreakSource.NONE
    per_half_hour: int = 2
    seconds: float = 120.0


@dataclass(frozen=True, slots=True)
class SlotPlan:
    """One ``[[channel.slot]]`` resolved against the catalog: when it airs and what fills it.

    ``weekdays`` (0 = Monday) and ``dates`` (ISO ``YYYY-MM-DD``) say on which local days it
    airs; a dated slot wins over weekly slots it overlaps on its date. ``start`` and ``end`` are
    minutes after local midnight (``end`` may be 1440); without ``end`` the slot airs ``count``
    programmes (a marathon without either plays its whole selection once). ``key`` names the
    slot's own episode progression, so a slot continues where it left off across days, restarts
    and edits of other slots.
    """

    key: str
    where: str  # "retrovue.toml:14", for messages
    weekdays: frozenset[int]
    dates: frozenset[str]
    start: int
    end: int | None
    count: int | None
    programmes: tuple[MediaItem, ...]
    order: Order = Order.CHRONOLOGICAL
    seed: int = 0


class BugPosition(StrEnum):
    """Which corner of the picture the logo bug sits in."""

    TOP_LEFT = "top-left"
    TOP_RIGHT = "top-right"
    BOTTOM_LEFT = "bottom-left"
    BOTTOM_RIGHT = "bottom-right"


@dataclass(frozen=True, slots=True)
class LogoBug:
    """How a channel's logo is laid over its picture while it transcodes.

    Sizes are shares of the picture height, so one setting suits every profile. Breaks (filler,
    bumpers, cards) stay clean unless ``during_breaks``, as on broadcast TV.
    """

    position: BugPosition = BugPosition.BOTTOM_RIGHT
    margin: float = 0.05  # share of the picture height between the logo and the edges
    size: float = 0.12  # logo height as a share of the picture height
    opacity: float = 0.7  # 0 (invisible) to 1 (opaque), times the logo's own alpha
    during_breaks: bool = False


@dataclass(frozen=True, slots=True)
class Channel:
    """A channel resolved against the catalog: everything the schedule needs, nothing more."""

    number: int
    name: str
    programmes: tuple[MediaItem, ...]  # in play order for one loop
    filler: tuple[MediaItem, ...] = ()
    policy: FillerPolicy = field(default_factory=FillerPolicy)
    order: Order = Order.CHRONOLOGICAL
    seed: int = 0
    logo: str | None = None
    mode: OutputMode = OutputMode.TRANSCODE
    group: str | None = None
    profile: ChannelProfile = field(default_factory=ChannelProfile)
    breaks: BreakPolicy = field(default_factory=BreakPolicy)
    up_next: bool = False  # an "up next" card at the end of each break between programmes
    #: break roles this channel uses (empty: every filler item as plain filler, as before)
    filler_kinds: tuple[FillerKind, ...] = ()
    #: a station ID airs in a break that falls within this many minutes of the top of the hour
    id_window_minutes: float = 5.0
    slots: tuple[SlotPlan, ...] = ()  # time slots; outside them the channel's own rotation airs
    timezone: str = ""  # IANA name the slots' local times are in ("" = the system's)
    subtitles: SubtitleMode = SubtitleMode.OFF
    subtitle_language: str | None = None  # preferred subtitle language ("en", "fre", …)
    #: the on-screen logo ("bug") over the picture; playout only, so not in the fingerprint
    bug: LogoBug | None = None


@dataclass(frozen=True, slots=True)
class Segment:
    """One item airing inside a slot, from ``start`` for ``duration`` seconds, entering at
    ``seek``."""

    item: MediaItem
    start: float
    duration: float
    seek: float = 0.0

    @property
    def stop(self) -> float:
        return self.start + self.duration


@dataclass(frozen=True, slots=True)
class Airing:
    """One guide slot: a programme followed by its break (and padding), on whole seconds."""

    channel: int
    programme: MediaItem
    start: int
    stop: int
    segments: tuple[Segment, ...]

    @property
    def duration(self) -> int:
        return self.stop - self.start


@dataclass(frozen=True, slots=True)
class Tune:
    """Where a channel is at an instant: the slot, the segment playing and the offset into its
    file."""

    airing: Airing
    segment: Segment
    offset: float  # seconds into segment.item's file (segment.seek + elapsed)

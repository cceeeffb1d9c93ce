"""A stand-in Plex Media Server for tests and benchmarks (no real PMS can run here).

Why a real HTTP server rather than ``requests_mock``: the code under test talks to Plex through
plexapi *and* hands part URLs to ffmpeg, so the stand-in must speak HTTP on a socket, honour
``Range`` and authenticate exactly as PMS does. The XML shapes follow ``docs/protocol/plex.md``
section 2 (what PMS returns) and its 2.9 checklist; the request patterns follow section 1 (what
plexapi sends).

Overview
--------
* **Model** — plain, mutable dataclasses: :class:`Section`; :class:`Show` › :class:`Season` ›
  :class:`Episode`; :class:`Movie`; :class:`Collection`; each playable item owns one
  :class:`Part` (one ``Media`` › ``Part``: the PMS-side ``file`` path and the LOCAL file the
  stand-in serves). :class:`StandinLibrary` holds them and a lock.
* **Server** — :class:`PlexStandin`: a ``ThreadingHTTPServer`` on 127.0.0.1 that renders the model
  as PMS XML on every request, so changes to the model show up in the next response.
* **Builders** — :func:`build_library` (a small library of real clips) and
  :func:`build_big_library` (thousands of items sharing one clip, for paging and benchmarks).

Mutating the library while the server runs
------------------------------------------
The server reads the model under ``library.lock`` and caches lookups (ratingKey → item, sorted
section lists) per *generation*. Change the model through the helpers, which take the lock and
start a new generation::

    library.update(1001, title="New title")          # also bumps updated_at
    library.remove(1002)                             # episode, season, show, movie or collection
    library.add_episode(101, Episode(...))
    with library.edit():                              # anything else, several steps atomically
        show.seasons[0].episodes.reverse()

Changing a dataclass field outside ``edit()`` is seen by the next response too, but list
changes (add/remove/reorder) and title changes that affect sorting are only picked up after an
``edit()`` (or any helper) starts a new generation.

Not implemented (PMS has them; plexapi only needs them for filter kwargs/sorting via its own
validation): ``<Meta>`` filter/sort descriptions, JSON responses, hubs, playlists, transcoding.
"""

from __future__ import annotations

import contextlib
import dataclasses
import email.utils
import hashlib
import itertools
import logging
import mimetypes
import re
import socket
import struct
import sys
import threading
import time
import traceback
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal, NamedTuple, Self
from urllib.parse import parse_qsl, unquote, urlsplit

from lxml import etree as ET

log = logging.getLogger(__name__)

__all__ = [
    "PMS_ROOT",
    "STANDIN_TOKEN",
    "TYPE_NUMBERS",
    "UNAUTHORIZED_BODY",
    "BuiltLibrary",
    "Collection",
    "Episode",
    "LoggedRequest",
    "Movie",
    "Part",
    "PlexStandin",
    "RequestLog",
    "Season",
    "Section",
    "Show",
    "StandinDevice",
    "StandinDvr",
    "StandinLibrary",
    "artwork_colour",
    "build_big_library",
    "build_library",
    "png_image",
]

#: The token the ``plex_standin`` fixture uses. Long and distinctive so a leak is easy to grep.
STANDIN_TOKEN = "standin-token-0123456789"

#: Where PMS "sees" the built libraries' files; the clips live under a local root instead.
PMS_ROOT = "/data"

#: Fixed timestamps (epoch seconds) so XML is deterministic; ``update()`` bumps past them.
ADDED_AT = 1_700_000_000
UPDATED_AT = 1_732_000_000

PMS_VERSION = "1.41.3.9314-a0bfb8370"
MACHINE_IDENTIFIER = "5f2c1a9e0b7d4c3e8a6f1d2b3c4e5f6071829304"

#: plexapi's ``utils.SEARCHTYPES`` numbers for the types the stand-in knows.
TYPE_NUMBERS = {"movie": 1, "show": 2, "season": 3, "episode": 4, "collection": 18}
_TYPE_NAMES = {number: name for name, number in TYPE_NUMBERS.items()}

UNAUTHORIZED_BODY = (
    b"<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>"
)
XML_CONTENT_TYPE = "text/xml;charset=utf-8"

_CONTAINER_TYPES = {
    "mp4": "video/mp4",
    "m4v": "video/mp4",
    "mkv": "video/x-matroska",
    "avi": "video/x-msvideo",
    "ts": "video/mp2t",
    "m2ts": "video/mp2t",
    "mov": "video/quicktime",
    "webm": "video/webm",
    "mpg": "video/mpeg",
    "mpeg": "video/mpeg",
    "wmv": "video/x-ms-wmv",
    "flv": "video/x-flv",
}
_LIBRARY = "com.plexapp.plugins.library"
_MEDIA_TAG_PREFIX = "/system/bundle/media/flags/"


# --------------------------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------------------------


@dataclass(kw_only=True, eq=False)
class Part:
    """One file of a playable item: PMS's ``<Media>`` › ``<Part>`` pair.

    ``file`` is the path **as PMS reports it** (what path replacement maps from);
    ``local_path`` is the real file the stand-in serves at ``/library/parts/{id}/...``.
    The codec fields only describe the file (PMS learns them by probing); they are not checked.
    """

    id: int
    file: str
    local_path: Path
    container: str | None = None  # default: the extension of ``file``
    video_codec: str = "h264"
    video_profile: str | None = None
    width: int = 320
    height: int = 240
    frame_rate: float = 25.0
    audio_codec: str | None = "aac"  # None: no audio stream
    audio_channels: int = 2
    sampling_rate: int = 48000
    size: int | None = None  # None: the local file's size at response time
    tone_hz: int | None = None  # the clip's sine tone, so tests can tell clips apart (not served)

    @property
    def ext(self) -> str:
        """The container name PMS puts in ``Part key`` (``file.mkv``) and ``container``."""
        if self.container:
            return self.container
        name = self.file.replace("\\", "/").rpartition("/")[2]
        return name.rpartition(".")[2].lower() if "." in name else "mp4"


@dataclass(kw_only=True, eq=False)
class Section:
    """A library section. ``location`` is the folder as PMS sees it (``<Location path>``)."""

    key: int
    title: str
    type: Literal["show", "movie"]
    location: str
    uuid: str = ""  # default: derived from the key
    language: str = "en-US"
    updated_at: int = UPDATED_AT

    def __post_init__(self) -> None:
        if self.type not in ("show", "movie"):
            raise ValueError(f"section type must be 'show' or 'movie', not {self.type!r}")
        self.uuid = self.uuid or str(uuid.uuid5(uuid.NAMESPACE_URL, f"standin-section-{self.key}"))


@dataclass(kw_only=True, eq=False)
class Episode:
    """An episode. Empty strings and ``None`` are left out of the XML, as PMS does."""

    rating_key: int
    index: int
    title: str
    part: Part
    duration: int  # milliseconds
    summary: str = ""
    originally_available_at: str = ""  # "YYYY-MM-DD"
    year: int | None = None
    content_rating: str = ""
    thumb: bool = True
    guids: tuple[str, ...] = ()  # external ids, e.g. "tvdb://1052091" (``<Guid id>``)
    added_at: int = ADDED_AT
    updated_at: int = UPDATED_AT


@dataclass(kw_only=True, eq=False)
class Season:
    """A season; ``index`` 0 is "Specials". Episodes are served sorted by their ``index``."""

    rating_key: int
    index: int
    episodes: list[Episode] = field(default_factory=list)
    title: str = ""  # default: "Season N" / "Specials"
    summary: str = ""
    year: int | None = None
    thumb: bool = True
    added_at: int = ADDED_AT
    updated_at: int = UPDATED_AT

    @property
    def display_title(self) -> str:
        return self.title or ("Specials" if self.index == 0 else f"Season {self.index}")


@dataclass(kw_only=True, eq=False)
class Show:
    """A show in the show section ``section_key``. ``folder`` defaults to location/title."""

    rating_key: int
    title: str
    section_key: int
    seasons: list[Season] = field(default_factory=list)
    year: int | None = None
    summary: str = ""
    content_rating: str = ""
    studio: str = ""
    genres: tuple[str, ...] = ()
    originally_available_at: str = ""
    title_sort: str = ""
    folder: str = ""
    thumb: bool = True
    art: bool = True
    guids: tuple[str, ...] = ()
    added_at: int = ADDED_AT
    updated_at: int = UPDATED_AT

    def episodes(self) -> list[Episode]:
        """Every episode, in season then episode order (what ``/allLeaves`` returns)."""
        return [ep for season in _by_index(self.seasons) for ep in _by_index(season.episodes)]


@dataclass(kw_only=True, eq=False)
class Movie:
    """A movie in the movie section ``section_key``."""

    rating_key: int
    title: str
    section_key: int
    part: Part
    duration: int  # milliseconds
    year: int | None = None
    summary: str = ""
    content_rating: str = ""
    studio: str = ""
    genres: tuple[str, ...] = ()
    originally_available_at: str = ""
    title_sort: str = ""
    thumb: bool = True
    art: bool = True
    guids: tuple[str, ...] = ()
    added_at: int = ADDED_AT
    updated_at: int = UPDATED_AT


@dataclass(kw_only=True, eq=False)
class Collection:
    """A (non-smart) collection; ``members`` are ratingKeys of shows or movies of its section.

    Members that no longer exist are skipped, as PMS drops deleted items from collections.
    """

    rating_key: int
    title: str
    section_key: int
    members: list[int] = field(default_factory=list)
    summary: str = ""
    thumb: bool = True
    added_at: int = ADDED_AT
    updated_at: int = UPDATED_AT


@dataclass(kw_only=True, eq=False)
class StandinDevice:
    """A tuner device PMS knows (``<Device>`` inside a ``<Dvr>``): our emulator as Plex sees it.

    ``uri`` is the tuner's base URL and ``device_id`` its HDHomeRun ``DeviceID``; ``channels``
    are the GuideNumbers Plex has mapped (``<ChannelMapping deviceIdentifier>``).
    """

    uri: str
    device_id: str
    key: int | None = None  # default: assigned by PlexStandin (100, 101, ...)
    title: str = ""
    make: str = "Silicondust"
    model: str = "HDHR5-4US"
    model_number: str = "HDHR5-4US"
    tuners: int = 4
    status: str = "alive"
    state: str = "enabled"
    channels: tuple[str, ...] = ()
    last_seen_at: int = UPDATED_AT

    @property
    def uuid(self) -> str:
        return f"device://tv.plex.grabbers.hdhomerun/{self.device_id}"


@dataclass(kw_only=True, eq=False)
class StandinDvr:
    """A Live TV DVR as ``GET /livetv/dvrs`` lists it. ``xmltv_url`` makes an XMLTV lineup."""

    key: int
    devices: list[StandinDevice] = field(default_factory=list)
    title: str = "Retrovue"
    xmltv_url: str | None = None
    language: str = "eng"
    uuid: str = ""  # default: derived from the key
    refreshed_at: int = UPDATED_AT

    def __post_init__(self) -> None:
        self.uuid = self.uuid or str(uuid.uuid5(uuid.NAMESPACE_URL, f"standin-dvr-{self.key}"))

    @property
    def lineup(self) -> str:
        if self.xmltv_url:
            return f"lineup://tv.plex.providers.epg.xmltv/{self.xmltv_url}#{self.title}"
        return f"lineup://tv.plex.providers.epg.cloud/standin-{self.key}#{self.title}"

    @property
    def epg_identifier(self) -> str:
        provider = "xmltv" if self.xmltv_url else "cloud"
        return f"tv.plex.providers.epg.{provider}:{self.key}"


Item = Show | Season | Episode | Movie | Collection


def _by_index(items: Iterable[Any]) -> list[Any]:
    return sorted(items, key=lambda item: item.index)


@dataclass(eq=False)
class _Node:
    """An item with its ancestors, as the index finds it."""

    kind: Literal["show", "season", "episode", "movie", "collection"]
    item: Any
    section: Section
    show: Show | None = None
    season: Season | None = None


class _Index:
    """Lookups derived from the model, rebuilt when the library's generation changes.

    Without it every page of a 10 000-item section would walk the whole tree.
    """

    def __init__(self, library: StandinLibrary) -> None:
        self.sections = {s.key: s for s in library.sections}
        if len(self.sections) != len(library.sections):
            raise ValueError("duplicate section keys")
        self.nodes: dict[int, _Node] = {}
        self.parts: dict[int, tuple[Part, _Node]] = {}
        self.collections_of: dict[int, list[str]] = {}
        self._sorted: dict[tuple[int, str], list[_Node]] = {}

        for show in library.shows:
            section = self._section(show.section_key, "show", show.title)
            self._add(_Node("show", show, section))
            for season in show.seasons:
                self._add(_Node("season", season, section, show))
                for ep in season.episodes:
                    self._add_part(ep.part, self._add(_Node("episode", ep, section, show, season)))
        for movie in library.movies:
            section = self._section(movie.section_key, "movie", movie.title)
            self._add_part(movie.part, self._add(_Node("movie", movie, section)))
        for coll in library.collections:
            owner = self.sections.get(coll.section_key)
            if owner is None:
                raise ValueError(f"collection {coll.title!r}: no section {coll.section_key}")
            self._add(_Node("collection", coll, owner))
            for member in coll.members:
                self.collections_of.setdefault(member, []).append(coll.title)

    def _section(self, key: int, kind: str, title: str) -> Section:
        section = self.sections.get(key)
        if section is None or section.type != kind:
            raise ValueError(f"{kind} {title!r}: section {key} is not a {kind} section")
        return section

    def _add(self, node: _Node) -> _Node:
        key = node.item.rating_key
        if key in self.nodes:
            raise ValueError(f"duplicate ratingKey {key}")
        self.nodes[key] = node
        return node

    def _add_part(self, part: Part, node: _Node) -> None:
        if part.id in self.parts:
            raise ValueError(f"duplicate part id {part.id}")
        self.parts[part.id] = (part, node)

    def listing(self, section_key: int, kind: str) -> list[_Node]:
        """Every item of ``kind`` in the section, in PMS's default order (memoised)."""
        cache_key = (section_key, kind)
        if cache_key not in self._sorted:
            nodes = [
                n for n in self.nodes.values() if n.kind == kind and n.section.key == section_key
            ]
            nodes.sort(key=_default_sort_key)
            self._sorted[cache_key] = nodes
        return self._sorted[cache_key]

    def members(self, coll: Collection) -> list[_Node]:
        nodes = (self.nodes.get(key) for key in coll.members)
        return [
            n
            for n in nodes
            if n is not None and n.kind in ("show", "movie") and n.section.key == coll.section_key
        ]


def _sort_title(item: Any) -> str:
    return (getattr(item, "title_sort", "") or item.title).casefold()


def _default_sort_key(node: _Node) -> tuple[Any, ...]:
    if node.kind == "episode":
        assert node.show is not None and node.season is not None
        return (_sort_title(node.show), node.show.rating_key, node.season.index, node.item.index)
    if node.kind == "season":
        assert node.show is not None
        return (_sort_title(node.show), node.show.rating_key, node.item.index)
    return (_sort_title(node.item), node.item.rating_key)


@dataclass(eq=False)
class StandinLibrary:
    """Everything the stand-in serves. Read under ``lock``; change it through the helpers or
    inside ``with library.edit():`` so the server's cached lookups are rebuilt."""

    sections: list[Section] = field(default_factory=list)
    shows: list[Show] = field(default_factory=list)
    movies: list[Movie] = field(default_factory=list)
    collections: list[Collection] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    generation: int = 0
    _index: _Index | None = field(default=None, repr=False)
    _index_generation: int = field(default=-1, repr=False)

    # -- reading --------------------------------------------------------------------------------

    def index(self) -> _Index:
        """The lookups for the current generation (call with ``lock`` held)."""
        if self._index is None or self._index_generation != self.generation:
            self._index = _Index(self)
            self._index_generation = self.generation
        return self._index

    def get(self, rating_key: int) -> Any:
        """The show, season, episode, movie or collection with that ratingKey (KeyError if none).

        Typed ``Any`` on purpose: tests know what kind of item a key is.
        """
        with self.lock:
            return self.index().nodes[int(rating_key)].item

    def section(self, title_or_key: str | int) -> Section:
        with self.lock:
            for section in self.sections:
                if section.key == title_or_key or section.title == title_or_key:
                    return section
        raise KeyError(title_or_key)

    def show(self, title: str) -> Show:
        with self.lock:
            return next(s for s in self.shows if s.title == title)

    def movie(self, title: str) -> Movie:
        with self.lock:
            return next(m for m in self.movies if m.title == title)

    def collection(self, title: str) -> Collection:
        with self.lock:
            return next(c for c in self.collections if c.title == title)

    def episodes(self) -> list[Episode]:
        """Every episode of every show."""
        with self.lock:
            return [ep for show in self.shows for ep in show.episodes()]

    def parts(self) -> list[Part]:
        with self.lock:
            return [part for part, _ in self.index().parts.values()]

    def next_rating_key(self) -> int:
        """A ratingKey no item uses yet."""
        with self.lock:
            return max(self.index().nodes, default=0) + 1

    def next_part_id(self) -> int:
        with self.lock:
            return max(self.index().parts, default=0) + 1

    # -- changing -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def edit(self) -> Iterator[StandinLibrary]:
        """Hold the lock for several changes; the server sees them all at once, afterwards.

        On exit the generation moves on and the new model is validated (duplicate ratingKeys
        or part ids, items in a section of the wrong type raise ValueError here, in the test,
        rather than as a 500 in the server). The ``add_*`` helpers undo a rejected addition;
        after a failed ``edit()`` block, undo your own changes.
        """
        with self.lock:
            try:
                yield self
            finally:
                self.generation += 1
            self.index()

    def update(self, target: Item | Part | int, *, touch: bool = True, **changes: Any) -> Any:
        """Set fields on an item (by object or ratingKey) and, like PMS, bump ``updated_at``.

        ``touch=False`` or an explicit ``updated_at=`` leaves the bump out. Returns the item.
        """
        with self.edit():
            item: Any = self.get(target) if isinstance(target, int) else target
            names = {f.name for f in dataclasses.fields(item)}
            unknown = set(changes) - names
            if unknown:
                raise TypeError(f"{type(item).__name__} has no field(s) {sorted(unknown)}")
            for name, value in changes.items():
                setattr(item, name, value)
            if touch and "updated_at" in names and "updated_at" not in changes:
                item.updated_at = max(item.updated_at + 1, int(time.time()))
        return item

    def remove(self, target: Item | int) -> Any:
        """Delete an item (and everything under it); collections forget it too."""
        with self.edit():
            key = target if isinstance(target, int) else target.rating_key
            node = self.index().nodes[key]
            if node.kind == "episode":
                assert node.season is not None
                node.season.episodes.remove(node.item)
            elif node.kind == "season":
                assert node.show is not None
                node.show.seasons.remove(node.item)
            elif node.kind == "show":
                self.shows.remove(node.item)
            elif node.kind == "movie":
                self.movies.remove(node.item)
            else:
                self.collections.remove(node.item)
            for coll in self.collections:
                if key in coll.members:
                    coll.members.remove(key)
        return node.item

    def _append(self, items: list[Any], item: Any) -> None:
        """Append and validate; a rejected item (e.g. a duplicate ratingKey) is taken out again
        so one bad call does not leave the server answering 500."""
        with self.lock:
            items.append(item)
            try:
                with self.edit():
                    pass
            except ValueError:
                items.remove(item)
                self.generation += 1
                raise

    def add_section(self, section: Section) -> Section:
        self._append(self.sections, section)
        return section

    def add_show(self, show: Show) -> Show:
        self._append(self.shows, show)
        return show

    def add_season(self, show: Show | int, season: Season) -> Season:
        parent = self.get(show) if isinstance(show, int) else show
        assert isinstance(parent, Show), f"{show!r} is not a show"
        self._append(parent.seasons, season)
        return season

    def add_episode(self, season: Season | int, episode: Episode) -> Episode:
        parent = self.get(season) if isinstance(season, int) else season
        assert isinstance(parent, Season), f"{season!r} is not a season"
        self._append(parent.episodes, episode)
        return episode

    def add_movie(self, movie: Movie) -> Movie:
        self._append(self.movies, movie)
        return movie

    def add_collection(self, collection: Collection) -> Collection:
        self._append(self.collections, collection)
        return collection


# --------------------------------------------------------------------------------------------
# XML rendering. lxml (a project dependency) escapes &, <, " and newlines in attributes and
# serialises much faster than ElementTree, which shows when a benchmark pages 10 000 episodes.
# --------------------------------------------------------------------------------------------


def _text(value: object) -> str:
    """Attribute text the way PMS writes it: booleans as 0/1."""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _element(name: str, parent: ET._Element | None = None, /, **attrs: object) -> ET._Element:
    """An element whose empty attributes (None, "", ()) are left out, as PMS leaves them out."""
    clean = {k: _text(v) for k, v in attrs.items() if v is not None and v != "" and v != ()}
    return ET.Element(name, clean) if parent is None else ET.SubElement(parent, name, clean)


def _guid(kind: str, rating_key: int) -> str:
    return f"plex://{kind}/5d9c{rating_key:020x}"


def _thumb(rating_key: int, updated_at: int, has: bool, kind: str = "thumb") -> str | None:
    return f"/library/metadata/{rating_key}/{kind}/{updated_at}" if has else None


def _frame_rate_label(fps: float) -> str:
    if abs(fps - 25) < 0.01:
        return "PAL"
    if abs(fps - 29.97) < 0.05 or abs(fps - 30) < 0.01:
        return "NTSC"
    if fps < 24.5:
        return "24p"
    return f"{round(fps)}p"


def _resolution_label(height: int) -> str:
    for limit, label in ((2000, "4k"), (1000, "1080"), (700, "720"), (560, "576"), (470, "480")):
        if height >= limit:
            return label
    return "sd"


def _codec_title(codec: str) -> str:
    return {"h264": "H.264", "hevc": "HEVC", "aac": "AAC", "ac3": "AC3", "mp3": "MP3"}.get(
        codec, codec.upper()
    )


def _file_size(part: Part) -> int | None:
    if part.size is not None:
        return part.size
    try:
        return part.local_path.stat().st_size
    except OSError:
        return None


def _section_attrs(section: Section) -> dict[str, object]:
    return {
        "librarySectionID": section.key,
        "librarySectionKey": f"/library/sections/{section.key}",
        "librarySectionTitle": section.title,
    }


def _tags(el: ET._Element, tag: str, values: Iterable[str]) -> None:
    for value in values:
        _element(tag, el, tag=value)


def _media(el: ET._Element, part: Part, duration: int, updated_at: int, *, streams: bool) -> None:
    """``<Media>`` › ``<Part>`` (› ``<Stream>`` only in full details, as PMS does)."""
    size = _file_size(part)
    bitrate = round(size * 8 / duration) if size and duration else None  # kbit/s
    media = _element(
        "Media",
        el,
        id=part.id,
        duration=duration,
        bitrate=bitrate,
        width=part.width,
        height=part.height,
        aspectRatio=f"{part.width / part.height:.2f}" if part.height else None,
        audioChannels=part.audio_channels if part.audio_codec else None,
        audioCodec=part.audio_codec,
        videoCodec=part.video_codec,
        videoResolution=_resolution_label(part.height),
        container=part.ext,
        videoFrameRate=_frame_rate_label(part.frame_rate),
        videoProfile=part.video_profile,
    )
    part_el = _element(
        "Part",
        media,
        id=part.id,
        key=f"/library/parts/{part.id}/{updated_at}/file.{part.ext}",
        duration=duration,
        file=part.file,
        size=size,
        container=part.ext,
        videoProfile=part.video_profile,
    )
    if not streams:
        return
    _element(
        "Stream",
        part_el,
        id=part.id * 10 + 1,
        streamType=1,
        default=True,
        codec=part.video_codec,
        index=0,
        bitDepth=8,
        chromaSubsampling="4:2:0",
        frameRate=f"{part.frame_rate:.3f}",
        height=part.height,
        width=part.width,
        profile=part.video_profile,
        scanType="progressive",
        displayTitle=f"{part.height}p ({_codec_title(part.video_codec)})",
    )
    if part.audio_codec:
        layout = {1: "mono", 2: "stereo", 6: "5.1"}.get(part.audio_channels)
        label = " ".join(filter(None, [_codec_title(part.audio_codec), (layout or "").title()]))
        _element(
            "Stream",
            part_el,
            id=part.id * 10 + 2,
            streamType=2,
            selected=True,
            default=True,
            codec=part.audio_codec,
            index=1,
            channels=part.audio_channels,
            samplingRate=part.sampling_rate,
            language="English",
            languageCode="eng",
            audioChannelLayout=layout,
            displayTitle=f"English ({label})",
        )


def _show_el(node: _Node, index: _Index, *, detail: bool, guids: bool) -> ET._Element:
    show: Show = node.item
    episodes = show.episodes()
    el = _element(
        "Directory",
        ratingKey=show.rating_key,
        key=f"/library/metadata/{show.rating_key}/children",
        guid=_guid("show", show.rating_key),
        type="show",
        title=show.title,
        titleSort=show.title_sort,
        **_section_attrs(node.section),
        contentRating=show.content_rating,
        studio=show.studio,
        summary=show.summary,
        index=1,
        year=show.year,
        originallyAvailableAt=show.originally_available_at,
        duration=episodes[0].duration if episodes else None,
        thumb=_thumb(show.rating_key, show.updated_at, show.thumb),
        art=_thumb(show.rating_key, show.updated_at, show.art, "art"),
        leafCount=len(episodes),
        viewedLeafCount=0,
        childCount=len(show.seasons),
        addedAt=show.added_at,
        updatedAt=show.updated_at,
    )
    if guids or detail:
        _tags_guid(el, show.guids)
    _tags(el, "Genre", show.genres)
    _tags(el, "Collection", index.collections_of.get(show.rating_key, ()))
    if detail:
        folder = show.folder or f"{node.section.location.rstrip('/')}/{show.title}"
        _element("Location", el, path=folder)
    return el


def _tags_guid(el: ET._Element, ids: Iterable[str]) -> None:
    for value in ids:
        _element("Guid", el, id=value)


def _season_el(node: _Node, *, detail: bool, guids: bool) -> ET._Element:
    season: Season = node.item
    show = node.show
    assert show is not None
    return _element(
        "Directory",
        ratingKey=season.rating_key,
        key=f"/library/metadata/{season.rating_key}/children",
        parentRatingKey=show.rating_key,
        guid=_guid("season", season.rating_key),
        parentGuid=_guid("show", show.rating_key),
        type="season",
        title=season.display_title,
        parentKey=f"/library/metadata/{show.rating_key}",
        parentTitle=show.title,
        **_section_attrs(node.section),
        summary=season.summary,
        index=season.index,
        parentIndex=1,
        year=season.year,
        parentYear=show.year,
        thumb=_thumb(season.rating_key, season.updated_at, season.thumb),
        art=_thumb(show.rating_key, show.updated_at, show.art, "art"),
        parentThumb=_thumb(show.rating_key, show.updated_at, show.thumb),
        leafCount=len(season.episodes),
        viewedLeafCount=0,
        addedAt=season.added_at,
        updatedAt=season.updated_at,
    )


def _episode_el(node: _Node, *, detail: bool, guids: bool) -> ET._Element:
    ep: Episode = node.item
    show, season = node.show, node.season
    assert show is not None and season is not None
    el = _element(
        "Video",
        ratingKey=ep.rating_key,
        key=f"/library/metadata/{ep.rating_key}",
        parentRatingKey=season.rating_key,
        grandparentRatingKey=show.rating_key,
        guid=_guid("episode", ep.rating_key),
        parentGuid=_guid("season", season.rating_key),
        grandparentGuid=_guid("show", show.rating_key),
        type="episode",
        title=ep.title,
        grandparentKey=f"/library/metadata/{show.rating_key}",
        parentKey=f"/library/metadata/{season.rating_key}",
        **_section_attrs(node.section),
        grandparentTitle=show.title,
        parentTitle=season.display_title,
        contentRating=ep.content_rating,
        summary=ep.summary,
        index=ep.index,
        parentIndex=season.index,
        year=ep.year,
        parentYear=season.year,
        thumb=_thumb(ep.rating_key, ep.updated_at, ep.thumb),
        art=_thumb(show.rating_key, show.updated_at, show.art, "art"),
        parentThumb=_thumb(season.rating_key, season.updated_at, season.thumb),
        grandparentThumb=_thumb(show.rating_key, show.updated_at, show.thumb),
        grandparentArt=_thumb(show.rating_key, show.updated_at, show.art, "art"),
        duration=ep.duration,
        originallyAvailableAt=ep.originally_available_at,
        addedAt=ep.added_at,
        updatedAt=ep.updated_at,
    )
    _media(el, ep.part, ep.duration, ep.updated_at, streams=detail)
    if guids or detail:
        _tags_guid(el, ep.guids)
    return el


def _movie_el(node: _Node, index: _Index, *, detail: bool, guids: bool) -> ET._Element:
    movie: Movie = node.item
    el = _element(
        "Video",
        ratingKey=movie.rating_key,
        key=f"/library/metadata/{movie.rating_key}",
        guid=_guid("movie", movie.rating_key),
        type="movie",
        title=movie.title,
        titleSort=movie.title_sort,
        **_section_attrs(node.section),
        contentRating=movie.content_rating,
        studio=movie.studio,
        summary=movie.summary,
        year=movie.year,
        originallyAvailableAt=movie.originally_available_at,
        duration=movie.duration,
        thumb=_thumb(movie.rating_key, movie.updated_at, movie.thumb),
        art=_thumb(movie.rating_key, movie.updated_at, movie.art, "art"),
        addedAt=movie.added_at,
        updatedAt=movie.updated_at,
    )
    _media(el, movie.part, movie.duration, movie.updated_at, streams=detail)
    _tags(el, "Genre", movie.genres)
    _tags(el, "Collection", index.collections_of.get(movie.rating_key, ()))
    if guids or detail:
        _tags_guid(el, movie.guids)
    return el


def _collection_el(node: _Node, index: _Index) -> ET._Element:
    coll: Collection = node.item
    members = index.members(coll)
    years = [m.item.year for m in members if m.item.year]
    return _element(
        "Directory",
        ratingKey=coll.rating_key,
        key=f"/library/collections/{coll.rating_key}/children",
        guid=f"collection://{uuid.uuid5(uuid.NAMESPACE_URL, f'standin-coll-{coll.rating_key}')}",
        type="collection",
        title=coll.title,
        **_section_attrs(node.section),
        subtype=node.section.type,
        summary=coll.summary,
        index=coll.rating_key,
        thumb=_thumb(coll.rating_key, coll.updated_at, coll.thumb),
        childCount=len(members),
        minYear=min(years, default=None),
        maxYear=max(years, default=None),
        addedAt=coll.added_at,
        updatedAt=coll.updated_at,
    )


def _item_el(
    node: _Node, index: _Index, *, detail: bool = False, guids: bool = False
) -> ET._Element:
    if node.kind == "show":
        return _show_el(node, index, detail=detail, guids=guids)
    if node.kind == "season":
        return _season_el(node, detail=detail, guids=guids)
    if node.kind == "episode":
        return _episode_el(node, detail=detail, guids=guids)
    if node.kind == "movie":
        return _movie_el(node, index, detail=detail, guids=guids)
    return _collection_el(node, index)


def _container(**attrs: object) -> ET._Element:
    return _element("MediaContainer", **attrs)


def _library_container(section: Section, **attrs: object) -> ET._Element:
    return _container(
        allowSync=1,
        identifier=_LIBRARY,
        librarySectionID=section.key,
        librarySectionTitle=section.title,
        librarySectionUUID=section.uuid,
        mediaTagPrefix=_MEDIA_TAG_PREFIX,
        mediaTagVersion=UPDATED_AT,
        **attrs,
    )


def _xml_bytes(root: ET._Element) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="UTF-8")


# --------------------------------------------------------------------------------------------
# Artwork: a tiny solid-colour PNG per ratingKey, made with zlib + struct
# --------------------------------------------------------------------------------------------


def png_image(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A valid solid-colour RGB PNG (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    row = b"\x00" + bytes(rgb) * width  # filter type 0 per scanline
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def artwork_colour(rating_key: int, kind: str) -> tuple[int, int, int]:
    """The colour the stand-in paints for that item's thumb/art, so tests can tell them apart."""
    digest = hashlib.sha256(f"{rating_key}/{kind}".encode()).digest()
    return digest[0], digest[1], digest[2]


# --------------------------------------------------------------------------------------------
# Request log
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the stand-in saw it. ``query`` keeps the last value of a repeated key."""

    method: str
    path: str  # percent-decoded, without the query
    query: dict[str, str]
    headers: dict[str, str]
    status: int
    target: str  # the raw request target, exactly as sent (path?query)
    auth: Literal["header", "query", "none", "open"]  # where a valid token came from

    def header(self, name: str) -> str | None:
        """A request header, case-insensitively."""
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)


class RequestLog:
    """A thread-safe, append-only list of :class:`LoggedRequest`; iteration is over a snapshot."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[LoggedRequest] = []

    def append(self, item: LoggedRequest) -> None:
        with self._lock:
            self._items.append(item)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def snapshot(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._items)

    def __iter__(self) -> Iterator[LoggedRequest]:
        return iter(self.snapshot())

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __getitem__(self, index: int) -> LoggedRequest:
        with self._lock:
            return self._items[index]

    def __repr__(self) -> str:
        return f"RequestLog({self.snapshot()!r})"


# --------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------


class _HTTPError(Exception):
    """Ends a request with a PMS-style HTML error page."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status} {reason}")
        self.status = status
        self.reason = reason


@dataclass
class _Reply:
    status: int
    body: bytes = b""
    content_type: str = XML_CONTENT_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    file: tuple[Path, int, int] | None = None  # path, first byte, length (streamed, not loaded)


def _not_found() -> _HTTPError:
    return _HTTPError(404, "Not Found")


def _html_error(status: int, reason: str) -> _Reply:
    body = (
        f"<html><head><title>{reason}</title></head><body><h1>{status} {reason}</h1></body></html>"
    ).encode()
    return _Reply(status, body, "text/html")


@dataclass
class _Fault:
    prefix: str
    status: int
    remaining: int | None


class _Server(ThreadingHTTPServer):
    """Tracks open connections so ``stop()`` can cut keep-alive and streaming clients too."""

    daemon_threads = True
    allow_reuse_address = True
    standin: PlexStandin

    def __init__(self, address: tuple[str, int], standin: PlexStandin) -> None:
        self.standin = standin
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """socketserver would print to stderr; log it, and record real bugs for the test."""
        error = sys.exc_info()[1]
        if isinstance(error, OSError):
            log.debug("connection from %s failed: %s", client_address, error)
        else:
            self.standin._record_error(traceback.format_exc())

    def cut_connections(self) -> None:
        with self.connections_lock:
            open_now = list(self.connections)
        for conn in open_now:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    """Parses, authenticates, logs and dispatches one request to :class:`PlexStandin`."""

    protocol_version = "HTTP/1.1"  # PMS keeps connections alive; every reply has a length
    server_version = "PlexMediaServer"
    timeout = 60  # an idle keep-alive connection gives up its thread after this long
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out as separate writes; without NODELAY, Nagle plus delayed ACKs
        # add ~40 ms to every request on a kept-alive connection (and to benchmark numbers).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def version_string(self) -> str:
        return f"{self.server_version}/{self.server.standin.version}"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        standin = self.server.standin
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)  # keep the connection in step; no endpoint reads a body
        split = urlsplit(self.path)
        path = unquote(split.path).rstrip("/") or "/"
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        headers = {k: v for k, v in self.headers.items()}
        if standin.latency:
            time.sleep(standin.latency)

        auth = standin._authenticate(path, headers, query)
        try:
            if auth == "none":
                reply = _Reply(401, UNAUTHORIZED_BODY, "text/html")
            else:
                reply = standin._fault_for(path) or standin._route(method, path, query, headers)
        except _HTTPError as exc:
            reply = _html_error(exc.status, exc.reason)
        except Exception:  # noqa: BLE001 - a stand-in bug must show up in the test, not hang it
            standin._record_error(traceback.format_exc())
            reply = _html_error(500, "Internal Server Error")

        # Log before answering: the client may check the log as soon as it has the response.
        standin.requests.append(
            LoggedRequest(method, path, query, headers, reply.status, self.path, auth)
        )
        try:
            self._send(method, reply)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            # ffmpeg drops a connection when it seeks elsewhere; that is normal, not an error.
            self.close_connection = True

    def _send(self, method: str, reply: _Reply) -> None:
        self.send_response(reply.status)
        self.send_header("X-Plex-Protocol", "1.0")
        self.send_header("Content-Type", reply.content_type)
        length = reply.file[2] if reply.file else len(reply.body)
        self.send_header("Content-Length", str(length))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if method == "HEAD":
            return
        if reply.file is None:
            self.wfile.write(reply.body)
            return
        path, start, count = reply.file
        with path.open("rb") as source:
            source.seek(start)
            while count > 0:
                chunk = source.read(min(count, 256 * 1024))
                if not chunk:
                    raise ConnectionAbortedError("file shrank while serving it")
                self.wfile.write(chunk)
                count -= len(chunk)


Route = Callable[["PlexStandin", re.Match[str], dict[str, str], dict[str, str]], _Reply]


def _page_bounds(query: dict[str, str], headers: dict[str, str]) -> tuple[int, int | None]:
    """X-Plex-Container-Start/-Size from the headers or else the query (PMS takes both)."""
    lowered = {k.lower(): v for k, v in headers.items()}

    def read(name: str) -> str | None:
        return lowered.get(name.lower(), query.get(name))

    try:
        start = int(read("X-Plex-Container-Start") or 0)
        size_text = read("X-Plex-Container-Size")
        size = None if size_text in (None, "") else int(size_text)
    except ValueError:
        raise _HTTPError(400, "Bad Request") from None
    if start < 0 or (size is not None and size < 0):
        raise _HTTPError(400, "Bad Request")
    return start, size


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """``bytes=a-``, ``bytes=a-b`` or ``bytes=-n`` → (first, last). None: serve it all.

    Raises 416 when the range starts past the end, like PMS (and RFC 9110).
    """
    match = re.fullmatch(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", header)
    if not match or match.group(1) == match.group(2) == "":
        return None  # multiple or malformed ranges: ignoring Range is allowed
    first_text, last_text = match.groups()
    if first_text == "":
        suffix = int(last_text)
        if suffix == 0:
            raise _HTTPError(416, "Requested Range Not Satisfiable")
        return max(0, size - suffix), size - 1
    first = int(first_text)
    last = min(int(last_text), size - 1) if last_text else size - 1
    if first >= size or first > last:
        raise _HTTPError(416, "Requested Range Not Satisfiable")
    return first, last


def _sort_nodes(nodes: list[_Node], sort: str) -> list[_Node]:
    """Apply ``sort=field[:asc|desc],...`` for the common fields; unknown fields are ignored."""
    getters: dict[str, Callable[[_Node], Any]] = {
        "titlesort": lambda n: _sort_title(n.item),
        "title": lambda n: n.item.title.casefold(),
        "addedat": lambda n: n.item.added_at,
        "updatedat": lambda n: n.item.updated_at,
        "year": lambda n: getattr(n.item, "year", None) or 0,
        "originallyavailableat": lambda n: getattr(n.item, "originally_available_at", ""),
        "index": lambda n: getattr(n.item, "index", 0),
        "duration": lambda n: getattr(n.item, "duration", 0),
        "random": lambda n: hashlib.md5(str(n.item.rating_key).encode()).digest(),
    }
    for clause in reversed([c for c in sort.split(",") if c.strip()]):
        name, _, direction = clause.strip().partition(":")
        getter = getters.get(name.rpartition(".")[2].lower())
        if getter is not None:
            nodes = sorted(nodes, key=getter, reverse=direction.lower() == "desc")
    return nodes


class PlexStandin:
    """A PMS stand-in on 127.0.0.1, serving a :class:`StandinLibrary` (see the module doc).

    Use it as a context manager, or ``start()``/``stop()``. ``stop()`` closes the listening
    socket and cuts open connections ("Plex is down"); ``start()`` binds the same port again.
    Set ``token`` to simulate a revoked token (None: no authentication at all). Knobs:
    ``latency`` (seconds slept per request), ``omit_total_size`` (leave ``totalSize`` out of
    paged lists: plexapi then silently stops at 100 items), ``require_container_size`` (answer
    400 to list requests without X-Plex-Container-Size, as newer PMS builds threaten to).
    """

    def __init__(
        self,
        library: StandinLibrary | None = None,
        *,
        token: str | None = STANDIN_TOKEN,
        port: int = 0,
        dvrs: Sequence[StandinDvr] = (),
        friendly_name: str = "standin-pms",
        machine_identifier: str = MACHINE_IDENTIFIER,
        version: str = PMS_VERSION,
        latency: float = 0.0,
        omit_total_size: bool = False,
        require_container_size: bool = False,
    ) -> None:
        self.library = library if library is not None else StandinLibrary()
        self.token = token
        self.friendly_name = friendly_name
        self.machine_identifier = machine_identifier
        self.version = version
        self.latency = latency
        self.omit_total_size = omit_total_size
        self.require_container_size = require_container_size
        self.requests = RequestLog()
        self._lock = threading.Lock()
        self._dvrs: list[StandinDvr] = []
        self._reloaded: list[int] = []
        self._errors: list[str] = []
        self._faults: list[_Fault] = []
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        for dvr in dvrs:
            self.add_dvr(dvr)

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Bind 127.0.0.1 (the same port as last time, if any) and serve in a daemon thread."""
        if self._server is not None:
            return
        server = _Server(("127.0.0.1", self._port), self)
        self._port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"plex-standin-{self._port}",
            daemon=True,
        )
        self._thread.start()
        log.debug("plex stand-in listening on %s", self.url)

    def stop(self) -> None:
        """Close the listening socket and every open connection ("connection refused")."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._server = self._thread = None
        server.shutdown()
        server.server_close()
        server.cut_connections()
        if thread is not None:
            thread.join(timeout=5)
        log.debug("plex stand-in on port %s stopped", self._port)

    @contextlib.contextmanager
    def down(self) -> Iterator[None]:
        """``with standin.down():`` Plex is unreachable inside the block and back afterwards."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("the stand-in has not been started yet")
        return self._port

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (still the old port while stopped, so clients get refused)."""
        return f"http://127.0.0.1:{self.port}"

    def part_url(self, part: Part | int, *, include_token: bool = False) -> str:
        """The URL of a part's bytes, built like plexapi's ``url(part.key)``."""
        part_id = part if isinstance(part, int) else part.id
        with self.library.lock:
            found, node = self.library.index().parts[part_id]
            key = f"/library/parts/{found.id}/{node.item.updated_at}/file.{found.ext}"
        suffix = f"?X-Plex-Token={self.token}" if include_token and self.token else ""
        return f"{self.url}{key}{suffix}"

    # -- log and knobs --------------------------------------------------------------------------

    def clear_log(self) -> None:
        self.requests.clear()

    def request_count(self, prefix: str | None = None) -> int:
        """How many requests were logged (whose path starts with ``prefix``, if given)."""
        return sum(1 for r in self.requests if prefix is None or r.path.startswith(prefix))

    def requests_with_token_in_url(self) -> list[LoggedRequest]:
        """Requests whose URL carried a token: an ``X-Plex-Token`` parameter, or the current
        token's value anywhere in the (decoded) target. These are the leaks to assert against."""
        found = []
        for r in self.requests:
            decoded = unquote(r.target)
            if any(k.lower() == "x-plex-token" for k in r.query) or (
                self.token and (self.token in r.target or self.token in decoded)
            ):
                found.append(r)
        return found

    def requests_without_header_token(self) -> list[LoggedRequest]:
        """Requests that did not send the token in the ``X-Plex-Token`` header (query-string
        tokens and unauthenticated requests). ``/identity`` needs no token and is skipped."""
        return [r for r in self.requests if r.path != "/identity" and r.auth != "header"]

    @property
    def errors(self) -> list[str]:
        """Tracebacks of exceptions raised while answering (each answered 500)."""
        with self._lock:
            return list(self._errors)

    def add_fault(self, prefix: str, status: int = 500, times: int | None = 1) -> None:
        """Answer the next ``times`` authenticated requests under ``prefix`` with ``status``
        (None: until ``clear_faults()``). Simulates a PMS having a bad moment."""
        with self._lock:
            self._faults.append(_Fault(prefix, status, times))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # -- Live TV --------------------------------------------------------------------------------

    def add_dvr(self, dvr: StandinDvr) -> StandinDvr:
        """Register a DVR for ``/livetv/dvrs``; devices without a key get one."""
        with self._lock:
            used = {d.key for other in self._dvrs for d in other.devices if d.key is not None}
            for device in dvr.devices:
                if device.key is None:
                    device.key = max(used | {99}) + 1
                used.add(device.key)
            self._dvrs.append(dvr)
        return dvr

    @property
    def dvrs(self) -> list[StandinDvr]:
        with self._lock:
            return list(self._dvrs)

    def remove_dvr(self, key: int) -> None:
        with self._lock:
            self._dvrs = [d for d in self._dvrs if d.key != key]

    @property
    def reloaded_dvrs(self) -> list[int]:
        """DVR keys that got ``POST /livetv/dvrs/{key}/reloadGuide``, in order."""
        with self._lock:
            return list(self._reloaded)

    # -- request handling (called from server threads) ------------------------------------------

    def _record_error(self, text: str) -> None:
        log.error("plex stand-in failed to answer:\n%s", text)
        with self._lock:
            self._errors.append(text)

    def _authenticate(
        self, path: str, headers: dict[str, str], query: dict[str, str]
    ) -> Literal["header", "query", "none", "open"]:
        token = self.token
        if token is None or path == "/identity":
            return "open"
        header = next((v for k, v in headers.items() if k.lower() == "x-plex-token"), None)
        if header == token:
            return "header"
        if query.get("X-Plex-Token") == token:
            return "query"
        return "none"

    def _fault_for(self, path: str) -> _Reply | None:
        with self._lock:
            for fault in self._faults:
                if path.startswith(fault.prefix):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self._faults.remove(fault)
                    return _html_error(fault.status, "Injected Fault")
        return None

    def _route(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str]
    ) -> _Reply:
        for methods, pattern, handler in _ROUTES:
            match = pattern.fullmatch(path)
            if match and method in methods:
                return handler(self, match, query, headers)
        raise _not_found()

    def _paged(
        self,
        container: ET._Element,
        items: Sequence[Any],
        render: Callable[[Any], ET._Element],
        query: dict[str, str],
        headers: dict[str, str],
    ) -> _Reply:
        """Fill a list container with one page of ``items``; size/totalSize/offset always."""
        start, size = _page_bounds(query, headers)
        if size is None and self.require_container_size:
            raise _HTTPError(400, "Bad Request")
        limit = query.get("limit")
        if limit and limit.isdigit():
            items = items[: int(limit)]
        page = items[start:] if size is None else items[start : start + size]
        for item in page:
            container.append(render(item))
        container.set("size", str(len(page)))
        if not self.omit_total_size:
            container.set("totalSize", str(len(items)))
        container.set("offset", str(start))
        return _Reply(200, _xml_bytes(container))

    # -- endpoints ------------------------------------------------------------------------------

    def _root(self, match: re.Match[str], query: dict[str, str], headers: dict[str, str]) -> _Reply:
        root = _container(
            size=3,
            allowCameraUpload=0,
            allowChannelAccess=1,
            allowSharing=1,
            allowSync=1,
            allowTuners=1,
            friendlyName=self.friendly_name,
            livetv=7,
            machineIdentifier=self.machine_identifier,
            multiuser=1,
            myPlex=1,
            myPlexMappingState="mapped",
            myPlexSigninState="ok",
            myPlexSubscription=1,
            myPlexUsername="owner@example.com",
            ownerFeatures="dvr,livetv,pass",
            platform="Linux",
            platformVersion="6.1",
            transcoderActiveVideoSessions=0,
            transcoderAudio=1,
            transcoderVideo=1,
            updatedAt=UPDATED_AT,
            version=self.version,
        )
        for key in ("library", "livetv", "transcode"):
            _element("Directory", root, count=1, key=key, title=key)
        return _Reply(200, _xml_bytes(root))

    def _identity(
        self, match: re.Match[str], query: dict[str, str], headers: dict[str, str]
    ) -> _Reply:
        root = _container(
            size=0, claimed=1, machineIdentifier=self.machine_identifier, version=self.version
        )
        return _Reply(200, _xml_bytes(root))

    def _library(
        self, match: re.Match[str], query: dict[str, str], headers: dict[str, str]
    ) -> _Reply:
        root = _container(
            size=3,
            allowSync=0,
            art="/:/resources/library-art.jpg",
            content=1,
            identifier=_LIBRARY,
            mediaTagPrefix=_MEDIA_TAG_PREFIX,
            mediaTagVersion=UPDATED_AT,
            title1="Plex Library",
        )
        _element("Directory", root, key="sections", title="Library Sections")
        _element("Directory", root, key="recentlyAdded", title="Recently Added Content")
        _element("Directory", root, key="onDeck", title="On Deck Content")
        return _Reply(200, _xml_bytes(root))

    def _sections(
        self, match: re.Match[str], query: dict[str, str], headers: dict[str, str]
    ) -> _Reply:
        with self.library.lock:
            sections = sorted(self.library.index().sections.values(), key=lambda s: s.key)
            root = _container(
                size=len(sections),
                allowSync=0,
                identifier=_LIBRARY,
                mediaTagPrefix=_MEDIA_TAG_PREFIX,
                mediaTagVersion=UPDATED_AT,
                title1="Plex Library",
            )
            for s in sections:
                agent, scanner = (
                    ("tv.plex.agents.series", "Plex TV Series")
                    if s.type == "show"
                    else ("tv.plex.agents.movie", "Plex Movie")
                )
                el = _element(
                    "Directory",
                    root,
                    allowSync=1,
                    art=f"/:/resources/{s.type}-fanart.jpg",
                    composite=f"/library/sections/{s.key}/composite/{s.updated_at}",
                    filters=1,
                    refreshing=0,
                    thumb=f"/:/resources/{s.type}.png",
                    key=s.key,
                    type=s.type,
                    title=s.title,
                    agent=agent,
                    scanner=scanner,
                    language=s.language,
                    uuid=s.uuid,
                    updatedAt=s.updated_at,
                    createdAt=ADDED_AT,
                    scannedAt=s.updated_at,
                    content=1,
                    directory=1,
                    hidden=0,
                )
                _element("Location", el, id=s.key, path=s.location)
        return _Reply(200, _xml_bytes(root))

    def _section_all(
        self,
        match: re.Match[str],
        query: dict[str, str],
        headers: dict[str, str],
        *,
        kind: str | None = None,
    ) -> _Reply:
        with self.library.lock:
            index = self.library.index()
            section = index.sections.get(int(match["section"]))
            if section is None:
                raise _not_found()
            if kind is None:
                type_text = query.get("type", "")
                by_number = _TYPE_NAMES.get(int(type_text)) if type_text.isdigit() else None
                kind = by_number or section.type
            allowed = {
                "show": ("show", "season", "episode", "collection"),
                "movie": ("movie", "collection"),
            }[section.type]
            nodes = index.listing(section.key, kind) if kind in allowed else []
            title = query.get("title", "").casefold()
            if title:
                nodes = [n for n in nodes if title in n.item.title.casefold()]
            if query.get("sort"):
                nodes = _sort_nodes(list(nodes), query["sort"])
            guids = query.get("includeGuids") == "1"
            container = _library_container(
                section,
                art=f"/:/resources/{section.type}-fanart.jpg",
                nocache=1,
                thumb=f"/:/resources/{section.type}.png",
                title1=section.title,
                title2="All " + kind.title() + "s",
                viewGroup=kind,
            )
            return self._paged(
                container, nodes, lambda n: _item_el(n, index, guids=guids), query, headers
            )

    def _section_collections(
        self, match: re.Match[str], query: dict[str, str], headers: dict[str, str]
    ) -> _Reply:
        return self._section_all(match, query, headers, kind="collection")

    def _node(self, rating_key: str) -> _Node:
        node = self.library.index().nodes.get(int(rating_key))
        if node is None:
            raise _not_found()
        return node

    def _metadata(
        self, match: re.Match[str], query: dict[str, str], headers: dict[str, str]
    ) -> _Reply:
        """Full details (Streams, Location, Guids) for one or more comma-separated ratingKeys."""
        with self.library.lock:
            index = self.library.index()
            keys = [k for k in match["keys"].split(",") if k]
            nodes = [index.nodes[int(k)] for k in keys if int(k) in index.nodes]
            if not nodes:
                raise _not_found()
            root = _library_container(nodes[0].section, size=len(nodes))
            for node in nodes:
                root.append(_item_el(node, index, detail=True, guids=True))
        return _Reply(200, _xml_bytes(root))

    def _children(
        self, match: re.Match[str], query: dict[str, str], headers: dict[str, str]
    ) -> _Reply:
        with self.library.lock:
            index = self.library.index()
            node = self._node(match["key"])
            guids = query.get("includeGuids") == "1"
            item = node.item
            if node.kind == "show":
                container = _library_container(
                    node.section,
                    key=item.rating_key,
                    nocache=1,
                    parentIndex=1,
                    parentTitle=item.title,
                    parentYear=item.year,
                    summary=item.summary,
                    art=_thumb(item.rating_key, item.updated_at, item.art, "art"),
                    thumb=_thumb(item.rating_key, item.updated_at, item.thumb),
                    title1=node.section.title,
                    title2=item.title,
                    viewGroup="season",
                )
                children: list[_Node | None] = [
                    index.nodes[s.rating_key] for s in _by_index(item.seasons)
                ]
                if query.get("excludeAllLeaves") != "1":
                    children.insert(0, None)  # PMS's pseudo "All episodes" entry
                all_leaves = _element(
                    "Directory",
                    leafCount=len(item.episodes()),
                    viewedLeafCount=0,
                    thumb=_thumb(item.rating_key, item.updated_at, item.thumb),
                    key=f"/library/metadata/{item.rating_key}/allLeaves",
                    title="All episodes",
                )

                def render(child: _Node | None) -> ET._Element:
                    return all_leaves if child is None else _item_el(child, index, guids=guids)

                return self._paged(container, children, render, query, headers)
            if node.kind == "season":
                assert node.show is not None
                container = _library_container(
                    node.section,
                    key=item.rating_key,
                    nocache=1,
                    parentIndex=item.index,
                    parentTitle=item.display_title,
                    grandparentTitle=node.show.title,
                    grandparentRatingKey=node.show.rating_key,
                    title1=node.show.title,
                    title2=item.display_title,
                    viewGroup="episode",
                )
                episodes = [index.nodes[e.rating_key] for e in _by_index(item.episodes)]
                return self._paged(
                    container, episodes, lambda n: _item_el(n, index, guids=guids), query, headers
                )
            if node.kind == "collection":
                return self._collection_children(node, index, query, headers)
            return self._paged(
                _library_container(node.section, key=item.rating_key),
                [],
                lambda n: n,
                query,
                headers,
            )

    def _all_leaves(
        self, match: re.Match[str], query: dict[str, str], headers: dict[str, str]
    ) -> _Reply:
        with self.library.lock:
            index = self.library.index()
            node = self._node(match["key"])
            if node.kind == "show":
                episodes = node.item.episodes()
                show = node.item
            elif node.kind == "season":
                episodes = _by_index(node.item.episodes)
                show = node.show
            else:
                raise _not_found()
            assert show is not None
            container = _library_container(
                node.section,
                key=node.item.rating_key,
                mixedParents=1,
                nocache=1,
                parentTitle=show.title,
                title1=node.section.title,
                title2=show.title,
                viewGroup="episode",
            )
            guids = query.get("includeGuids") == "1"
            return self._paged(
                container,
                [index.nodes[e.rating_key] for e in episodes],
                lambda n: _item_el(n, index, guids=guids),
                query,
                headers,
            )

    def _collection(
        self, match: re.Match[str], query: dict[str, str], headers: dict[str, str]
    ) -> _Reply:
        with self.library.lock:
            index = self.library.index()
            node = self._node(match["key"])
            if node.kind != "collection":
                raise _not_found()
            root = _library_container(node.section, size=1)
            root.append(_item_el(node, index, detail=True))
        return _Reply(200, _xml_bytes(root))

    def _collection_items(
        self, match: re.Match[str], query: dict[str, str], headers: dict[str, str]
    ) -> _Reply:
        with self.library.lock:
            index = self.library.index()
            node = self._node(match["key"])
            if node.kind != "collection":
                raise _not_found()
            return self._collection_children(node, index, query, headers)

    def _collection_children(
        self, node: _Node, index: _Index, query: dict[str, str], headers: dict[str, str]
    ) -> _Reply:
        coll: Collection = node.item
        container = _library_container(
            node.section,
            key=coll.rating_key,
            nocache=1,
            title1=node.section.title,
            title2=coll.title,
            viewGroup=node.section.type,
        )
        guids = query.get("includeGuids") == "1"
        return self._paged(
            container,
            index.members(coll),
            lambda n: _item_el(n, index, guids=guids),
            query,
            headers,
        )

    def _artwork(
        self, match: re.Match[str], query: dict[str, str], headers: dict[str, str]
    ) -> _Reply:
        kind = match["kind"]
        with self.library.lock:
            item = self._node(match["key"]).item
            if not getattr(item, kind, False):
                raise _not_found()
        width, height = (20, 30) if kind == "thumb" else (32, 18)
        body = png_image(width, height, artwork_colour(item.rating_key, kind))
        return _Reply(200, body, "image/png")

    def _part(self, match: re.Match[str], query: dict[str, str], headers: dict[str, str]) -> _Reply:
        """The part's local file, with Range support (ffmpeg seeks with new ranges)."""
        with self.library.lock:
            found = self.library.index().parts.get(int(match["part"]))
            if found is None:
                raise _not_found()
            part = found[0]
            path = Path(part.local_path)
        try:
            size = path.stat().st_size
        except OSError:
            raise _not_found() from None
        content_type = (
            _CONTAINER_TYPES.get(part.ext)
            or mimetypes.guess_type(path.name)[0]
            or "application/octet-stream"
        )
        extra = {
            "Accept-Ranges": "bytes",
            "Last-Modified": email.utils.formatdate(path.stat().st_mtime, usegmt=True),
        }
        if query.get("download") == "1":
            extra["Content-Disposition"] = f'attachment; filename="{Path(part.file).name}"'
        range_header = next((v for k, v in headers.items() if k.lower() == "range"), None)
        try:
            bounds = _parse_range(range_header, size) if range_header else None
        except _HTTPError:
            return _Reply(416, b"", "text/html", {"Content-Range": f"bytes */{size}"})
        if bounds is None:
            return _Reply(200, content_type=content_type, headers=extra, file=(path, 0, size))
        first, last = bounds
        extra["Content-Range"] = f"bytes {first}-{last}/{size}"
        return _Reply(
            206, content_type=content_type, headers=extra, file=(path, first, last - first + 1)
        )

    def _livetv_dvrs(
        self, match: re.Match[str], query: dict[str, str], headers: dict[str, str]
    ) -> _Reply:
        wanted = match["key"]
        dvrs = [d for d in self.dvrs if wanted is None or str(d.key) == wanted]
        if wanted is not None and not dvrs:
            raise _not_found()
        root = _container(size=len(dvrs))
        for dvr in dvrs:
            dvr_el = _element(
                "Dvr",
                root,
                key=dvr.key,
                uuid=dvr.uuid,
                language=dvr.language,
                lineupTitle=dvr.title,
                lineup=dvr.lineup,
                country="usa",
                refreshedAt=dvr.refreshed_at,
                epgIdentifier=dvr.epg_identifier,
            )
            for device in dvr.devices:
                self._device_el(dvr_el, device, parent=dvr.key)
            _element("Lineup", dvr_el, id=dvr.lineup, title=dvr.title)
        return _Reply(200, _xml_bytes(root))

    @staticmethod
    def _device_el(parent_el: ET._Element, device: StandinDevice, parent: int | None) -> None:
        el = _element(
            "Device",
            parent_el,
            parentID=parent,
            key=device.key,
            uuid=device.uuid,
            uri=device.uri,
            protocol="livetv",
            status=device.status,
            state=device.state,
            lastSeenAt=device.last_seen_at,
            canTranscode=0,
            deviceId=device.device_id,
            make=device.make,
            model=device.model,
            modelNumber=device.model_number,
            source="Cable",
            sources="Cable",
            thumb="",
            title=device.title or device.model,
            tuners=device.tuners,
        )
        for number in device.channels:
            _element(
                "ChannelMapping",
                el,
                channelKey=f"{device.device_id}-{number}",
                deviceIdentifier=number,
                enabled=1,
                lineupIdentifier=number,
            )

    def _grabber_devices(
        self, match: re.Match[str], query: dict[str, str], headers: dict[str, str]
    ) -> _Reply:
        devices = [(dvr.key, d) for dvr in self.dvrs for d in dvr.devices]
        root = _container(size=len(devices))
        for parent, device in devices:
            self._device_el(root, device, parent)
        return _Reply(200, _xml_bytes(root))

    def _reload_guide(
        self, match: re.Match[str], query: dict[str, str], headers: dict[str, str]
    ) -> _Reply:
        key = int(match["key"])
        with self._lock:
            if not any(d.key == key for d in self._dvrs):
                raise _not_found()
            self._reloaded.append(key)
        return _Reply(200)


_GET = frozenset({"GET", "HEAD"})
_ROUTES: list[tuple[frozenset[str], re.Pattern[str], Callable[..., _Reply]]] = [
    (_GET, re.compile(r"/"), PlexStandin._root),
    (_GET, re.compile(r"/identity"), PlexStandin._identity),
    (_GET, re.compile(r"/library"), PlexStandin._library),
    (_GET, re.compile(r"/library/sections"), PlexStandin._sections),
    (_GET, re.compile(r"/library/sections/(?P<section>\d+)/all"), PlexStandin._section_all),
    (
        _GET,
        re.compile(r"/library/sections/(?P<section>\d+)/collections"),
        PlexStandin._section_collections,
    ),
    (_GET, re.compile(r"/library/metadata/(?P<keys>\d+(?:,\d+)*)"), PlexStandin._metadata),
    (_GET, re.compile(r"/library/metadata/(?P<key>\d+)/children"), PlexStandin._children),
    (_GET, re.compile(r"/library/metadata/(?P<key>\d+)/allLeaves"), PlexStandin._all_leaves),
    (
        _GET,
        re.compile(r"/library/metadata/(?P<key>\d+)/(?P<kind>thumb|art)(?:/\d+)?"),
        PlexStandin._artwork,
    ),
    (_GET, re.compile(r"/library/collections/(?P<key>\d+)"), PlexStandin._collection),
    (
        _GET,
        re.compile(r"/library/collections/(?P<key>\d+)/children"),
        PlexStandin._collection_items,
    ),
    (
        _GET,
        re.compile(r"/library/collections/(?P<key>\d+)/(?P<kind>thumb|art)(?:/\d+)?"),
        PlexStandin._artwork,
    ),
    (_GET, re.compile(r"/library/parts/(?P<part>\d+)(?:/.*)?"), PlexStandin._part),
    (_GET, re.compile(r"/livetv/dvrs(?:/(?P<key>\d+))?"), PlexStandin._livetv_dvrs),
    (_GET, re.compile(r"/media/grabbers/devices"), PlexStandin._grabber_devices),
    (
        frozenset({"POST"}),
        re.compile(r"/livetv/dvrs/(?P<key>\d+)/reloadGuide"),
        PlexStandin._reload_guide,
    ),
]


# --------------------------------------------------------------------------------------------
# Builders
# --------------------------------------------------------------------------------------------


class BuiltLibrary(NamedTuple):
    """What the ``plex_library`` fixture returns: the model and the folder its clips live in.

    PMS reports files under ``/data``; ``{"/data": str(root)}`` maps them to local files.
    """

    library: StandinLibrary
    root: Path


# (title, tone) per episode; each episode gets its own tone so tests can tell what played.
_CHEERS = {
    1: [("Give Me a Ring Sometime", 440), ("Sams Women", 494), ("The Tortelli Tort", 523)],
    2: [("Power Play", 587), ("Little Sister Don't Cha", 659)],
}
_TAXI = {1: [("Like Father, Like Daughter", 698), ("Blind Date", 784)]}


def build_library(make_clip: Callable[..., Path], root: Path) -> StandinLibrary:
    """A small, realistic library of REAL clips under ``root`` (see :class:`BuiltLibrary`).

    * section 1 "Movies" (``/data/Movies``): "Airplane!" (summary with ``&``, ``<`` and quotes)
      and "Top Secret!" (an .mkv with no summary, content rating or studio: missing attributes);
    * section 2 "TV Shows" (``/data/TV Shows``): "Cheers" (ratingKey 100; seasons 101, 102;
      episodes 1001-1003, 1004-1005; .mp4, 3 s) and "Taxi" (110; season 111; episodes
      1101-1102; .mkv, no show thumb);
    * collections "Sitcoms" (300: both shows) and "Comedies" (301: both movies).

    Part ids: Cheers 3001-3005, Taxi 3101-3102, movies 3201-3202. Each clip has its own
    ``tone_hz`` (also on ``Part.tone_hz``).
    """
    lib = StandinLibrary()
    lib.sections += [
        Section(key=1, title="Movies", type="movie", location=f"{PMS_ROOT}/Movies"),
        Section(key=2, title="TV Shows", type="show", location=f"{PMS_ROOT}/TV Shows"),
    ]

    def clip(rel: str, duration: float, tone: int, part_id: int, label: str) -> Part:
        local = make_clip(root / rel, duration=duration, tone_hz=tone, title=label)
        return Part(id=part_id, file=f"{PMS_ROOT}/{rel}", local_path=local, tone_hz=tone)

    def show(
        key: int,
        title: str,
        seasons: dict[int, list[tuple[str, int]]],
        ext: str,
        part_id: int,
        aired: Iterator[str],
        **fields: Any,
    ) -> Show:
        """Show ``key`` has seasons ``key + n`` and episodes ``key * 10 + 1`` onwards."""
        built = Show(rating_key=key, title=title, section_key=2, **fields)
        ep_key = key * 10 + 1
        for season_no, episodes in seasons.items():
            season = Season(
                rating_key=key + season_no,
                index=season_no,
                year=built.year + season_no - 1 if built.year else None,
            )
            for number, (ep_title, tone) in enumerate(episodes, start=1):
                rel = (
                    f"TV Shows/{title}/Season {season_no:02d}/"
                    f"{title} - S{season_no:02d}E{number:02d}.{ext}"
                )
                part = clip(rel, 3.0, tone, part_id, f"{title} {season_no}x{number:02d}")
                day = next(aired)
                season.episodes.append(
                    Episode(
                        rating_key=ep_key,
                        index=number,
                        title=ep_title,
                        part=part,
                        duration=3000,
                        summary=f"{title} season {season_no}, episode {number}: {ep_title}.",
                        originally_available_at=day,
                        year=int(day[:4]),
                        content_rating=built.content_rating,
                        guids=(f"tvdb://{ep_key + 50000}",),
                    )
                )
                ep_key += 1
                part_id += 1
            built.seasons.append(season)
        return built

    lib.shows.append(
        show(
            100,
            "Cheers",
            _CHEERS,
            "mp4",
            3001,
            iter(["1982-09-30", "1982-10-07", "1982-10-14", "1983-09-29", "1983-10-06"]),
            year=1982,
            summary="Sam Malone runs a Boston bar where everybody knows your name.",
            content_rating="TV-PG",
            studio="NBC",
            genres=("Comedy", "Sitcom"),
            originally_available_at="1982-09-30",
            guids=("tvdb://77623",),
        )
    )
    lib.shows.append(
        show(
            110,
            "Taxi",
            _TAXI,
            "mkv",
            3101,
            iter(["1978-09-12", "1978-09-19"]),
            year=1978,
            summary="Cabbies at New York's Sunshine Cab Company.",
            content_rating="TV-PG",
            studio="ABC",
            genres=("Comedy",),
            originally_available_at="1978-09-12",
            thumb=False,
        )
    )

    airplane = clip("Movies/Airplane! (1980)/Airplane! (1980).mp4", 4.0, 330, 3201, "Airplane!")
    top_secret = clip(
        "Movies/Top Secret! (1984)/Top Secret! (1984).mkv", 4.0, 880, 3202, "Top Secret!"
    )
    lib.movies += [
        Movie(
            rating_key=200,
            title="Airplane!",
            section_key=1,
            part=airplane,
            duration=4000,
            year=1980,
            summary='A pilot & a "disaster" <comedy>: surely you can\'t be serious.',
            content_rating="PG",
            studio="Paramount",
            genres=("Comedy", "Parody"),
            originally_available_at="1980-07-02",
            guids=("imdb://tt0080339",),
        ),
        Movie(
            rating_key=201,
            title="Top Secret!",
            section_key=1,
            part=top_secret,
            duration=4000,
            year=1984,
            genres=("Comedy",),
            originally_available_at="1984-06-08",
            art=False,
        ),
    ]
    lib.collections += [
        Collection(rating_key=300, title="Sitcoms", section_key=2, members=[100, 110]),
        Collection(
            rating_key=301,
            title="Comedies",
            section_key=1,
            members=[200, 201],
            summary="Zucker, Abrahams & Zucker.",
        ),
    ]
    with lib.edit():  # validate
        pass
    return lib


def build_big_library(
    clip: Path,
    shows: int,
    episodes_per_show: int,
    movies: int,
    *,
    episodes_per_season: int = 10,
    duration_ms: int = 3000,
) -> StandinLibrary:
    """Thousands of items that all play the same ``clip``, for paging tests and benchmarks.

    Titles sort in creation order ("Show 00001", "Movie 00001"); seasons hold up to
    ``episodes_per_season`` episodes. ratingKeys and part ids count up from 1 and 1 000 000.
    A collection per non-empty section (every 10th item) exercises collection paging.
    """
    lib = StandinLibrary()
    ext = clip.suffix.lstrip(".") or "mp4"
    lib.sections += [
        Section(key=1, title="Movies", type="movie", location=f"{PMS_ROOT}/Movies"),
        Section(key=2, title="TV Shows", type="show", location=f"{PMS_ROOT}/TV Shows"),
    ]
    next_key = itertools.count(1).__next__
    next_part = itertools.count(1_000_000).__next__
    for s in range(1, shows + 1):
        title = f"Show {s:05d}"
        show = Show(
            rating_key=next_key(),
            title=title,
            section_key=2,
            year=1970 + s % 50,
            summary=f"Generated show {s}.",
            content_rating="TV-PG",
            genres=("Comedy",),
        )
        season = None
        for e in range(episodes_per_show):
            if e % episodes_per_season == 0:
                season = Season(rating_key=next_key(), index=e // episodes_per_season + 1)
                show.seasons.append(season)
            assert season is not None
            number = e % episodes_per_season + 1
            code = f"S{season.index:02d}E{number:02d}"
            rel = f"TV Shows/{title}/Season {season.index:02d}/{title} - {code}.{ext}"
            season.episodes.append(
                Episode(
                    rating_key=next_key(),
                    index=number,
                    title=f"{title} Episode {e + 1}",
                    part=Part(id=next_part(), file=f"{PMS_ROOT}/{rel}", local_path=clip),
                    duration=duration_ms,
                    originally_available_at="1990-01-01",
                    year=1990,
                )
            )
        lib.shows.append(show)
    for m in range(1, movies + 1):
        title = f"Movie {m:05d}"
        rel = f"Movies/{title}/{title}.{ext}"
        lib.movies.append(
            Movie(
                rating_key=next_key(),
                title=title,
                section_key=1,
                duration=duration_ms,
                part=Part(id=next_part(), file=f"{PMS_ROOT}/{rel}", local_path=clip),
                year=1950 + m % 70,
                genres=("Drama",),
            )
        )
    if lib.shows:
        lib.collections.append(
            Collection(
                rating_key=next_key(),
                title="Every Tenth Show",
                section_key=2,
                members=[s.rating_key for s in lib.shows[::10]],
            )
        )
    if lib.movies:
        lib.collections.append(
            Collection(
                rating_key=next_key(),
                title="Every Tenth Movie",
                section_key=1,
                members=[m.rating_key for m in lib.movies[::10]],
            )
        )
    return lib

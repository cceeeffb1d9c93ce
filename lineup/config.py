"""The TOML config file: library folders, data dir, guide horizon and hand-made channels.

Everything is validated at load, so a typo stops start-up with ``retrovue.toml:12: …`` instead of
surfacing hours later as an empty channel. Example::

    media = ["/srv/tv", "/srv/movies", "commercials"]   # relative to this file's folder
    data_dir = "state"                                   # optional
    horizon_hours = 72

    [[channel]]
    number = 3
    name = "Must See TV"
    shows = ["Cheers", "Frasier"]
    order = "shuffle"
    seed = 7
    logo = "logos/nbc.png"
    mode = "transcode"            # or "copy" / "auto"
    group = "Sitcoms"
    breaks = "chapters"           # mid-roll breaks at chapter marks, else at the natural
                                  # breaks found at scan; "detected": only those; "none"
    breaks_per_half_hour = 2      # at most this many per 30 minutes of programme (0-6)
    break_seconds = 120           # filler seconds in each mid-roll break (0: no mid-rolls)
    up_next = true                # an "up next" card ends each break between programmes

    [channel.filler]
    items = 3                     # or: seconds = 120
    pad_minutes = 30              # start programmes on :00 and :30
    folders = ["commercials/80s"] # default: every filler item
    kinds = ["commercials", "bumpers", "ids", "filler"]  # roles used; default: all present
    bumpers = ["bumpers/nbc"]     # a role's own folders (also: commercials, ids); default:
                                  # the filler under Bumpers/ (Commercials/, IDs/ or Station IDs/)
    id_window_minutes = 5         # a station ID airs in a break this close to the hour (0-30)

    [[channel]]
    number = 9
    name = "Movies"
    movies = true                 # or a list of titles: ["Alien", "Heat (1995)"]

    [[channel]]
    number = 12
    name = "Sitcom Collection"
    collections = ["Sitcoms"]     # Plex collections; or sections = ["TV Shows"]

    [server]                      # defaults for serve, play and play-channel;
    port = 8000                   # the command line overrides each of them
    host = "0.0.0.0"
    tuners = 4                    # or "auto": as many as the CPU encodes in real time
    linger = 30
    mode = "auto"                 # every channel's output mode, as --mode
    advertise_url = "http://192.168.1.50:8000"
    friendly_name = "Retrovue"

``[[plex]]`` tables are validated by :mod:`lineup.plex.settings` (``RetrovueConfig.error_at`` gives
later checks the same ``file:line`` form).
"""

from __future__ import annotations

import difflib
import logging
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, Literal, TypeVar
from urllib.parse import urlsplit

from lineup.errors import ConfigError
from lineup.models import (
    MAX_CHANNEL_NUMBER,
    MIN_CHANNEL_NUMBER,
    BreakPolicy,
    BreakSource,
    BugPosition,
    ChannelProfile,
    FillerKind,
    FillerPolicy,
    LogoBug,
    Order,
    OutputMode,
    Preset,
    SubtitleMode,
)
from lineup.plex.settings import PlexSettings, parse_plex
from lineup.selection import MetadataFilter, parse_decade
from lineup.slot_config import SlotSpec, parse_slots
from lineup.slots import zone_or_none
from lineup.toml_lines import PathPart, TomlLines

log = logging.getLogger(__name__)

DEFAULT_HORIZON_HOURS = 72.0
MAX_HORIZON_HOURS = 31 * 24  # a longer guide is never fetched by clients, and costs publish time
_TOP_KEYS = (
    "media",
    "data_dir",
    "horizon_hours",
    "profile",
    "channel",
    "server",
    "plex",
    "timezone",
    "loudness",
    "bug",
)
_CHANNEL_KEYS = (
    "number",
    "name",
    "shows",
    "movies",
    "folders",
    "collections",
    "sections",
    "order",
    "seed",
    "filler",
    "logo",
    "mode",
    "group",
    "profile",
    "slot",
    "genres",
    "decades",
    "networks",
    "ratings",
    "breaks",
    "breaks_per_half_hour",
    "break_seconds",
    "up_next",
    "subtitles",
    "subtitle_language",
    "loudness",
    "bug",
)
_BUG_KEYS = ("position", "margin", "size", "opacity", "during_breaks")
_PROFILE_KEYS = (
    "resolution",
    "fps",
    "preset",
    "gop_seconds",
    "video_kbps",
    "audio_kbps",
    "audio_channels",
)
_RESOLUTION = re.compile(r"^(\d{2,5})x(\d{2,5})$")
_CONTENT_KEYS = (
    "shows",
    "movies",
    "folders",
    "collections",
    "sections",
    "genres",
    "decades",
    "networks",
    "ratings",
)
_METADATA_KEYS = ("genres", "decades", "networks", "ratings")
_FILLER_KEYS = (
    "items",
    "seconds",
    "pad_minutes",
    "folders",
    "kinds",
    "commercials",
    "bumpers",
    "ids",
    "id_window_minutes",
)
MAX_LINGER_SECONDS = 86400.0
MAX_TUNERS = 64  # more sessions than any home CPU encodes; HDHomeRun clients list each tuner
TUNERS_AUTO: Final = (
    "auto"  # tuner count from measured CPU headroom (hdhr_emulator.playout.headroom)
)
Tuners = int | Literal["auto"]
_E = TypeVar("_E", bound=StrEnum)
#: a channel's own rotation loops its programmes (every loop the same length), so it takes the
#: orders that are permutations; ``random`` and ``marathon`` are for slots
CHANNEL_ORDERS = (Order.CHRONOLOGICAL, Order.SHUFFLE)
#: mid-roll breaks when a channel says nothing: at the file's chapter marks, else at the natural
#: breaks found at scan; a programme without either runs uncut
DEFAULT_BREAKS = BreakPolicy(source=BreakSource.CHAPTERS)
MAX_BREAKS_PER_HALF_HOUR = 6
MAX_BREAK_SECONDS = 1800.0
MAX_ID_WINDOW_MINUTES = 30.0
#: ``kinds = [...]`` in ``[channel.filler]``: the folder-style names of the break roles
FILLER_KIND_NAMES = {
    "commercials": FillerKind.COMMERCIAL,
    "bumpers": FillerKind.BUMPER,
    "ids": FillerKind.STATION_ID,
    "filler": FillerKind.FILLER,
}
#: the ``[channel.filler]`` keys naming a role's own folders
_ROLE_FOLDER_KEYS = {
    "commercials": FillerKind.COMMERCIAL,
    "bumpers": FillerKind.BUMPER,
    "ids": FillerKind.STATION_ID,
}


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    """One ``[[channel]]`` table as written, before it is matched against the catalog.

    ``filler`` is None when the table does not say how long breaks are; the channel then gets
    the default break (see :func:`lineup.channels.default_policy`).
    """

    number: int
    name: str
    shows: tuple[str, ...] = ()
    movies: bool | tuple[str, ...] = False
    folders: tuple[Path, ...] = ()
    collections: tuple[str, ...] = ()  # Plex collections, by title
    sections: tuple[str, ...] = ()  # Plex library sections, by title
    order: Order = Order.CHRONOLOGICAL
    seed: int = 0
    filler: FillerPolicy | None = None
    filler_folders: tuple[Path, ...] = ()
    logo: Path | None = None
    mode: OutputMode = OutputMode.TRANSCODE
    group: str | None = None
    profile: ChannelProfile = field(default_factory=ChannelProfile)
    slots: tuple[SlotSpec, ...] = ()  # [[channel.slot]] tables, checked, in file order
    #: genres / decades / networks / ratings: alone, they pick from the whole library; with
    #: shows, movies, folders, collections or sections, they narrow what those pick
    metadata: MetadataFilter | None = None
    breaks: BreakPolicy = DEFAULT_BREAKS
    up_next: bool = True
    filler_kinds: tuple[FillerKind, ...] = ()  # the roles it uses; () = every role present
    #: per role, the folders its items come from (instead of the filler pool's of that role)
    role_folders: tuple[tuple[FillerKind, tuple[Path, ...]], ...] = ()
    id_window_minutes: float = 5.0
    subtitles: SubtitleMode = SubtitleMode.OFF
    subtitle_language: str | None = None
    #: the logo bug over the picture (None: ``bug = false``); shown only if the channel has a logo
    bug: LogoBug | None = field(default_factory=LogoBug)


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """``[server]``: defaults for ``serve``, ``play`` and ``play-channel``, so a config file can
    hold the whole set-up; the command line overrides each. None where the file says nothing."""

    host: str | None = None
    port: int | None = None
    tuners: Tuners | None = None
    linger: float | None = None
    mode: OutputMode | None = None
    advertise_url: str | None = None
    friendly_name: str | None = None


@dataclass(frozen=True, slots=True)
class RetrovueConfig:
    """The whole validated config; paths are absolute (relative ones resolved against ``path``)."""

    media: tuple[Path, ...] = ()
    data_dir: Path | None = None
    horizon_hours: float = DEFAULT_HORIZON_HOURS
    channels: tuple[ChannelSpec, ...] = ()
    profile: ChannelProfile = field(
        default_factory=ChannelProfile
    )  # [profile]: every channel's default
    server: ServerSettings = field(default_factory=ServerSettings)
    plex: tuple[PlexSettings, ...] = ()
    path: Path | None = None  # the file it came from; None when built from the command line
    timezone: str | None = None  # IANA zone of the slots' local times (None: the system's)
    lines: TomlLines | None = field(default=None, repr=False, compare=False)

    def error_at(self, message: str, *where: PathPart) -> ConfigError:
        """A ConfigError pointing at ``where`` (e.g. ``"plex", 0, "token"``) in the config file.

        For checks made after loading, by the modules that use the settings.
        """
        line = self.lines.line(*where) if self.lines is not None else None
        return ConfigError(message, self.path, line)


def load_config(path: Path) -> RetrovueConfig:
    """Read and fully validate a config file; raises ConfigError pointing at the offending line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("config file not found", path) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"cannot read config file: {reason}", path) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(exc, path, text) from None
    config = _Loader(path, TomlLines(text)).load(data)
    log.debug("loaded %s: %d channel(s)", path, len(config.channels))
    return config


_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_AT_END = re.compile(r"\s*\(at end of document\)$")


def _syntax_error(exc: tomllib.TOMLDecodeError, path: Path, text: str) -> ConfigError:
    """Map tomllib's "msg (at line L, column C)" onto ConfigError's own file:line form."""
    message = str(exc)
    found = _POSITION.search(message)
    if found:
        reason = message[: found.start()]
        return ConfigError(
            f"invalid TOML: {reason} (column {found.group(2)})", path, int(found.group(1))
        )
    at_end = _AT_END.search(message)
    if at_end:
        return ConfigError(
            f"invalid TOML: {message[: at_end.start()]} (at end of file)",
            path,
            max(1, len(text.splitlines())),
        )
    return ConfigError(f"invalid TOML: {message}", path)


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return "a date/time"


def _suggest(word: str, choices: Sequence[str]) -> str | None:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return close[0] if close else None


class _Loader:
    """Walks the parsed TOML; every check raises with the line of the key it is about."""

    def __init__(self, path: Path, lines: TomlLines):
        self.file = path
        self.lines = lines
        self.base = path.parent
        self.default_profile = ChannelProfile()
        self.default_bug: LogoBug | None = LogoBug()

    def error(self, message: str, *where: PathPart) -> ConfigError:
        return ConfigError(message, self.file, self.lines.line(*where))

    # -- generic checks --------------------------------------------------------------------

    def check_keys(
        self, table: Mapping[str, Any], allowed: Sequence[str], label: str, *where: PathPart
    ) -> None:
        for key in table:
            if key not in allowed:
                hint = _suggest(key, allowed)
                tail = f" (did you mean '{hint}'?)" if hint else ""
                raise self.error(f"unknown key '{key}' in {label}{tail}", *where, key)

    def typed(
        self, value: object, kind: type | tuple[type, ...], expected: str, *where: PathPart
    ) -> Any:
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise self.error(f"'{where[-1]}' must be {expected}, not {_type_name(value)}", *where)
        return value

    def string(self, value: object, *where: PathPart) -> str:
        text = self.typed(value, str, "a string", *where)
        if not text.strip():
            raise self.error(f"'{where[-1]}' must not be empty", *where)
        return str(text)

    def strings(self, value: object, *where: PathPart) -> tuple[str, ...]:
        items = self.typed(value, list, "an array of strings", *where)
        out = []
        for entry in items:
            if not isinstance(entry, str) or not entry.strip():
                shown = _type_name(entry) if not isinstance(entry, str) else "an empty string"
                raise self.error(
                    f"'{where[-1]}' must be an array of strings, but has {shown}", *where
                )
            out.append(entry)
        return tuple(out)

    def selection(self, value: object, *where: PathPart) -> tuple[str, ...]:
        """A list that picks content (shows, titles, folders...): an empty one would pick
        nothing and leave the channel silently off the air, so it is an error at its line."""
        names = self.strings(value, *where)
        if not names:
            raise self.error(
                f"'{where[-1]}' is empty: name at least one, or remove the key", *where
            )
        return names

    def integer(self, value: object, low: int, high: int | None, *where: PathPart) -> int:
        number = int(self.typed(value, int, "an integer", *where))
        if number < low or (high is not None and number > high):
            bounds = f"at least {low}" if high is None else f"between {low} and {high}"
            raise self.error(f"'{where[-1]}' must be {bounds}, not {number}", *where)
        return number

    def tuners(self, value: object, *where: PathPart) -> Tuners:
        """1 to :data:`MAX_TUNERS`, or ``"auto"`` (as ``--tuners``)."""
        if value == TUNERS_AUTO:
            return TUNERS_AUTO
        if isinstance(value, str):
            raise self.error(f"'{where[-1]}' must be an integer or \"auto\", not {value!r}", *where)
        return self.integer(value, 1, MAX_TUNERS, *where)

    def number(self, value: object, low: float, high: float, *where: PathPart) -> float:
        number = float(self.typed(value, (int, float), "a number", *where))
        if not low <= number <= high:
            raise self.error(
                f"'{where[-1]}' must be between {low:g} and {high:g}, not {number:g}", *where
            )
        return number

    def choice(
        self, value: object, enum: type[_E], *where: PathPart, allowed: Sequence[_E] = ()
    ) -> _E:
        text = self.typed(value, str, "a string", *where)
        members = list(allowed or enum)
        try:
            found = enum(text)
            if found not in members:
                raise ValueError(text)
            return found
        except ValueError:
            names = [member.value for member in members]
            hint = _suggest(text, names)
            tail = f"did you mean '{hint}'?" if hint else "expected " + " or ".join(names)
            raise self.error(f"unknown {where[-1]} '{text}' ({tail})", *where) from None

    def path(self, value: object, *where: PathPart) -> Path:
        raw = Path(self.string(value, *where)).expanduser()
        return (raw if raw.is_absolute() else self.base / raw).resolve()

    def folders(
        self, value: object, what: str, *where: PathPart, may_be_empty: bool = False
    ) -> tuple[Path, ...]:
        """Folders that must exist; a channel's or filler's list picks content, so it must not
        be empty (``media = []`` may: a Plex-only set-up has no folders)."""
        out = []
        texts = self.strings(value, *where) if may_be_empty else self.selection(value, *where)
        for text in texts:
            folder = self.path(text, *where)
            if not folder.is_dir():
                problem = "is not a folder" if folder.exists() else "not found"
                raise self.error(f"{what} {problem}: {folder}", *where)
            out.append(folder)
        return tuple(out)

    # -- the document ----------------------------------------------------------------------

    def load(self, data: Mapping[str, Any]) -> RetrovueConfig:
        self.check_keys(data, _TOP_KEYS, "the top level")
        media = self.folders(data.get("media", []), "media folder", "media", may_be_empty=True)
        data_dir = self.path(data["data_dir"], "data_dir") if "data_dir" in data else None
        horizon = DEFAULT_HORIZON_HOURS
        if "horizon_hours" in data:
            horizon = self.number(data["horizon_hours"], 1, MAX_HORIZON_HOURS, "horizon_hours")
        server = self.server(data.get("server", {}))
        plex = tuple(
            parse_plex(table, index, self.base, self.error)
            for index, table in enumerate(self.tables(data.get("plex", []), "plex"))
        )
        if "profile" in data:
            self.default_profile = self.profile(data["profile"], ChannelProfile(), "profile")
        self.default_profile = self.loudness(data, self.default_profile)
        self.default_bug = self.bug(data.get("bug", {}), LogoBug(), "bug")
        channels = self.channels(self.tables(data.get("channel", []), "channel"))
        timezone = None
        if "timezone" in data:
            timezone = self.string(data["timezone"], "timezone").strip()
            try:
                zone_or_none(timezone)
            except ValueError as exc:
                raise self.error(str(exc), "timezone") from None
        return RetrovueConfig(
            timezone=timezone,
            media=media,
            data_dir=data_dir,
            horizon_hours=horizon,
            channels=channels,
            profile=self.default_profile,
            server=server,
            plex=plex,
            path=self.file.resolve(),
            lines=self.lines,
        )

    def server(self, value: object) -> ServerSettings:
        """``[server]``: checked here like the rest, so ``port = "x"`` stops start-up at its line
        instead of being ignored."""
        table = self.typed(value, dict, "a table", "server")
        parse: dict[str, Callable[[object], Any]] = {
            "host": lambda v: self.string(v, "server", "host").strip(),
            "port": lambda v: self.integer(v, 1, 65535, "server", "port"),
            "tuners": lambda v: self.tuners(v, "server", "tuners"),
            "linger": lambda v: self.number(v, 0, MAX_LINGER_SECONDS, "server", "linger"),
            "mode": lambda v: self.choice(v, OutputMode, "server", "mode"),
            "advertise_url": lambda v: self.web_url(v, "server", "advertise_url"),
            "friendly_name": lambda v: self.string(v, "server", "friendly_name").strip(),
        }
        self.check_keys(table, tuple(parse), "[server]", "server")
        return replace(ServerSettings(), **{key: parse[key](raw) for key, raw in table.items()})

    def web_url(self, value: object, *where: PathPart) -> str:
        """An absolute http(s) URL: clients on other machines are handed URLs built from it."""
        url = self.string(value, *where).strip()
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            raise self.error(
                f"'{where[-1]}' must be an absolute http(s) URL such as "
                f'"http://192.168.1.50:8000", not {url!r}',
                *where,
            )
        return url

    def tables(self, value: object, key: str) -> list[dict[str, Any]]:
        if isinstance(value, list) and all(isinstance(entry, dict) for entry in value):
            return value
        raise self.error(f"'{key}' must be an array of tables ([[{key}]])", key)

    def channels(self, tables: list[dict[str, Any]]) -> tuple[ChannelSpec, ...]:
        specs: list[ChannelSpec] = []
        seen: dict[int, tuple[str, int | None]] = {}
        for index, table in enumerate(tables):
            spec = self.channel(index, table)
            if spec.number in seen:
                name, line = seen[spec.number]
                raise self.error(
                    f"duplicate channel number {spec.number} "
                    f"(already used by '{name}' on line {line})",
                    "channel",
                    index,
                    "number",
                )
            seen[spec.number] = (spec.name, self.lines.line("channel", index, "number"))
            specs.append(spec)
        return tuple(specs)

    def channel(self, index: int, table: Mapping[str, Any]) -> ChannelSpec:
        at: tuple[PathPart, ...] = ("channel", index)
        self.check_keys(table, _CHANNEL_KEYS, "[[channel]]", *at)
        for required in ("number", "name"):
            if required not in table:
                raise self.error(f"[[channel]] is missing required key '{required}'", *at)
        number = self.integer(
            table["number"], MIN_CHANNEL_NUMBER, MAX_CHANNEL_NUMBER, *at, "number"
        )
        name = self.string(table["name"], *at, "name").strip()
        if not any(key in table for key in (*_CONTENT_KEYS, "slot")):
            raise self.error(
                f"channel {number} ('{name}') has no content: set shows, movies, folders, "
                "collections or sections",
                *at,
            )
        spec = self.channel_content(ChannelSpec(number=number, name=name), table, *at)
        if "slot" in table:
            spec = replace(spec, slots=self.slots(table["slot"], *at, "slot"))
        spec = self.channel_presentation(spec, table, *at)
        spec = replace(spec, metadata=self.metadata_filter(table, *at))
        spec = self.channel_breaks(spec, table, *at)
        spec = self.channel_subtitles(spec, table, *at)
        spec = replace(spec, bug=self.bug(table.get("bug", {}), self.default_bug, *at, "bug"))
        profile = self.default_profile
        if "profile" in table:
            profile = self.profile(table["profile"], profile, *at, "profile")
        profile = self.loudness(table, profile, *at)
        return replace(spec, profile=profile)

    def loudness(
        self, table: Mapping[str, Any], profile: ChannelProfile, *at: PathPart
    ) -> ChannelProfile:
        """``loudness = -24`` (target LUFS, -40 to -10) or ``"off"``, over ``profile``."""
        if "loudness" not in table:
            return profile
        value = table["loudness"]
        if value == "off":
            return replace(profile, loudness=None)
        if isinstance(value, str):
            raise self.error(
                f"loudness must be a number of LUFS (-40 to -10) or \"off\", not {value!r}",
                *at, "loudness",
            )  # fmt: skip
        return replace(profile, loudness=self.number(value, -40, -10, *at, "loudness"))

    def slots(self, value: object, *at: PathPart) -> tuple[SlotSpec, ...]:
        """``[[channel.slot]]`` tables (see :mod:`lineup.slot_config`)."""
        return parse_slots(self, value, self.file, self.lines.line, self.choice, *at)

    def channel_content(
        self, spec: ChannelSpec, table: Mapping[str, Any], *at: PathPart
    ) -> ChannelSpec:
        """What a ``[[channel]]`` airs: shows, movies, folders, collections, sections."""
        if "shows" in table:
            spec = replace(spec, shows=self.selection(table["shows"], *at, "shows"))
        if "movies" in table:
            movies = table["movies"]
            if not isinstance(movies, bool):
                movies = self.selection(movies, *at, "movies")
            spec = replace(spec, movies=movies)
        if "folders" in table:
            spec = replace(spec, folders=self.folders(table["folders"], "folder", *at, "folders"))
        for key in ("collections", "sections"):
            if key in table:
                names = tuple(name.strip() for name in self.selection(table[key], *at, key))
                change: dict[str, Any] = {key: names}
                spec = replace(spec, **change)
        return spec

    def channel_presentation(
        self, spec: ChannelSpec, table: Mapping[str, Any], *at: PathPart
    ) -> ChannelSpec:
        """How a ``[[channel]]`` airs it: order, seed, filler, logo, mode, group."""
        if "order" in table:
            spec = replace(
                spec, order=self.choice(table["order"], Order, *at, "order", allowed=CHANNEL_ORDERS)
            )
        if "seed" in table:
            seed = self.typed(table["seed"], int, "an integer", *at, "seed")
            spec = replace(spec, seed=int(seed))
        if "filler" in table:
            policy, folders = self.filler(table["filler"], *at, "filler")
            spec = replace(spec, filler=policy, filler_folders=folders)
        if "logo" in table:
            logo = self.path(table["logo"], *at, "logo")
            if not logo.is_file():
                raise self.error(f"logo file not found: {logo}", *at, "logo")
            spec = replace(spec, logo=logo)
        if "mode" in table:
            spec = replace(spec, mode=self.choice(table["mode"], OutputMode, *at, "mode"))
        if "group" in table:
            spec = replace(spec, group=self.string(table["group"], *at, "group").strip())
        return spec

    def bug(self, value: object, base: LogoBug | None, *at: PathPart) -> LogoBug | None:
        """``[bug]`` / ``bug`` on a channel: where and how the logo sits over the picture, over
        ``base``; ``bug = false`` turns it off (``bug = true`` back on with the defaults)."""
        if isinstance(value, bool):
            return (base or LogoBug()) if value else None
        table = self.typed(value, dict, "a table or true/false", *at)
        self.check_keys(table, _BUG_KEYS, "[bug]", *at)
        bug = base or LogoBug()
        if "position" in table:
            bug = replace(
                bug, position=self.choice(table["position"], BugPosition, *at, "position")
            )
        if "margin" in table:
            bug = replace(bug, margin=self.number(table["margin"], 0.0, 0.5, *at, "margin"))
        if "size" in table:
            bug = replace(bug, size=self.number(table["size"], 0.01, 1.0, *at, "size"))
        if "opacity" in table:
            bug = replace(bug, opacity=self.number(table["opacity"], 0.0, 1.0, *at, "opacity"))
        if "during_breaks" in table:
            during = self.typed(table["during_breaks"], bool, "true or false", *at, "during_breaks")
            bug = replace(bug, during_breaks=bool(during))
        return bug

    def profile(self, value: object, base: ChannelProfile, *at: PathPart) -> ChannelProfile:
        """``[profile]`` / ``[channel.profile]``: the stream shape, over ``base``."""
        table = self.typed(value, dict, "a table", *at)
        self.check_keys(table, _PROFILE_KEYS, "[profile]", *at)
        profile = base
        if "resolution" in table:
            text = self.string(table["resolution"], *at, "resolution")
            match = _RESOLUTION.match(text.strip())
            width, height = (int(match[1]), int(match[2])) if match else (0, 0)
            if (
                not match
                or width % 2
                or height % 2
                or not (64 <= width <= 7680 and 64 <= height <= 4320)
            ):
                raise self.error(
                    f'resolution must look like "1280x720" (even numbers), not {text!r}',
                    *at,
                    "resolution",
                )
            profile = replace(profile, width=width, height=height)
        if "fps" in table:
            profile = replace(profile, fps=self.number(table["fps"], 1, 120, *at, "fps"))
        if "preset" in table:
            profile = replace(profile, preset=self.choice(table["preset"], Preset, *at, "preset"))
        if "gop_seconds" in table:
            gop = self.number(table["gop_seconds"], 0.1, 2, *at, "gop_seconds")
            profile = replace(profile, gop_seconds=gop)
        if "video_kbps" in table:
            kbps = self.integer(table["video_kbps"], 100, 100_000, *at, "video_kbps")
            profile = replace(profile, video_kbps=kbps)
        if "audio_kbps" in table:
            kbps = self.integer(table["audio_kbps"], 32, 512, *at, "audio_kbps")
            profile = replace(profile, audio_kbps=kbps)
        if "audio_channels" in table:
            channels = table["audio_channels"]
            named = {"stereo": 2, "mono": 1}
            if isinstance(channels, str) and channels in named:
                channels = named[channels]
            if channels not in (1, 2) or isinstance(channels, bool):
                raise self.error('audio_channels must be "stereo" or "mono"', *at, "audio_channels")
            profile = replace(profile, audio_channels=int(channels))
        return profile

    def filler(self, value: object, *at: PathPart) -> tuple[FillerPolicy | None, tuple[Path, ...]]:
        """``[channel.filler]``: the break policy (None if only folders are set) and its sources."""
        table = self.typed(value, dict, "a table", *at)
        self.check_keys(table, _FILLER_KEYS, "[channel.filler]", *at)
        if "items" in table and "seconds" in table:
            raise self.error(
                "set either 'items' or 'seconds' in [channel.filler], not both", *at, "seconds"
            )
        folders: tuple[Path, ...] = ()
        if "folders" in table:
            folders = self.folders(table["folders"], "filler folder", *at, "folders")
        if not any(key in table for key in ("items", "seconds", "pad_minutes")):
            return None, folders
        policy = FillerPolicy()
        if "items" in table:
            policy = replace(policy, items=self.integer(table["items"], 0, 1000, *at, "items"))
        if "seconds" in table:
            seconds = self.number(table["seconds"], 0, 86400, *at, "seconds")
            policy = replace(policy, seconds=seconds)
        if "pad_minutes" in table:
            pad = self.integer(table["pad_minutes"], 0, 1440, *at, "pad_minutes")
            policy = replace(policy, pad_minutes=pad)
        return policy, folders

    def channel_subtitles(
        self, spec: ChannelSpec, table: Mapping[str, Any], *at: PathPart
    ) -> ChannelSpec:
        """``subtitles = "off" | "burn"`` and ``subtitle_language = "en"``."""
        if "subtitles" in table:
            spec = replace(
                spec, subtitles=self.choice(table["subtitles"], SubtitleMode, *at, "subtitles")
            )
        if "subtitle_language" in table:
            code = self.string(table["subtitle_language"], *at, "subtitle_language").strip()
            if not re.fullmatch(r"[A-Za-z]{2,3}", code):
                raise self.error(
                    f'\'subtitle_language\' must be a language code like "en" or "eng", '
                    f"not {code!r}",
                    *at,
                    "subtitle_language",
                )
            spec = replace(spec, subtitle_language=code.lower())
        return spec

    def metadata_filter(self, table: Mapping[str, Any], *at: PathPart) -> MetadataFilter | None:
        """``genres`` / ``decades`` / ``networks`` / ``ratings`` of a channel or slot table
        (None when it has none): each a non-empty list; a decade is "1980s", "1980" or 1980."""
        if not any(key in table for key in _METADATA_KEYS):
            return None
        values: dict[str, Any] = {}
        for key in ("genres", "networks", "ratings"):
            if key in table:
                values[key] = tuple(name.strip() for name in self.selection(table[key], *at, key))
        if "decades" in table:
            values["decades"] = self.decades(table["decades"], *at, "decades")
        return MetadataFilter(**values)

    def decades(self, value: object, *where: PathPart) -> tuple[int, ...]:
        """A decade or a list of them: ``["1980s", "1990s"]``, ``1980``, ``"1970s"``."""
        entries = value if isinstance(value, list) else [value]
        if not entries:
            raise self.error(
                f"'{where[-1]}' is empty: name at least one, or remove the key", *where
            )
        out: list[int] = []
        for entry in entries:
            try:
                decade = parse_decade(entry)
            except ValueError as exc:
                raise self.error(f"'{where[-1]}': {exc}", *where) from None
            if decade not in out:
                out.append(decade)
        return tuple(out)

    def channel_breaks(
        self, spec: ChannelSpec, table: Mapping[str, Any], *at: PathPart
    ) -> ChannelSpec:
        """Mid-roll breaks, up-next cards and break roles: ``breaks``, ``breaks_per_half_hour``,
        ``break_seconds``, ``up_next``; in ``[channel.filler]`` ``kinds``, ``commercials``,
        ``bumpers``, ``ids`` and ``id_window_minutes``."""
        breaks = spec.breaks
        if "breaks" in table:
            source = self.choice(table["breaks"], BreakSource, *at, "breaks")
            breaks = replace(breaks, source=source)
        if "breaks_per_half_hour" in table:
            count = self.integer(
                table["breaks_per_half_hour"], 0, MAX_BREAKS_PER_HALF_HOUR, *at,
                "breaks_per_half_hour",
            )  # fmt: skip
            breaks = replace(breaks, per_half_hour=count)
        if "break_seconds" in table:
            seconds = self.number(
                table["break_seconds"], 0, MAX_BREAK_SECONDS, *at, "break_seconds"
            )
            breaks = replace(breaks, seconds=seconds)
        spec = replace(spec, breaks=breaks)
        if "up_next" in table:
            up_next = self.typed(table["up_next"], bool, "true or false", *at, "up_next")
            spec = replace(spec, up_next=bool(up_next))
        filler = table.get("filler")
        if not isinstance(filler, dict):  # absent (a wrong type was reported by ``filler``)
            return spec
        where = (*at, "filler")
        if "kinds" in filler:
            kinds: list[FillerKind] = []
            for name in self.selection(filler["kinds"], *where, "kinds"):
                if name not in FILLER_KIND_NAMES:
                    hint = _suggest(name, list(FILLER_KIND_NAMES))
                    tail = (
                        f"did you mean '{hint}'?"
                        if hint
                        else "expected " + ", ".join(FILLER_KIND_NAMES)
                    )
                    raise self.error(f"unknown filler kind '{name}' ({tail})", *where, "kinds")
                if FILLER_KIND_NAMES[name] not in kinds:
                    kinds.append(FILLER_KIND_NAMES[name])
            spec = replace(spec, filler_kinds=tuple(kinds))
        role_folders = tuple(
            (role, self.folders(filler[key], f"{key} folder", *where, key))
            for key, role in _ROLE_FOLDER_KEYS.items()
            if key in filler
        )
        if role_folders:
            spec = replace(spec, role_folders=role_folders)
        if "id_window_minutes" in filler:
            window = self.number(
                filler["id_window_minutes"], 0, MAX_ID_WINDOW_MINUTES, *where, "id_window_minutes"
            )
            spec = replace(spec, id_window_minutes=window)
        return spec

"""``[[channel.slot]]`` tables as written: parsed and checked at load, with ``file:line`` errors.

A slot names days, a local start time, an end (a time, a number of episodes, or a number of
movies) and what fills it, in the same words a ``[[channel]]`` uses. Everything that can be
checked without the catalog is checked here: day names, times, an end before its start, two
slots of one channel that overlap. Whether a slot has anything to play is known only against
the catalog (:func:`lineup.channels.resolve_channels`), which raises at the slot's line too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from lineup.errors import ConfigError
from lineup.models import Order
from lineup.selection import MetadataFilter
from lineup.slots import DAY_NAMES, MINUTES_PER_DAY, parse_clock, parse_days
from lineup.toml_lines import PathPart

__all__ = ["SLOT_KEYS", "SlotSpec", "parse_slots"]

SLOT_KEYS = (
    "days",
    "start",
    "end",
    "episodes",
    "movies",
    "shows",
    "seasons",
    "folders",
    "collections",
    "sections",
    "order",
    "seed",
    "genres",
    "decades",
    "networks",
    "ratings",
)
_CONTENT = (
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
MAX_SLOT_COUNT = 48


@dataclass(frozen=True, slots=True)
class SlotSpec:
    """One ``[[channel.slot]]`` table as written (``movies`` as a selection, ``count`` for
    ``episodes = N`` / ``movies = N``)."""

    file: Path | None
    line: int | None
    weekdays: frozenset[int]
    dates: frozenset[str]
    start: int  # minutes after local midnight
    end: int | None  # minutes after local midnight (1440 = midnight), or None
    count: int | None  # programmes per occurrence, when the end is a count
    count_movies: bool = False  # ``movies = N``: the count is of movies, picked from movies
    shows: tuple[str, ...] = ()
    seasons: tuple[int, ...] = ()
    movies: bool | tuple[str, ...] = False
    folders: tuple[Path, ...] = ()
    collections: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    order: Order = Order.CHRONOLOGICAL
    seed: int = 0
    metadata: MetadataFilter | None = None  # genres / decades / networks / ratings

    @property
    def where(self) -> str:
        name = self.file.name if self.file is not None else "config"
        return f"{name}:{self.line}" if self.line is not None else name

    @property
    def key(self) -> str:
        """Names this slot's episode progression: its days, start and content, not its end
        (lengthening a slot keeps its place in the show)."""
        text = repr(
            (
                sorted(self.weekdays),
                sorted(self.dates),
                self.start,
                self.shows,
                self.seasons,
                self.movies,
                tuple(str(f) for f in self.folders),
                self.collections,
                self.sections,
                self.count_movies,
                self.metadata,
            )
        )
        return "slot:" + hashlib.sha256(text.encode()).hexdigest()[:16]

    def describe(self) -> str:
        days = ",".join(DAY_NAMES[d] for d in sorted(self.weekdays)) or ""
        days = ",".join(filter(None, [days, *sorted(self.dates)]))
        end = f"-{_clock(self.end)}" if self.end is not None else f" x{self.count}"
        return f"{days} {_clock(self.start)}{end}"


class _Checks(Protocol):
    """The generic checks of :class:`lineup.config._Loader` this module uses."""

    def error(self, message: str, *where: PathPart) -> ConfigError: ...

    def check_keys(
        self, table: Mapping[str, Any], allowed: Sequence[str], label: str, *where: PathPart
    ) -> None: ...

    def typed(
        self, value: object, kind: type | tuple[type, ...], expected: str, *where: PathPart
    ) -> Any: ...

    def string(self, value: object, *where: PathPart) -> str: ...

    def strings(self, value: object, *where: PathPart) -> tuple[str, ...]: ...

    def selection(self, value: object, *where: PathPart) -> tuple[str, ...]: ...

    def integer(self, value: object, low: int, high: int | None, *where: PathPart) -> int: ...

    def folders(
        self, value: object, what: str, *where: PathPart, may_be_empty: bool = False
    ) -> tuple[Path, ...]: ...

    def metadata_filter(self, table: Mapping[str, Any], *at: PathPart) -> MetadataFilter | None: ...


def parse_slots(
    checks: _Checks,
    value: object,
    file: Path,
    line_of: Callable[..., int | None],
    choice: Callable[..., Order],
    *at: PathPart,
) -> tuple[SlotSpec, ...]:
    """Every ``[[channel.slot]]`` of one channel, checked, in file order."""
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        raise checks.error("'slot' must be an array of tables ([[channel.slot]])", *at)
    specs = tuple(
        _slot(checks, table, file, line_of(*at, index), choice, *at, index)
        for index, table in enumerate(value)
    )
    for later, spec in enumerate(specs):
        for earlier in specs[:later]:
            if _overlaps(earlier, spec):
                raise checks.error(
                    f"this slot ({spec.describe()}) overlaps the slot on line {earlier.line} "
                    f"({earlier.describe()})",
                    *at,
                    later,
                )
    return specs


def _slot(
    checks: _Checks,
    table: Mapping[str, Any],
    file: Path,
    line: int | None,
    choice: Callable[..., Order],
    *at: PathPart,
) -> SlotSpec:
    checks.check_keys(table, SLOT_KEYS, "[[channel.slot]]", *at)
    if "start" not in table:
        raise checks.error("[[channel.slot]] is missing required key 'start'", *at)
    days_value = table.get("days", "daily")
    words = (
        (checks.string(days_value, *at, "days"),)
        if isinstance(days_value, str)
        else checks.selection(days_value, *at, "days")
    )
    words = tuple(part for word in words for part in word.split(",") if part.strip())
    try:
        weekdays, dates = parse_days(words)
        start = parse_clock(checks.string(table["start"], *at, "start"))
    except ValueError as exc:
        key = "start" if "days" not in table or "start" in str(exc) else "days"
        raise checks.error(str(exc), *at, key) from None
    order = choice(table["order"], Order, *at, "order") if "order" in table else Order.CHRONOLOGICAL
    end = count = None
    count_movies = False
    ends = [key for key in ("end", "episodes") if key in table]
    if isinstance(table.get("movies"), int) and not isinstance(table.get("movies"), bool):
        ends.append("movies")
    if len(ends) > 1:
        raise checks.error(
            f"a slot ends either at a time or after a count: set one of 'end', 'episodes' or "
            f"'movies = N', not {' and '.join(repr(e) for e in ends)}",
            *at,
            ends[1],
        )
    if not ends and order != Order.MARATHON:
        raise checks.error(
            "[[channel.slot]] needs an end: 'end = \"21:00\"', 'episodes = 2' or 'movies = 1'",
            *at,
        )
    if "end" in ends:
        try:
            end = parse_clock(checks.string(table["end"], *at, "end"), allow_midnight_end=True)
        except ValueError as exc:
            raise checks.error(str(exc), *at, "end") from None
        if end <= start:
            raise checks.error(
                f"the slot ends at {_clock(end)}, before it starts at {_clock(start)} "
                "(a slot cannot run past midnight: split it in two)",
                *at,
                "end",
            )
    elif "episodes" in ends:
        count = checks.integer(table["episodes"], 1, MAX_SLOT_COUNT, *at, "episodes")
    elif "movies" in ends:
        count = checks.integer(table["movies"], 1, MAX_SLOT_COUNT, *at, "movies")
        count_movies = True
    spec = SlotSpec(
        file=file,
        line=line,
        weekdays=weekdays,
        dates=dates,
        start=start,
        end=end,
        count=count,
        count_movies=count_movies,
        order=order,
    )
    return _content(checks, spec, table, *at)


def _content(checks: _Checks, spec: SlotSpec, table: Mapping[str, Any], *at: PathPart) -> SlotSpec:
    has_content = spec.count_movies or any(
        key in table and not (key == "movies" and spec.count_movies) for key in _CONTENT
    )
    if not has_content:
        raise checks.error(
            "[[channel.slot]] has nothing to play: set shows, movies, folders, collections, "
            "sections, genres, decades, networks or ratings",
            *at,
        )
    if "shows" in table:
        spec = replace(spec, shows=checks.selection(table["shows"], *at, "shows"))
    if "seasons" in table:
        raw = checks.typed(table["seasons"], list, "an array of season numbers", *at, "seasons")
        if not raw:
            raise checks.error("'seasons' is empty: name at least one, or remove the key", *at)
        seasons = tuple(checks.integer(n, 0, 999, *at, "seasons") for n in raw)
        spec = replace(spec, seasons=seasons)
    if "movies" in table and not spec.count_movies:
        movies = table["movies"]
        if not isinstance(movies, bool):
            movies = checks.selection(movies, *at, "movies")
        spec = replace(spec, movies=movies)
    if spec.count_movies:
        spec = replace(spec, movies=True)
    if "folders" in table:
        spec = replace(spec, folders=checks.folders(table["folders"], "folder", *at, "folders"))
    for key in ("collections", "sections"):
        if key in table:
            names = tuple(name.strip() for name in checks.selection(table[key], *at, key))
            change: dict[str, Any] = {key: names}
            spec = replace(spec, **change)
    if "seed" in table:
        spec = replace(spec, seed=int(checks.typed(table["seed"], int, "an integer", *at, "seed")))
    return replace(spec, metadata=checks.metadata_filter(table, *at))


def _overlaps(a: SlotSpec, b: SlotSpec) -> bool:
    """Whether two slots of a channel can air at the same moment on some day."""
    if not (a.weekdays & b.weekdays or a.dates & b.dates):
        return False
    a_end = a.end if a.end is not None else a.start + 1
    b_end = b.end if b.end is not None else b.start + 1
    return a.start < b_end and b.start < a_end


def _clock(minute: int | None) -> str:
    if minute is None:
        return "?"
    if minute >= MINUTES_PER_DAY:
        return "24:00"
    return f"{minute // 60:02d}:{minute % 60:02d}"

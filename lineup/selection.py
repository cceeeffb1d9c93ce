"""Picking programmes by what the library knows about them: genre, decade, network, rating.

A channel (``genres = ["Comedy"]``, ``decades = ["1980s"]``, ``networks = ["NBC"]``,
``ratings = ["TV-PG"]``) and, later, a slot pick programmes with one :class:`MetadataFilter`:
an item matches when it matches EVERY key given (AND across keys) and, within a key, ANY of
the values (OR). Comparisons ignore case and runs of spaces, because the same network is
"NBC" in Plex and "nbc" in a hand-written ``.nfo``. Only episodes and movies match: filler,
slates and cards are never programmes.

The decade of an item is that of its ``year``: for an episode the year it aired (Plex) or its
show's year (``tvshow.nfo``), for a movie its release year.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from lineup.models import ItemKind, MediaItem

log = logging.getLogger(__name__)

_PROGRAMMES = (ItemKind.EPISODE, ItemKind.MOVIE)
_DECADE = re.compile(r"^\s*(\d{3}0)\s*(?:s|'s)?\s*$", re.IGNORECASE)
MIN_DECADE, MAX_DECADE = 1880, 2090


def normalise(text: str) -> str:
    """The form values are compared in: case-folded, spaces collapsed."""
    return " ".join(text.split()).casefold()


def parse_decade(value: object) -> int:
    """``"1980s"``, ``"1980"`` or ``1980`` as 1980; ValueError saying what is expected."""
    if isinstance(value, bool):
        raise ValueError(f"not a decade: {value!r}")
    if isinstance(value, int):
        year = value
    elif isinstance(value, str) and (found := _DECADE.match(value)):
        year = int(found.group(1))
    else:
        raise ValueError(f'not a decade: {value!r} (write "1980s" or 1980)')
    if year % 10:
        raise ValueError(f"{year} is not the start of a decade (write {year - year % 10})")
    if not MIN_DECADE <= year <= MAX_DECADE:
        raise ValueError(f"decade {year} is out of range ({MIN_DECADE}-{MAX_DECADE})")
    return year


def decade_label(decade: int) -> str:
    return f"{decade}s"


def decade_of(item: MediaItem) -> int | None:
    year = item.year
    if year is None and item.aired:
        year = int(item.aired[:4]) if item.aired[:4].isdigit() else None
    return None if year is None else year - year % 10


@dataclass(frozen=True, slots=True)
class MetadataFilter:
    """Which programmes a channel or slot takes by metadata; an empty key does not filter."""

    genres: tuple[str, ...] = ()
    decades: tuple[int, ...] = ()  # first year of each decade: 1980 for the 1980s
    networks: tuple[str, ...] = ()  # matched against MediaItem.studio
    ratings: tuple[str, ...] = ()  # content ratings: "TV-PG", "PG-13"
    # the values in normal form, computed once (not per item); not part of the value
    _genres: frozenset[str] = field(init=False, repr=False, compare=False)
    _networks: frozenset[str] = field(init=False, repr=False, compare=False)
    _ratings: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("genres", "networks", "ratings"):
            object.__setattr__(self, f"_{name}", frozenset(map(normalise, getattr(self, name))))

    @property
    def empty(self) -> bool:
        return not (self.genres or self.decades or self.networks or self.ratings)

    def matches(self, item: MediaItem) -> bool:
        """True for an episode or movie matching every key given (any value within a key)."""
        if item.kind not in _PROGRAMMES:
            return False
        if self.genres and not any(normalise(g) in self._genres for g in item.genres):
            return False
        if self.decades and decade_of(item) not in self.decades:
            return False
        if self.networks and (not item.studio or normalise(item.studio) not in self._networks):
            return False
        return not self.ratings or (
            item.content_rating is not None and normalise(item.content_rating) in self._ratings
        )

    def select(self, items: Iterable[MediaItem]) -> list[MediaItem]:
        """The matching items, in the order given."""
        return [item for item in items if self.matches(item)]

    def written(self) -> list[tuple[str, tuple[str, ...]]]:
        """The keys given, as a config writes them: ``[("decades", ("1980s",)), ...]``."""
        return [
            (key, values)
            for key, values in (
                ("genres", self.genres),
                ("decades", tuple(decade_label(decade) for decade in self.decades)),
                ("networks", self.networks),
                ("ratings", self.ratings),
            )
            if values
        ]

    def describe(self) -> str:
        """One line for tables and logs: ``network NBC, decade 1980s``."""
        parts = [f"{key[:-1]} {' or '.join(values)}" for key, values in self.written()]
        return ", ".join(parts) or "everything"

"""Channels proposed from the library's metadata: one per network, genre and decade that has
enough programmes to fill a channel (``retrovue channels --suggest``).

The catalog already knows each programme's network/studio, genres and year (from Plex, or the
``.nfo`` files media managers write). Grouping by each value gives candidate channels; a
candidate is kept when it has at least :data:`MIN_TITLES` titles (shows and movies) or
:data:`MIN_HOURS` hours, so a network with one film is not offered as a channel. Candidates
with exactly the same programmes as a better-ranked one (a library whose only NBC shows are its
only sitcoms) are offered once. Ranked by hours: the fullest channels first.

:func:`channel_tables` turns suggestions into ``[[channel]]`` TOML the user can edit, which
:func:`lineup.config.load_config` reads back to the same :class:`MetadataFilter`. Pure: the CLI
reads the catalog and writes the file.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from lineup.errors import ConfigError
from lineup.models import MAX_CHANNEL_NUMBER, MIN_CHANNEL_NUMBER, ItemKind, MediaItem
from lineup.numbering import show_key
from lineup.selection import MetadataFilter, decade_label, decade_of, normalise

log = logging.getLogger(__name__)

MIN_TITLES = 2  # shows and movies together
MIN_HOURS = 10.0  # or this much programming, even from one show
_KINDS = ("network", "genre", "decade")  # also the order of equal-hours suggestions
_GROUPS = {"network": "Networks", "genre": "Genres", "decade": "Decades"}


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One proposed channel: its name, the filter that makes it, and how much it would air."""

    name: str
    kind: str  # "network", "genre" or "decade"
    filter: MetadataFilter
    shows: int
    movies: int
    hours: float

    @property
    def group(self) -> str:
        """The channel group it is written with (``Networks``, ``Genres``, ``Decades``)."""
        return _GROUPS[self.kind]


@dataclass(slots=True)
class _Candidate:
    kind: str
    spellings: dict[str, int]
    items: list[MediaItem]


def suggest_channels(
    items: Iterable[MediaItem], *, min_titles: int = MIN_TITLES, min_hours: float = MIN_HOURS
) -> list[Suggestion]:
    """Channels by network, genre and decade worth proposing, fullest first."""
    candidates: dict[tuple[str, str], _Candidate] = {}

    def add(kind: str, label: str, item: MediaItem) -> None:
        found = candidates.setdefault((kind, normalise(label)), _Candidate(kind, {}, []))
        found.spellings[label] = found.spellings.get(label, 0) + 1
        found.items.append(item)

    for item in items:
        if item.kind not in (ItemKind.EPISODE, ItemKind.MOVIE):
            continue
        if item.studio and item.studio.strip():
            add("network", " ".join(item.studio.split()), item)
        for genre in dict.fromkeys(" ".join(g.split()) for g in item.genres if g.strip()):
            add("genre", genre, item)
        decade = decade_of(item)
        if decade is not None:
            add("decade", decade_label(decade), item)

    ranked = sorted(
        ((_suggestion(c), frozenset(item.id for item in c.items)) for c in candidates.values()),
        key=lambda pair: (-pair[0].hours, _KINDS.index(pair[0].kind), pair[0].name.casefold()),
    )
    out: list[Suggestion] = []
    seen: set[frozenset[int]] = set()
    for suggestion, members in ranked:
        if suggestion.shows + suggestion.movies < min_titles and suggestion.hours < min_hours:
            continue
        if members in seen:
            continue
        seen.add(members)
        out.append(suggestion)
    log.debug("suggested %d of %d candidate channels", len(out), len(candidates))
    return out


def _suggestion(candidate: _Candidate) -> Suggestion:
    # the spelling most items use (ties: alphabetical) names the channel and its filter
    name = min(candidate.spellings, key=lambda label: (-candidate.spellings[label], label))
    if candidate.kind == "network":
        wanted = MetadataFilter(networks=(name,))
    elif candidate.kind == "genre":
        wanted = MetadataFilter(genres=(name,))
    else:
        wanted = MetadataFilter(decades=(int(name[:4]),))
    shows = {show_key(i.show) for i in candidate.items if i.kind == ItemKind.EPISODE and i.show}
    movies = sum(1 for item in candidate.items if item.kind == ItemKind.MOVIE)
    hours = sum(item.duration for item in candidate.items) / 3600
    return Suggestion(name, candidate.kind, wanted, len(shows), movies, hours)


def not_yet_in(
    suggestions: Sequence[Suggestion], existing: Iterable[MetadataFilter | None]
) -> list[Suggestion]:
    """The suggestions no existing channel already makes with the same filter (ignoring case),
    so suggesting again after ``--write`` offers only what is new."""
    have = {_filter_key(wanted) for wanted in existing if wanted is not None}
    return [s for s in suggestions if _filter_key(s.filter) not in have]


def _filter_key(wanted: MetadataFilter) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple(
        (key, tuple(sorted({normalise(value) for value in values})))
        for key, values in wanted.written()
    )


def free_numbers(used: Collection[int], count: int) -> list[int]:
    """``count`` channel numbers not in ``used``: after the highest one used, then any gap."""
    start = max(used, default=0) + 1
    out = list(range(start, min(start + count, MAX_CHANNEL_NUMBER + 1)))
    number = MIN_CHANNEL_NUMBER
    while len(out) < count and number <= MAX_CHANNEL_NUMBER:
        if number not in used and number not in out:
            out.append(number)
        number += 1
    if len(out) < count:
        raise ConfigError(f"no free channel numbers left for {count} more channel(s)")
    return out


def channel_tables(suggestions: Sequence[Suggestion], numbers: Sequence[int], origin: str) -> str:
    """``[[channel]]`` tables for ``suggestions`` (numbered ``numbers``), after a comment
    saying they came from ``origin``; TOML text ready to append to a config."""
    lines = [
        f"# Suggested by {_comment(origin)}.",
        "# Edit freely: numbers, names, groups; widen or narrow the filters (genres, decades,",
        "# networks, ratings; add shows, movies, collections... to narrow them to those).",
    ]
    for suggestion, number in zip(suggestions, numbers, strict=True):
        titles = f"{suggestion.shows} show(s), {suggestion.movies} movie(s)"
        lines += [
            "",
            f"# {_comment(suggestion.filter.describe())}: {titles}, {suggestion.hours:.1f} hours",
            "[[channel]]",
            f"number = {number}",
            f"name = {_string(suggestion.name)}",
            f"group = {_string(suggestion.group)}",
            *_filter_lines(suggestion.filter),
        ]
    return "\n".join(lines) + "\n"


def _filter_lines(wanted: MetadataFilter) -> list[str]:
    return [
        f"{key} = [{', '.join(_string(value) for value in values)}]"
        for key, values in wanted.written()
    ]


def _comment(text: str) -> str:
    """Text safe inside a TOML comment: no line break (which would end it) or control code."""
    return "".join(" " if ord(char) < 0x20 or ord(char) == 0x7F else char for char in text)


def _string(text: str) -> str:
    """A TOML basic string: JSON's escapes (``\\"``, ``\\\\``, ``\\n``, ``\\uXXXX``) are TOML's;
    TOML also wants DEL escaped, which JSON leaves as it is."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")

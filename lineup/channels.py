"""Channels from the catalog: automatic (one per show, plus Movies) or from ``[[channel]]`` specs.

This is where catalog items become each channel's programme list (in chronological play order;
a shuffle is applied per loop by the schedule, so the list here is the same for every order),
its filler pool and its break policy. Everything is sorted explicitly, never left to the order
the catalog happens to return, because the schedule must be a pure function of the content.
"""

from __future__ import annotations

import bisect
import difflib
import logging
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from lineup.catalog import SkippedEpisode
from lineup.config import DEFAULT_BREAKS, ChannelSpec
from lineup.errors import ConfigError
from lineup.models import Channel, FillerKind, FillerPolicy, ItemKind, MediaItem, SlotPlan
from lineup.numbering import MOVIES_KEY, ChannelNumbers, show_key
from lineup.roles import pool_with_roles, present_roles
from lineup.slot_config import SlotSpec

log = logging.getLogger(__name__)

DEFAULT_BREAK_ITEMS = 2
DEFAULT_PAD_MINUTES = 30
PAD_MIN_SECONDS = 600  # programmes shorter than this are not padded to the clock by default
MOVIES_NAME = "Movies"
_PROGRAMME_KINDS = (ItemKind.EPISODE, ItemKind.MOVIE)
_TITLE_YEAR = re.compile(r"^(.*?)\s*\((\d{4})\)\s*$")


def default_policy(has_filler: bool, programmes: Sequence[MediaItem] = ()) -> FillerPolicy:
    """The break a channel gets when nobody configured one.

    With filler: two items after every programme, then more filler up to the next :00 or :30,
    which is how broadcast TV looked — but only when the material fits a clock grid (its
    typical programme is :data:`PAD_MIN_SECONDS` or longer): padding 30-second clips to the
    half hour would loop commercials for 29 minutes under a show's title. Without filler: no
    break and no padding, so programmes run back to back — padding with the slate alone would
    put minutes of a test card after each show.
    """
    if not has_filler:
        return FillerPolicy()
    if programmes and _typical_duration(programmes) < PAD_MIN_SECONDS:
        return FillerPolicy(items=DEFAULT_BREAK_ITEMS)
    return FillerPolicy(items=DEFAULT_BREAK_ITEMS, pad_minutes=DEFAULT_PAD_MINUTES)


def _typical_duration(programmes: Sequence[MediaItem]) -> float:
    """The median programme duration (what "the material" is, ignoring a few odd files)."""
    durations = sorted(item.duration for item in programmes)
    return durations[len(durations) // 2]


def episode_sort_key(item: MediaItem) -> tuple[object, ...]:
    """Season then episode; specials (season 0) and unnumbered files after the numbered ones."""
    special = item.season is None or item.season == 0
    return (
        special,
        item.season or 0,
        item.episode is None,
        item.episode or 0,
        item.episode_end or 0,
        item.title.casefold(),
        item.path,
        item.id,
    )


def movie_sort_key(item: MediaItem) -> tuple[object, ...]:
    return (item.title.casefold(), item.year or 0, item.path, item.id)


def filler_pool(items: Iterable[MediaItem], folders: Sequence[Path] = ()) -> tuple[MediaItem, ...]:
    """Break items: everything under ``folders`` if given, else every FILLER item; by path."""
    if folders:
        chosen = [i for i in items if i.kind != ItemKind.SLATE and _under(i.path, folders)]
    else:
        chosen = [i for i in items if i.kind == ItemKind.FILLER]
    return tuple(sorted(chosen, key=lambda item: (item.path, item.id)))


def auto_lineup(items: Sequence[MediaItem], numbering: ChannelNumbers) -> list[Channel]:
    """One channel per show plus one "Movies" channel, numbered stably (see lineup.numbering).

    Every channel shares all filler items as its break pool, with :func:`default_policy`.
    """
    shows: dict[str, list[MediaItem]] = {}
    movies: list[MediaItem] = []
    for item in items:
        if item.kind == ItemKind.EPISODE and item.show and item.show.strip():
            shows.setdefault(show_key(item.show), []).append(item)
        elif item.kind == ItemKind.MOVIE:
            movies.append(item)
    filler = filler_pool(items)
    roles = present_roles(filler)

    keys = sorted(shows)
    if movies:
        keys.append(MOVIES_KEY)
    numbers = numbering.assign(keys)
    channels = []
    for key in keys:
        if key == MOVIES_KEY:
            name, programmes = MOVIES_NAME, sorted(movies, key=movie_sort_key)
        else:
            episodes = sorted(shows[key], key=episode_sort_key)
            name = _display_name(episodes)
            programmes = episodes
        channels.append(
            Channel(
                number=numbers[key],
                name=name,
                programmes=tuple(programmes),
                filler=filler,
                policy=default_policy(bool(filler), programmes),
                breaks=DEFAULT_BREAKS,
                up_next=True,
                filler_kinds=roles,
            )
        )
    return sorted(channels, key=lambda channel: channel.number)


def resolve_channels(
    specs: Sequence[ChannelSpec], items: Sequence[MediaItem], timezone: str = ""
) -> list[Channel]:
    """Match each spec against the catalog; a spec that matches nothing airs the slate.

    A channel's ``[[channel.slot]]`` tables are resolved the same way; a slot that matches
    nothing raises ConfigError at its line (an empty 9 pm movie slot is a mistake worth stopping
    for). A channel with slots and no content of its own rotates its slots' programmes outside
    them. ``timezone`` is the IANA zone of the slots' local times ("" = the system's).

    A channel with several sources (shows, movies, folders) takes one programme from each in
    turn — one Cheers, one Frasier, one Cheers… — so it feels like a network rather than a
    marathon of whichever show was listed first. Each show runs in season/episode order, movies
    in the order listed (``movies = true``: by title and year).
    """
    library = _Library(items)
    channels = []
    for spec in specs:
        filler = library.filler(spec.filler_folders)
        slots = tuple(_slot_plan(spec, slot, library) for slot in spec.slots)
        programmes = _programmes(spec, library)
        if slots and not _has_own_content(spec):
            programmes = _interleave([list(slot.programmes) for slot in slots])
        everything = [*programmes, *(p for slot in slots for p in slot.programmes)]
        policy = (
            spec.filler if spec.filler is not None else default_policy(bool(filler), everything)
        )
        roles: tuple[FillerKind, ...] = ()
        if spec.role_folders or spec.filler_kinds:
            filler, roles = pool_with_roles(
                filler, spec.role_folders, library.under, spec.filler_kinds
            )
        channels.append(
            Channel(
                number=spec.number,
                name=spec.name,
                slots=slots,
                timezone=timezone if slots else "",
                programmes=programmes,
                filler=filler,
                policy=policy,
                order=spec.order,
                seed=spec.seed,
                logo=str(spec.logo) if spec.logo is not None else None,
                mode=spec.mode,
                group=spec.group,
                profile=spec.profile,
                breaks=spec.breaks,
                up_next=spec.up_next,
                filler_kinds=roles or present_roles(filler),
                id_window_minutes=spec.id_window_minutes,
                subtitles=spec.subtitles,
                subtitle_language=spec.subtitle_language,
                bug=spec.bug,
            )
        )
    return sorted(channels, key=lambda channel: channel.number)


class _Library:
    """The catalog indexed once, so resolving many specs is not specs x items work."""

    def __init__(self, items: Sequence[MediaItem]):
        self.episodes: dict[str, list[MediaItem]] = {}
        self.movies: dict[str, list[MediaItem]] = {}
        for item in items:
            if item.kind == ItemKind.EPISODE and item.show and item.show.strip():
                self.episodes.setdefault(show_key(item.show), []).append(item)
            elif item.kind == ItemKind.MOVIE:
                self.movies.setdefault(_title_key(item.title), []).append(item)
        for group in (*self.episodes.values(), *self.movies.values()):
            group.sort(
                key=episode_sort_key if group[0].kind == ItemKind.EPISODE else movie_sort_key
            )
        self.all_movies = sorted(
            (movie for group in self.movies.values() for movie in group), key=movie_sort_key
        )
        # (normalised path, item), sorted: the items under a folder are one contiguous run
        self._by_path = sorted(
            ((os.path.normpath(item.path), item) for item in items if item.path),
            key=lambda entry: (entry[0], entry[1].id),
        )
        self._paths = [path for path, _ in self._by_path]
        self.collections: dict[str, list[MediaItem]] = {}  # Plex collections, by title
        self.sections: dict[str, list[MediaItem]] = {}  # Plex library sections, by title
        for item in items:
            if item.kind not in _PROGRAMME_KINDS:
                continue
            for name in item.collections:
                self.collections.setdefault(_title_key(name), []).append(item)
            if item.section:
                self.sections.setdefault(_title_key(item.section), []).append(item)
        self._default_filler = filler_pool(items)
        self._filler: dict[tuple[Path, ...], tuple[MediaItem, ...]] = {}

    def under(self, folders: Sequence[Path]) -> list[MediaItem]:
        """Every item in or below any of ``folders``, by path."""
        found: dict[int, MediaItem] = {}
        paths = self._paths
        for folder in folders:
            root = os.path.normpath(str(folder))
            # "/tv/Cheers 2" sorts between "/tv/Cheers" and "/tv/Cheers/…": look for each
            index = bisect.bisect_left(paths, root)
            while index < len(paths) and paths[index] == root:
                found.setdefault(id(self._by_path[index][1]), self._by_path[index][1])
                index += 1
            prefix = root.rstrip(os.sep) + os.sep
            index = bisect.bisect_left(paths, prefix)
            while index < len(paths) and paths[index].startswith(prefix):
                found.setdefault(id(self._by_path[index][1]), self._by_path[index][1])
                index += 1
        return sorted(found.values(), key=lambda item: (item.path, item.id))

    def filler(self, folders: Sequence[Path]) -> tuple[MediaItem, ...]:
        """The break pool; one tuple object per distinct folder list (cheaper fingerprints)."""
        if not folders:
            return self._default_filler
        key = tuple(folders)
        if key not in self._filler:
            self._filler[key] = tuple(i for i in self.under(folders) if i.kind != ItemKind.SLATE)
        return self._filler[key]


def _programmes(spec: ChannelSpec, library: _Library) -> tuple[MediaItem, ...]:
    groups: dict[str, list[MediaItem]] = {}
    for name in spec.shows:
        key = show_key(name)
        found = library.episodes.get(key, [])
        if not found:
            log.warning("channel %d: no episodes of show %r in the library", spec.number, name)
        groups.setdefault(key, []).extend(found)

    if spec.movies is True:
        groups.setdefault(MOVIES_KEY, []).extend(library.all_movies)
    elif spec.movies:
        for title in spec.movies:
            found = _movies_titled(title, library)
            if not found:
                log.warning("channel %d: no movie %r in the library", spec.number, title)
            groups.setdefault(MOVIES_KEY, []).extend(found)

    if spec.folders:
        in_folders = [i for i in library.under(spec.folders) if i.kind in _PROGRAMME_KINDS]
        _add_by_show(groups, in_folders)
        if not in_folders:
            log.warning("channel %d: nothing playable in its folders", spec.number)
    for what, names, index in (
        ("collection", spec.collections, library.collections),
        ("section", spec.sections, library.sections),
    ):
        for name in names:
            found = index.get(_title_key(name), [])
            if not found:
                log.warning("channel %d: no %s %r in the library", spec.number, what, name)
            _add_by_show(groups, found)
    _by_metadata(spec, groups, library)

    return _interleave(groups.values())


def _has_own_content(spec: ChannelSpec) -> bool:
    return bool(
        spec.shows
        or spec.movies
        or spec.folders
        or spec.collections
        or spec.sections
        or spec.metadata
    )


def _slot_plan(spec: ChannelSpec, slot: SlotSpec, library: _Library) -> SlotPlan:
    """One slot's programmes, in the order its progression plays them."""
    content = ChannelSpec(
        number=spec.number,
        name=spec.name,
        shows=slot.shows,
        movies=slot.movies,
        folders=slot.folders,
        collections=slot.collections,
        sections=slot.sections,
        metadata=slot.metadata,
    )
    programmes = _programmes(content, library)
    if slot.seasons:
        wanted = set(slot.seasons)
        programmes = tuple(
            item for item in programmes if item.kind != ItemKind.EPISODE or item.season in wanted
        )
    if slot.count_movies:
        programmes = tuple(item for item in programmes if item.kind == ItemKind.MOVIE)
    if not programmes:
        raise ConfigError(
            f"channel {spec.number}: this slot ({slot.describe()}) has nothing to play: "
            "nothing in the library matches its selection",
            slot.file,
            slot.line,
        )
    return SlotPlan(
        key=slot.key,
        where=slot.where,
        weekdays=slot.weekdays,
        dates=slot.dates,
        start=slot.start,
        end=slot.end,
        count=slot.count,
        programmes=programmes,
        order=slot.order,
        seed=slot.seed,
    )


def _by_metadata(spec: ChannelSpec, groups: dict[str, list[MediaItem]], library: _Library) -> None:
    """genres / decades / networks / ratings: alone they pick from the whole library, grouped
    by show like a collection; beside shows, movies, folders... they narrow what those picked
    ("the 1980s episodes of these shows")."""
    wanted = spec.metadata
    if wanted is None:
        return
    if spec.shows or spec.movies or spec.folders or spec.collections or spec.sections:
        for group in groups.values():
            group[:] = wanted.select(group)
    else:
        everything = [item for group in library.episodes.values() for item in group]
        _add_by_show(groups, wanted.select(everything + library.all_movies))
    if not any(groups.values()):
        log.warning("channel %d: no programme matches %s", spec.number, wanted.describe())


def _add_by_show(groups: dict[str, list[MediaItem]], items: Iterable[MediaItem]) -> None:
    """Each show's episodes as one group (in episode order), the movies as another."""
    by_show: dict[str, list[MediaItem]] = {}
    loose: list[MediaItem] = []
    for item in items:
        if item.kind == ItemKind.EPISODE and item.show:
            by_show.setdefault(show_key(item.show), []).append(item)
        else:
            loose.append(item)
    for key in sorted(by_show):
        groups.setdefault(key, []).extend(sorted(by_show[key], key=episode_sort_key))
    groups.setdefault(MOVIES_KEY, []).extend(sorted(loose, key=movie_sort_key))


def _interleave(groups: Iterable[list[MediaItem]]) -> tuple[MediaItem, ...]:
    """One from each group in turn; an item in several groups airs once, at its first place."""
    seen: set[int] = set()
    queues = []
    for group in groups:
        unique = []
        for item in group:
            if item.id not in seen:
                seen.add(item.id)
                unique.append(item)
        if unique:
            queues.append(unique)
    out: list[MediaItem] = []
    for turn in range(max((len(queue) for queue in queues), default=0)):
        out.extend(queue[turn] for queue in queues if turn < len(queue))
    return tuple(out)


def _movies_titled(title: str, library: _Library) -> list[MediaItem]:
    """Movies called ``title``; "Heat (1995)" also pins the year."""
    year = None
    pinned = _TITLE_YEAR.match(title)
    if pinned:
        title, year = pinned.group(1), int(pinned.group(2))
    found = library.movies.get(_title_key(title), [])
    return [item for item in found if year is None or item.year == year]


def _title_key(title: str) -> str:
    return " ".join(title.split()).casefold()


def _under(path: str, folders: Sequence[Path]) -> bool:
    if not path:
        return False
    normal = os.path.normpath(path)
    for folder in folders:
        root = os.path.normpath(str(folder))
        if normal == root or normal.startswith(root.rstrip(os.sep) + os.sep):
            return True
    return False


def _display_name(episodes: Sequence[MediaItem]) -> str:
    """The spelling of the show name most of its files use (ties: alphabetical)."""
    counts: dict[str, int] = {}
    for item in episodes:
        name = " ".join((item.show or "").split())
        counts[name] = counts.get(name, 0) + 1
    return min(counts, key=lambda name: (-counts[name], name))


def _holds(
    season: int | None, first: int | None, last: int | None, wanted_season: int, wanted_episode: int
) -> bool:
    """True when a file numbered S``season``E``first``[-E``last``] holds the wanted episode."""
    return (
        season == wanted_season and first is not None and first <= wanted_episode <= (last or first)
    )


def marathon_channel(
    items: Sequence[MediaItem],
    show: str,
    season: int,
    episode: int,
    number: int = 1,
    skipped: Sequence[SkippedEpisode] = (),
) -> Channel:
    """Channel ``number``: ``show`` from S``season``E``episode`` on, then the following episodes
    (looping), with the library's filler between them — what ``retrovue play`` serves.

    Raises ConfigError naming the close matches when the show or the episode is not there, or,
    when the episode's file is in ``skipped``, why the scan skipped it (a truncated file is
    worth knowing about; "has no episode 3" sends the user looking for a naming mistake).
    """
    wanted = show_key(show)
    episodes = sorted(
        (i for i in items if i.kind == ItemKind.EPISODE and i.show and show_key(i.show) == wanted),
        key=episode_sort_key,
    )
    start = next(
        (
            n
            for n, item in enumerate(episodes)
            if _holds(item.season, item.episode, item.episode_end, season, episode)
        ),
        None,
    )
    if start is None:
        gone = next(
            (
                s
                for s in skipped
                if show_key(s.show) == wanted
                and _holds(s.season, s.episode, s.episode_end, season, episode)
            ),
            None,
        )
        if gone is not None:
            raise ConfigError(
                f"{gone.show} S{season:02d}E{episode:02d} was skipped by the scan: "
                f"{gone.file.reason}: {gone.file.path}"
            )
    if not episodes:
        shows = sorted({i.show for i in items if i.kind == ItemKind.EPISODE and i.show})
        close = difflib.get_close_matches(show, shows, n=3, cutoff=0.5)
        hint = f" (did you mean {', '.join(repr(s) for s in close)}?)" if close else ""
        raise ConfigError(f"no show called {show!r} in the library{hint}")
    if start is None:
        raise ConfigError(f"{episodes[0].show} has no season {season} episode {episode}")
    filler = filler_pool(items)
    return Channel(
        number=number,
        name=episodes[0].show or show,
        programmes=tuple(episodes[start:] + episodes[:start]),
        filler=filler,
        policy=FillerPolicy(items=DEFAULT_BREAK_ITEMS) if filler else FillerPolicy(),
        breaks=DEFAULT_BREAKS,
        up_next=True,
        filler_kinds=present_roles(filler),
    )

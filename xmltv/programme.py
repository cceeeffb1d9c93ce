"""What the guide says about one item: the text of a ``<programme>``, decided once per item.

This is the editorial mapping (which title, which categories, which episode numbers) kept apart
from the XML so it can be read and tested on its own; :mod:`xmltv.writer` only places these
fields into elements in DTD order.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from lineup.models import ItemKind, MediaItem
from xmltv.episodes import onscreen, xmltv_ns
from xmltv.text import clean_block, clean_line
from xmltv.urls import is_web_url, quote_url

__all__ = ["UNTITLED", "ProgrammeFields", "programme_fields"]

#: Title of last resort: ``tv_validate_file`` rejects an empty title and Plex shows nothing.
UNTITLED = "Untitled"

# Category naming the kind, first in the list: Plex, Jellyfin and Channels key on these words.
_KIND_CATEGORY = {ItemKind.EPISODE: "Series", ItemKind.MOVIE: "Movie"}
_KIND_WORDS = frozenset(word.casefold() for word in _KIND_CATEGORY.values())

# A retro channel only shows things that aired before: mark them so Plex does not call them NEW.
_RERUN_KINDS = frozenset((ItemKind.EPISODE, ItemKind.MOVIE))


@dataclass(frozen=True, slots=True)
class ProgrammeFields:
    """The cleaned, non-empty texts of one programme, in DTD order; ``None``/``()`` = omitted."""

    title: str
    sub_title: str | None = None
    desc: str | None = None
    date: str | None = None
    categories: tuple[str, ...] = ()
    icon: str | None = None
    xmltv_ns: str | None = None
    onscreen: str | None = None
    previously_shown: bool = False


def programme_fields(item: MediaItem) -> ProgrammeFields:
    """Map ``item`` to guide fields.

    * title: the show for an episode, else the item title (never empty);
    * sub-title: the episode title, when it says something the title does not;
    * desc: the summary; date: the year; categories: ``Series``/``Movie`` then the genres;
    * icon: only an absolute http(s) URL (PMS fetches it itself), percent-escaped;
    * episode numbers for episodes; ``previously-shown`` for episodes and movies.

    The slate is dead air with a name: it gets a title and nothing else.
    """
    kind = item.kind
    title_text = clean_line(item.title)
    if kind == ItemKind.SLATE:
        return ProgrammeFields(title=title_text or UNTITLED)

    show = clean_line(item.show) if kind == ItemKind.EPISODE else ""
    title = show or title_text or UNTITLED
    sub_title = title_text if show and title_text and title_text != show else None
    icon = clean_line(item.icon)
    is_episode = kind == ItemKind.EPISODE
    return ProgrammeFields(
        title=title,
        sub_title=sub_title,
        desc=clean_block(item.summary) or None,
        date=_date(item.year),
        categories=_categories(kind, item.genres),
        icon=quote_url(icon) if is_web_url(icon) else None,
        xmltv_ns=xmltv_ns(item.season, item.episode) if is_episode else None,
        onscreen=onscreen(item.season, item.episode, item.episode_end) if is_episode else None,
        previously_shown=kind in _RERUN_KINDS,
    )


def _date(year: int | None) -> str | None:
    # XMLTV dates are YYYY[MM[DD]]; Plex reads only the year forms, so the year is all we send.
    if year is None or not 1 <= year <= 9999:
        return None
    return f"{year:04d}"


@functools.lru_cache(maxsize=4096)  # every episode of a show asks the same question
def _categories(kind: ItemKind, genres: tuple[str, ...]) -> tuple[str, ...]:
    kind_category = _KIND_CATEGORY.get(kind)
    result = [kind_category] if kind_category else []
    seen = set(_KIND_WORDS)  # a genre never re-types the programme ("Movie" on an episode)
    for genre in genres:
        text = clean_line(genre)
        key = text.casefold()
        if text and key not in seen:
            seen.add(key)
            result.append(text)
    return tuple(result)

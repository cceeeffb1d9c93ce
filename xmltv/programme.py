"""What the guide says about one item: the text of a ``<programme>``, decided once per item.

This is the editorial mapping (which title, which categories, which episode numbers) kept apart
from the XML so it can be read and tested on its own; :mod:`xmltv.writer` only places these
fields into elements in DTD order.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from lineup.models import ARTWORK_PREFIX, ItemKind, MediaItem
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

# An icon URL that clean_line, is_web_url and quote_url would pass as it is: http(s), a host, and
# only characters quote_url keeps (printable ASCII without spaces, so nothing to clean either).
_PLAIN_WEB_URL = re.compile(
    r"(?i:https?)://[A-Za-z0-9_.~\-:\[\]@!$&'()*+;=%][A-Za-z0-9_.~\-:/?#\[\]@!$&'()*+;=%]*"
)


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
    rating: tuple[str | None, str] | None = None  # (system, value): ("VCHIP", "TV-PG")


def programme_fields(item: MediaItem, base_url: str | None = None) -> ProgrammeFields:
    """Map ``item`` to guide fields.

    * title: the show for an episode, else the item title (never empty);
    * sub-title: the episode title, when it says something the title does not;
    * desc: the summary; date: the year; categories: ``Series``/``Movie`` then the genres;
    * icon: an absolute http(s) URL (PMS fetches it itself), percent-escaped; a root-relative
      one (our ``/artwork/<id>``) is joined to ``base_url``;
    * episode numbers for episodes; ``previously-shown`` for episodes and movies;
    * rating: the content rating (``TV-PG`` under VCHIP, ``PG-13`` under MPAA).

    The slate is dead air with a name: it gets a title and nothing else.

    The writer does not build this dataclass: it composes the same helpers below (``titles``,
    ``desc``, ``date``, ``categories``, ``icon``, ``episode_numbers``, ``previously_shown``)
    with memos of its own, and ``tests/xmltv`` holds it to what this function says.
    """
    kind = item.kind
    title_text = clean_line(item.title)
    if kind == ItemKind.SLATE:
        return ProgrammeFields(title=title_text or UNTITLED)
    title, sub_title = titles(clean_line(item.show) if kind == ItemKind.EPISODE else "", title_text)
    xmltv_ns_text, onscreen_text = episode_numbers(
        kind, item.season, item.episode, item.episode_end
    )
    return ProgrammeFields(
        title=title,
        sub_title=sub_title,
        desc=desc(item.summary),
        date=date(item.year),
        categories=categories(kind, item.genres),
        icon=icon(item.icon, base_url),
        xmltv_ns=xmltv_ns_text,
        onscreen=onscreen_text,
        previously_shown=previously_shown(kind),
        rating=rating(item.content_rating),
    )


def titles(show: str, title: str) -> tuple[str, str | None]:
    """(title, sub-title) from the cleaned show (``""`` unless an episode) and item title."""
    return show or title or UNTITLED, title if show and title and title != show else None


def desc(summary: str | None) -> str | None:
    return clean_block(summary) or None


def icon(url: str | None, base_url: str | None = None) -> str | None:
    """The icon URL as the guide writes it: an absolute http(s) URL, or our own artwork path
    (``/artwork/12``: a media server's artwork, which we serve) joined to ``base_url``;
    anything else (a local file path; our path without a base URL) is left out."""
    if not url:
        return None
    if url.startswith(ARTWORK_PREFIX):
        if base_url is None:
            return None
        url = base_url + url
    if _PLAIN_WEB_URL.fullmatch(url) is not None:  # the usual case: nothing to clean or quote
        return url
    url = clean_line(url)
    return quote_url(url) if is_web_url(url) else None


def episode_numbers(
    kind: ItemKind, season: int | None, episode: int | None, episode_end: int | None
) -> tuple[str | None, str | None]:
    """(xmltv_ns, onscreen) for an episode; nothing for other kinds."""
    if kind != ItemKind.EPISODE:
        return None, None
    return xmltv_ns(season, episode), onscreen(season, episode, episode_end)


_VCHIP = frozenset(("TV-Y", "TV-Y7", "TV-Y7-FV", "TV-G", "TV-PG", "TV-14", "TV-MA"))
_MPAA = frozenset(("G", "PG", "PG-13", "R", "NC-17", "NR", "X"))


@functools.lru_cache(maxsize=256)
def rating(content_rating: str | None) -> tuple[str | None, str] | None:
    """The ``<rating>`` for a content rating: US TV ratings under ``VCHIP``, film ratings under
    ``MPAA``, anything else (``gb/15``, ``de/12``) as Plex has it, without a system.
    Jellyfin takes the first rating as the programme's official rating."""
    value = clean_line(content_rating or "")
    if not value:
        return None
    upper = value.upper()
    if upper in _VCHIP:
        return "VCHIP", upper
    if upper in _MPAA:
        return "MPAA", upper
    return None, value


def previously_shown(kind: ItemKind) -> bool:
    return kind in _RERUN_KINDS


def date(year: int | None) -> str | None:
    # XMLTV dates are YYYY[MM[DD]]; Plex reads only the year forms, so the year is all we send.
    if year is None or not 1 <= year <= 9999:
        return None
    return f"{year:04d}"


@functools.lru_cache(maxsize=4096)  # every episode of a show asks the same question
def categories(kind: ItemKind, genres: tuple[str, ...]) -> tuple[str, ...]:
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

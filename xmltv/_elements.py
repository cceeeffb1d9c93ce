"""Serialised ``<programme>`` bodies: how the writer renders a week of 500 channels in time.

A week of 500 half-hour channels is 168 000 programmes, and on a real lineup nearly every one is
a different item. Refilling reusable lxml elements and having lxml serialise them cost 10 to
17 µs a programme (2.9 s for the week); here each distinct item is turned into the UTF-8 bytes
of its children and closing tag once per render (a few string joins, ~4 µs), and each airing is
then four byte strings handed to the output: ``<programme start="…" stop="``,
``…" channel="``, ``{id}">`` and that body.

The bytes are exactly what lxml (libxml2) writes for the same elements, children in DTD order:
texts that :mod:`xmltv.text` lets through need only ``&``, ``<`` and ``>`` escaped in content,
plus ``"`` and the whitespace controls in attribute values (UTF-8 output writes every other
character as it is). ``tests/xmltv`` pins this against lxml for every code point the cleaning
keeps, and the whole document against a plain lxml rendering.
"""

from __future__ import annotations

from lineup.models import ItemKind, MediaItem
from xmltv.programme import (
    UNTITLED,
    categories,
    date,
    desc,
    episode_numbers,
    icon,
    previously_shown,
    rating,
    titles,
)
from xmltv.text import clean_line

__all__ = ["ProgrammeBodies", "escape_attribute", "escape_text"]

_SUB_TITLE = '<sub-title lang="en">'
_DESC = '<desc lang="en">'
_END = "</programme>\n"  # one programme per line: Kodi parses huge single lines slowly
_SLATE = ItemKind.SLATE
_EPISODE = ItemKind.EPISODE


def escape_text(text: str) -> str:
    """``text`` as element content, escaped as libxml2 does (for already cleaned text)."""
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def escape_attribute(text: str) -> str:
    """``text`` as a double-quoted attribute value, escaped as libxml2 does."""
    text = escape_text(text)
    if '"' in text or "\n" in text or "\r" in text or "\t" in text:
        text = (
            text.replace('"', "&quot;")
            .replace("\n", "&#10;")
            .replace("\r", "&#13;")
            .replace("\t", "&#9;")
        )
    return text


class ProgrammeBodies:
    """The serialised body of each item's ``<programme>``, for the length of one render.

    :attr:`cache` maps ``id(item)`` to the body; the writer reads it directly on its hot path
    and calls :meth:`add` on a miss. Items are looked up by identity alone: a schedule hands
    out the channel's own item objects, and hashing a dataclass would cost more than the
    lookup; an equal copy just gets its own, identical body. Every item seen is kept alive for
    the render so its id cannot be reused.

    What grows with the items (bodies, titles, cleaned show names) is ``bytes`` and ``str``,
    which CPython's garbage collector does not track: tens of thousands of entries do not make
    the caller's heap any slower to collect.
    """

    __slots__ = ("_heads", "_items", "_middles", "_shows", "_tails", "base_url", "cache")

    def __init__(self, base_url: str | None = None) -> None:
        self.base_url = base_url  # joined to root-relative icons (our /artwork/<id>)
        self.cache: dict[int, bytes] = {}
        self._items: list[MediaItem] = []  # keeps every id in cache from being reused
        # What every episode of a show (every movie of a year and genre) repeats, by the raw
        # item fields it comes from, so the cleaning is done once per show and not per item.
        self._shows: dict[str | None, str] = {}  # raw show → cleaned show
        self._heads: dict[str, str] = {}  # title → <title>
        self._middles: dict[tuple[ItemKind, int | None, tuple[str, ...]], str] = {}
        self._tails: dict[tuple[ItemKind, int | None, int | None, int | None, str | None], str] = {}

    def body(self, item: MediaItem) -> bytes:
        """The children and closing tag of ``item``'s ``<programme>``, UTF-8."""
        found = self.cache.get(id(item))
        return found if found is not None else self.add(item)

    def add(self, item: MediaItem) -> bytes:
        """Serialise ``item`` (not yet in :attr:`cache`) and remember it.

        The fields are :func:`xmltv.programme.programme_fields`'s, from the same helpers; the
        elements are in DTD order: title, sub-title, desc, date, category*, icon, episode-num*,
        previously-shown, rating.
        """
        kind = item.kind
        title_text = clean_line(item.title)
        if kind == _SLATE:
            body = f"{self._head(title_text or UNTITLED)}{_END}".encode()
        else:
            show = ""
            if kind == _EPISODE:
                raw = item.show
                found = self._shows.get(raw)
                show = found if found is not None else self._shows.setdefault(raw, clean_line(raw))
            title, sub_title = titles(show, title_text)
            parts = [self._head(title)]
            if sub_title is not None:
                parts += (_SUB_TITLE, escape_text(sub_title), "</sub-title>")
            text = desc(item.summary)
            if text is not None:
                parts += (_DESC, escape_text(text), "</desc>")
            key = (kind, item.year, item.genres)
            middle = self._middles.get(key)
            if middle is None:
                middle = self._middles[key] = _middle(
                    date(item.year), categories(kind, item.genres)
                )
            parts.append(middle)
            url = icon(item.icon, self.base_url)
            if url is not None:
                parts += ('<icon src="', escape_attribute(url), '"/>')
            numbers = (kind, item.season, item.episode, item.episode_end, item.content_rating)
            tail = self._tails.get(numbers)
            if tail is None:
                tail = self._tails[numbers] = _tail(
                    *episode_numbers(*numbers[:4]),
                    previously_shown(kind),
                    rating(item.content_rating),
                )
            parts.append(tail)
            body = "".join(parts).encode()
        self._items.append(item)
        self.cache[id(item)] = body
        return body

    def _head(self, title: str) -> str:
        head = self._heads.get(title)
        if head is None:
            head = self._heads[title] = f'<title lang="en">{escape_text(title)}</title>'
        return head


def _middle(date: str | None, categories: tuple[str, ...]) -> str:
    parts = [] if date is None else [f"<date>{escape_text(date)}</date>"]
    parts += (f'<category lang="en">{escape_text(category)}</category>' for category in categories)
    return "".join(parts)


def _tail(
    ns: str | None, onscreen: str | None, shown: bool, rated: tuple[str | None, str] | None
) -> str:
    parts = []
    if ns is not None:
        parts.append(f'<episode-num system="xmltv_ns">{escape_text(ns)}</episode-num>')
    if onscreen is not None:
        parts.append(f'<episode-num system="onscreen">{escape_text(onscreen)}</episode-num>')
    if shown:
        parts.append("<previously-shown/>")
    if rated is not None:
        system, value = rated
        attribute = f' system="{escape_attribute(system)}"' if system else ""
        parts.append(f"<rating{attribute}><value>{escape_text(value)}</value></rating>")
    parts.append(_END)
    return "".join(parts)

"""Kodi/Jellyfin/tinyMediaManager ``.nfo`` files: the network, genres, year and rating they give.

Local folders carry no metadata in their names beyond titles and numbers, but media managers
write XML next to the files: ``tvshow.nfo`` in a show's folder (``<tvshow>``), and ``movie.nfo``
or ``<file stem>.nfo`` next to a movie (``<movie>``). We read four things from them:
``<studio>`` (the network or studio), every ``<genre>``, ``<year>`` (else the year of
``<premiered>``/``<aired>``) and ``<mpaa>`` (the content rating).

The files come from the user's disk, often written by other programs or downloaded with the
media, so the parser is defused: no network access, no entity expansion (a "billion laughs" or
an external entity pointing at ``/etc/passwd`` is refused, never expanded), no DTD loading, and
a document with a DTD at all is refused before it is parsed (Kodi never writes one). A bad
file is one warning and is then ignored: a stray ``.nfo`` must never stop a scan.

Which file applies to which video (:func:`nfo_for`) is pure, over the listing the scanner's
walk already made, so finding the ``.nfo`` costs no extra system call.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from lxml import etree

from lineup.models import ItemKind

log = logging.getLogger(__name__)

SHOW_NFO = "tvshow.nfo"
MOVIE_NFO = "movie.nfo"
MAX_NFO_BYTES = 1 << 20  # real ones are a few kB; a bigger file is not metadata
_ROOTS = ("tvshow", "movie", "episodedetails")
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_YEAR = re.compile(r"^\s*((?:18|19|20)\d{2})\b")


@dataclass(frozen=True, slots=True)
class NfoInfo:
    """What one ``.nfo`` says; empty fields where it says nothing."""

    studio: str | None = None
    genres: tuple[str, ...] = ()
    year: int | None = None
    content_rating: str | None = None


def _parser() -> etree.XMLParser:
    # resolve_entities=False: entity references stay unexpanded (no billion laughs, no XXE);
    # no_network: nothing is fetched; load_dtd=False: no external DTD is read either
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_nfo(data: bytes, label: str = "nfo") -> NfoInfo | None:
    """The metadata in an ``.nfo`` document, or None (with one warning) when it is not one.

    Kodi's "combination" files put a scraper URL after the XML; what follows the root
    element's end is ignored.
    """
    if _DOCTYPE.search(data):  # refused before parsing: entities live in DTDs
        log.warning("ignoring %s: it declares a DTD, which metadata files never need", label)
        return None
    try:
        root = etree.fromstring(_xml_part(data), _parser())
    except etree.XMLSyntaxError as exc:
        log.warning("ignoring %s: not valid XML (%s)", label, exc.msg or exc)
        return None
    if root.tag not in _ROOTS:
        log.warning("ignoring %s: <%s> is not a tvshow, movie or episode document", label, root.tag)
        return None
    return NfoInfo(
        studio=_first(root, "studio"),
        genres=_unique(_texts(root, "genre")),
        year=_year(root),
        content_rating=_rating(_first(root, "mpaa")),
    )


def read_nfo(path: str) -> NfoInfo | None:
    """:func:`parse_nfo` of the file at ``path`` (None, with a warning, if it cannot be read)."""
    try:
        with open(path, "rb") as source:
            data = source.read(MAX_NFO_BYTES + 1)
    except OSError as exc:
        log.warning("ignoring %s: cannot read it (%s)", path, exc.strerror or exc)
        return None
    if len(data) > MAX_NFO_BYTES:
        log.warning("ignoring %s: larger than %d bytes", path, MAX_NFO_BYTES)
        return None
    return parse_nfo(data, path)


def nfo_for(
    path: str,
    kind: ItemKind,
    root: str,
    nfos: Mapping[str, object],
    shared: Collection[str] = (),
) -> str | None:
    """The ``.nfo`` that describes the video at ``path``, among ``nfos`` (paths the walk saw).

    An episode takes the nearest ``tvshow.nfo`` from its folder up to the library ``root``
    (so ``Show/Season 01/ep.mkv`` finds ``Show/tvshow.nfo``). A movie takes ``<stem>.nfo``
    beside it, else ``movie.nfo`` in its own folder unless that folder is one of ``shared``,
    the folders holding several movies (Kodi's rule too: a ``movie.nfo`` in a flat folder of
    movies would describe them all alike). Filler has none.
    """
    folder = os.path.dirname(path)
    if kind == ItemKind.MOVIE:
        beside = os.path.splitext(path)[0] + ".nfo"
        if beside in nfos:
            return beside
        own = os.path.join(folder, MOVIE_NFO)
        return own if own in nfos and folder not in shared else None
    if kind != ItemKind.EPISODE:
        return None
    top = os.path.normpath(root)
    while True:
        candidate = os.path.join(folder, SHOW_NFO)
        if candidate in nfos:
            return candidate
        if os.path.normpath(folder) == top or not _is_under(folder, top):
            return None
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def is_nfo_file(name: str) -> bool:
    return name.lower().endswith(".nfo")


def _is_under(folder: str, top: str) -> bool:
    return os.path.normpath(folder).startswith(top.rstrip(os.sep) + os.sep)


def _xml_part(data: bytes) -> bytes:
    """The document up to its root element's end tag (Kodi appends URLs after it)."""
    for name in _ROOTS:
        end = data.rfind(f"</{name}>".encode())
        if end >= 0:
            return data[: end + len(name) + 3]
    return data


def _texts(root: etree._Element, tag: str) -> list[str]:
    out = []
    for node in root.findall(tag):
        text = " ".join("".join(node.itertext()).split())
        if text:
            out.append(text)
    return out


def _first(root: etree._Element, tag: str) -> str | None:
    found = _texts(root, tag)
    return found[0] if found else None


def _unique(values: list[str]) -> tuple[str, ...]:
    """Each genre once (first spelling wins); " / "-joined lists, as some scrapers write, split."""
    seen: dict[str, str] = {}
    for value in values:
        for part in value.split(" / "):
            name = part.strip()
            if name:
                seen.setdefault(name.casefold(), name)
    return tuple(seen.values())


def _year(root: etree._Element) -> int | None:
    for tag in ("year", "premiered", "aired", "releasedate"):
        for text in _texts(root, tag):
            found = _YEAR.match(text)
            if found:
                return int(found.group(1))
    return None


def _rating(text: str | None) -> str | None:
    """``<mpaa>``: "TV-PG", or Kodi's "Rated PG-13" / "US:PG-13" forms, as the bare rating."""
    if not text:
        return None
    value = text.strip()
    if value.lower().startswith("rated "):
        value = value[6:].strip()
    if ":" in value:
        value = value.rsplit(":", 1)[1].strip()
    return value or None

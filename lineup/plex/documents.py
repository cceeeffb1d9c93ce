"""Plex's XML documents → catalog items: pure functions over ``xml.etree`` elements.

Why not plexapi's objects? They are *partial* when built from a list, and reading any attribute
Plex left out (PMS omits empty ones: an episode without a summary, a show without a content
rating) makes plexapi fetch the item again — one request per item, the N+1 problem the issue
warns about — and a show without ``childCount`` is even re-fetched while it is being built.
plexapi still does the talking (connection, headers, the token, error types); we read the
documents it returns, which also keeps this module testable without any server.

Shapes (``/library/sections/{id}/all?type=2|4|1|18``, ``/library/collections/{id}/children``):
shows and collections are ``<Directory>``, episodes and movies ``<Video>`` with
``<Media><Part key file/></Media>`` nested inside, tags as ``<Genre tag=…/>`` children.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from xml.etree.ElementTree import Element

from lineup.models import ItemKind, MediaInfo, MediaItem, MediaServerRef

#: Plex's ``type=`` numbers for ``/library/sections/{id}/all``.
TYPE_MOVIE, TYPE_SHOW, TYPE_EPISODE, TYPE_COLLECTION = 1, 2, 4, 18

# videoFrameRate as Plex summarises it in lists (exact rates are only in full details).
_FRAME_RATES = {
    "24p": 23.976,
    "NTSC": 29.97,
    "PAL": 25.0,
    "60p": 59.94,
    "50p": 50.0,
    "30p": 29.97,
    "25p": 25.0,
    "48p": 48.0,
}
_DEFAULT_FPS = 29.97


@dataclass(frozen=True, slots=True)
class ShowInfo:
    """What episodes inherit from their show: genres, rating, artwork, collections, network."""

    rating_key: str
    title: str
    genres: tuple[str, ...] = ()
    content_rating: str | None = None
    thumb: str | None = None
    year: int | None = None
    version: str = ""  # the show's updatedAt
    studio: str | None = None  # the network (Plex puts it on shows, not on episodes)


@dataclass(frozen=True, slots=True)
class ParsedItem:
    """An episode or movie read from a list, or why it cannot be played."""

    item: MediaItem | None
    version: str  # Plex's updatedAt plus a digest of everything we keep
    label: str  # "Cheers S01E01" / "Heat (1995)", for messages
    skip_reason: str | None = None


@dataclass(frozen=True, slots=True)
class SectionInfo:
    key: str
    title: str
    type: str  # "show" or "movie" (other kinds are not imported)
    locations: tuple[str, ...] = ()


def page_info(container: Element) -> tuple[int, int | None]:
    """(items in this page, totalSize or None when the server did not say)."""
    size = _int(container.get("size")) or len(list(container))
    return size, _int(container.get("totalSize"))


def sections(container: Element) -> list[SectionInfo]:
    """The show and movie sections of ``/library/sections`` (music and photos are ignored)."""
    found = []
    for node in container.iter("Directory"):
        kind, key = node.get("type"), node.get("key")
        if kind in ("show", "movie") and key:
            locations = tuple(loc.get("path", "") for loc in node.iter("Location"))
            found.append(SectionInfo(key, node.get("title") or key, kind, locations))
    return found


def shows(container: Element) -> Iterator[ShowInfo]:
    for node in container:
        if node.tag == "Directory" and node.get("type") == "show" and node.get("ratingKey"):
            yield ShowInfo(
                rating_key=node.get("ratingKey", ""),
                title=node.get("title", ""),
                genres=_tags(node, "Genre"),
                content_rating=node.get("contentRating") or None,
                thumb=node.get("thumb") or None,
                year=_int(node.get("year")),
                version=node.get("updatedAt", ""),
                studio=_text(node.get("studio")),
            )


def collections(container: Element) -> Iterator[tuple[str, str]]:
    """(ratingKey, title) of each collection in a ``type=18`` list."""
    for node in container:
        if node.get("type") == "collection" and node.get("ratingKey"):
            yield node.get("ratingKey", ""), node.get("title", "")


def member_keys(container: Element) -> Iterator[str]:
    """ratingKeys of a collection's children."""
    for node in container:
        if node.get("ratingKey"):
            yield node.get("ratingKey", "")


def items(
    container: Element,
    server: str,
    section: str,
    show_info: Mapping[str, ShowInfo],
    memberships: Mapping[str, tuple[str, ...]],
) -> Iterator[ParsedItem]:
    """Episodes and movies of one list page, as catalog items; ``server`` is the server's
    machineIdentifier.

    ``show_info`` (by show ratingKey) supplies what Plex only puts on shows (genres); an
    episode's collections are its show's plus its own (``memberships`` by ratingKey).
    """
    for node in container:
        if node.tag != "Video":
            continue
        kind = node.get("type")
        if kind == "episode":
            yield _episode(node, server, section, show_info, memberships)
        elif kind == "movie":
            yield _movie(node, server, section, memberships)


def _episode(
    node: Element,
    server: str,
    section: str,
    show_info: Mapping[str, ShowInfo],
    memberships: Mapping[str, tuple[str, ...]],
) -> ParsedItem:
    show_key = node.get("grandparentRatingKey", "")
    show = show_info.get(show_key)
    show_title = node.get("grandparentTitle") or (show.title if show else "")
    season, number = _int(node.get("parentIndex")), _int(node.get("index"))
    label = show_title + (
        f" S{season:02d}E{number:02d}"
        if season is not None and number is not None
        else f" \u201c{node.get('title', '')}\u201d"
    )
    aired = _date(node.get("originallyAvailableAt"))
    extra = {
        "kind": ItemKind.EPISODE,
        "show": show_title or None,
        "season": season,
        "episode": number,
        "year": _int(node.get("year")) or _year(aired) or (show.year if show else None),
        "genres": show.genres if show else _tags(node, "Genre"),
        "content_rating": node.get("contentRating") or (show.content_rating if show else None),
        "collections": _merge(
            memberships.get(show_key, ()), memberships.get(node.get("ratingKey", ""), ())
        ),
        "thumb": node.get("thumb")
        or node.get("grandparentThumb")
        or (show.thumb if show else None),
        "aired": aired,
        "studio": _text(node.get("studio")) or (show.studio if show else None),
    }
    return _build(node, server, section, label, extra, show.version if show else "")


def _movie(
    node: Element, server: str, section: str, memberships: Mapping[str, tuple[str, ...]]
) -> ParsedItem:
    year = _int(node.get("year"))
    aired = _date(node.get("originallyAvailableAt"))
    title = node.get("title", "")
    extra = {
        "kind": ItemKind.MOVIE,
        "show": None,
        "season": None,
        "episode": None,
        "year": year or _year(aired),
        "genres": _tags(node, "Genre"),
        "content_rating": node.get("contentRating") or None,
        "collections": memberships.get(node.get("ratingKey", ""), ()),
        "thumb": node.get("thumb") or None,
        "aired": aired,
        "studio": _text(node.get("studio")),
    }
    label = f"{title} ({year})" if year else title
    return _build(node, server, section, label, extra, "")


def _build(
    node: Element,
    server: str,
    section: str,
    label: str,
    extra: Mapping[str, object],
    parent_version: str,
) -> ParsedItem:
    rating_key = node.get("ratingKey", "")
    path = item_path(server, rating_key)
    media = node.find("Media")
    part = media.find("Part") if media is not None else None
    updated = node.get("updatedAt", "")
    if media is None or part is None or not part.get("key"):
        return ParsedItem(None, updated, label, "Plex has no media file for it")
    duration_ms = (
        _int(part.get("duration")) or _int(media.get("duration")) or _int(node.get("duration")) or 0
    )
    if duration_ms <= 0:
        return ParsedItem(None, updated, label, "Plex reports no duration (not analysed yet?)")
    audio_codec = media.get("audioCodec") or None
    info = MediaInfo(
        duration=duration_ms / 1000.0,
        container=part.get("container") or media.get("container") or "",
        video_codec=media.get("videoCodec") or "",
        width=_int(media.get("width")) or 0,
        height=_int(media.get("height")) or 0,
        fps=_FRAME_RATES.get(media.get("videoFrameRate") or "", _DEFAULT_FPS),
        audio_codec=audio_codec,
        audio_channels=(_int(media.get("audioChannels")) or 2) if audio_codec else 0,
    )
    fields = dict(extra)
    thumb = fields.pop("thumb")
    item = MediaItem(
        id=0,
        path=path,
        title=node.get("title") or label,
        info=info,
        summary=node.get("summary") or None,
        section=section,
        source="plex",
        remote=MediaServerRef(
            server,
            part.get("key", ""),
            part.get("file", ""),
            thumb if isinstance(thumb, str) else None,
        ),
        **fields,  # type: ignore[arg-type]
    )
    return ParsedItem(item, f"{updated}.{parent_version}.{_digest(item)}", label)


def merge_shared_parts(parsed: Iterable[ParsedItem]) -> list[ParsedItem]:
    """One item per file: Plex lists a multi-episode file (S01E01-E02) as one episode per
    number, all on the same file; airing each would play the file twice. The first keeps the
    file and gets ``episode_end``; the others are dropped."""
    out: list[ParsedItem] = []
    first_by_part: dict[str, int] = {}
    for entry in parsed:
        item = entry.item
        # by file, not part id: whether PMS gives the episodes one part or one each varies
        key = (
            item.remote.file or item.remote.part_key
            if item is not None and item.remote is not None
            else None
        )
        if key is None or key not in first_by_part:
            if key is not None:
                first_by_part[key] = len(out)
            out.append(entry)
            continue
        kept = out[first_by_part[key]]
        first = kept.item
        assert first is not None and item is not None
        if (
            first.kind == item.kind == ItemKind.EPISODE
            and first.show == item.show
            and first.season == item.season
            and item.episode is not None
        ):
            end = max(first.episode_end or first.episode or 0, item.episode)
            merged = replace(first, episode_end=end)
            out[first_by_part[key]] = ParsedItem(
                merged, f"{kept.version}+{entry.version}.{_digest(merged)}", kept.label
            )
        else:  # the same file as two different things (a movie in two sections): keep both
            out.append(entry)
    return out


def item_path(server: str, rating_key: str) -> str:
    """The catalog locator of a Plex item: the server's machineIdentifier (not its URL, which
    users change: a new IP must not orphan the catalog or the published guide) and ratingKey."""
    return f"plex://{server}/library/metadata/{rating_key}"


def _digest(item: MediaItem) -> str:
    """A short digest of what we keep, so a change Plex does not date (a show's genres, a new
    collection) still counts as a change."""
    remote = item.remote
    values = [
        item.kind,
        item.title,
        item.show,
        item.season,
        item.episode,
        item.episode_end,
        item.year,
        item.summary,
        list(item.genres),
        item.content_rating,
        item.aired,
        item.section,
        list(item.collections),
        item.info.duration,
        item.info.container,
        item.info.video_codec,
        item.info.width,
        item.info.height,
        item.info.fps,
        item.info.audio_codec,
        item.info.audio_channels,
        remote.part_key if remote else None,
        remote.file if remote else None,
        remote.art_key if remote else None,
        item.studio,
    ]
    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


def _tags(node: Element, tag: str) -> tuple[str, ...]:
    return tuple(child.get("tag", "") for child in node.findall(tag) if child.get("tag"))


def _merge(*groups: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:
        for name in group:
            seen.setdefault(name, None)
    return tuple(seen)


def _text(value: str | None) -> str | None:
    """An attribute's text with its spaces tidied; None when missing or blank."""
    text = " ".join((value or "").split())
    return text or None


def _int(text: str | None) -> int | None:
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        try:
            return int(float(text))
        except ValueError:
            return None


def _date(text: str | None) -> str | None:
    """``YYYY-MM-DD`` from Plex's date (which may carry a time: ``1982-09-30 20:00:00``)."""
    if not text or len(text) < 10 or text[4] != "-" or text[7] != "-":
        return None
    return text[:10] if text[:4].isdigit() else None


def _year(date: str | None) -> int | None:
    return int(date[:4]) if date else None

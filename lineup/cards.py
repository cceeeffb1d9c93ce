""" "Up next" cards: what a card says, made from the schedule, carried as a segment's item.

A card is a short full-screen clip at the end of a break naming the programme that follows and
the one after it. The schedule decides what a card says (it alone knows what airs next), so the
text travels with the airing as a :class:`~lineup.models.MediaItem` of kind CARD whose
``summary`` holds the :class:`CardText` as JSON: published rows replay it like any item, and the
playout engine renders exactly that text (``hdhr_emulator.playout`` owns the pixels).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields

from lineup.models import ItemKind, MediaInfo, MediaItem

__all__ = ["CARD_SECONDS", "CardText", "card_item", "card_text", "programme_lines"]

_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
CARD_SECONDS = 6.0  # how long a card stays up: long enough to read two lines, short for a break


@dataclass(frozen=True, slots=True)
class CardText:
    """Everything a card shows, as plain text (plus the channel's logo path, if any)."""

    channel: str
    up_next: str  # the next programme's title ("Cheers")
    up_next_detail: str  # its episode number and title ("S01E03 · Any Friend of Diane's")
    later: str  # the programme after it ("Taxi"), or "" when there is none
    logo: str | None = None


def programme_lines(item: MediaItem) -> tuple[str, str]:
    """(title, detail) of a programme as a card and the guide show it."""
    if item.kind == ItemKind.EPISODE and item.show:
        code = ""
        if item.season is not None and item.episode is not None:
            code = f"S{item.season:02d}E{item.episode:02d}"
            if item.episode_end is not None and item.episode_end != item.episode:
                code += f"-E{item.episode_end:02d}"
        detail = " · ".join(part for part in (code, item.title) if part)
        return item.show, detail
    if item.kind == ItemKind.MOVIE and item.year:
        return item.title, str(item.year)
    return item.title, ""


def card_item(
    channel: str, logo: str | None, upcoming: MediaItem, later: MediaItem | None, seconds: float
) -> MediaItem:
    """The CARD item announcing ``upcoming`` (then ``later``) on ``channel``."""
    title, detail = programme_lines(upcoming)
    # the CardText fields as JSON, written directly: a card is built for every airing a guide
    # or a tune looks at, and dataclasses.asdict would be most of its cost
    text = {
        "channel": channel,
        "later": programme_lines(later)[0] if later is not None else "",
        "logo": logo,
        "up_next": title,
        "up_next_detail": detail,
    }
    return MediaItem(
        id=0,
        path="",
        kind=ItemKind.CARD,
        title=f"Up next: {title}",
        info=MediaInfo(duration=seconds, container="", video_codec="", width=0, height=0, fps=0.0),
        summary=_JSON.encode(text),
        icon=logo,
    )


def card_text(item: MediaItem) -> CardText:
    """The text a CARD item carries (ValueError for any other item)."""
    if item.kind != ItemKind.CARD or not item.summary:
        raise ValueError(f"not a card: {item.title!r}")
    values = json.loads(item.summary)
    return CardText(**{name: values.get(name) for name in _FIELDS})


_FIELDS = tuple(field.name for field in fields(CardText))

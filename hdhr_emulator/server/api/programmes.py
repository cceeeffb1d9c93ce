"""A programme as the API shows it: the same title, episode and description the XMLTV guide
writes for the item (:func:`xmltv.programme.programme_fields`), so the console and the guide
never name an airing differently."""

from __future__ import annotations

from pydantic import BaseModel

from hdhr_emulator.server.api.times import iso
from lineup.models import Airing, ItemKind, MediaItem
from xmltv.programme import programme_fields


class Programme(BaseModel):
    start: str
    stop: str
    title: str
    episode: str | None
    episode_title: str | None
    kind: str
    item_id: int | None
    description: str | None


class ItemText(BaseModel):
    """The guide's words for one item (shared by programmes and schedule segments)."""

    title: str
    episode: str | None
    episode_title: str | None
    description: str | None


def item_text(item: MediaItem) -> ItemText:
    fields = programme_fields(item)
    return ItemText(
        title=fields.title,
        episode=fields.onscreen,
        episode_title=fields.sub_title,
        description=fields.desc,
    )


def item_id(item: MediaItem) -> int | None:
    """The catalog id; None for the synthetic slate and an override's message card or file
    (they are no catalog row: id 0)."""
    return None if item.kind == ItemKind.SLATE or item.id == 0 else item.id


def programme(airing: Airing) -> Programme:
    item = airing.programme
    return Programme(
        start=iso(airing.start),
        stop=iso(airing.stop),
        kind=item.kind.value,
        item_id=item_id(item),
        **item_text(item).model_dump(),
    )


def display_title(item: MediaItem) -> str:
    """One line naming the item for people: ``Cheers – S01E02 – Pilot`` for an episode (show,
    number, episode title, each when known), the guide title otherwise."""
    text = item_text(item)
    parts = [text.title, text.episode, text.episode_title]
    return " – ".join(part for part in parts if part)

"""What an airing gains from WHEN it airs and WHAT follows it: station IDs and up-next cards.

A slot's layout (:mod:`lineup.cycle`) is a pure function of its programme, because the
schedule's arithmetic needs every loop to have the same length. Two things cannot be decided
there: a station ID belongs near the top of the hour (the slot does not know its start), and
an up-next card names the programmes after it (the slot does not know them). The timelines
call :func:`decorate` when they build an airing's segments; it rearranges parts INSIDE the
airing and never changes its length, so the guide and every other airing are untouched.

- **Station ID.** Each top of the hour H is owned by exactly one airing, so no hour gets two:
  the airing whose span, shifted by half its programme's opening part (up to its first
  mid-roll cut), holds H. An hour early in a show is so left to the break before it, in the
  airing before (which sees the next programme in ``upcoming``). Of the owner's break parts
  (filler other than bumpers) that start within ``id_window_minutes`` of H, the one nearest
  H gets a station ID aired just before it (chosen by the hour's number from the channel's
  IDs); the rest of that break moves later and is cut where its closing bumper begins, so the
  break, and the programme after it, keep their times.
- **Up-next card.** When the airing ends with a break of at least ``CARD_SECONDS + 1`` after its
  last programme part, its last ``CARD_SECONDS`` become a CARD item naming the next programme
  and the one after (``upcoming``). Mid-roll breaks get none: the same show continues.

Pure and cheap: a no-op (the same tuple back) when neither applies.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

from lineup.cards import CARD_SECONDS, card_item
from lineup.cycle import MIN_FILLER_SECONDS, Part, break_points, slate_item
from lineup.models import BreakPolicy, Channel, FillerKind, ItemKind, MediaItem
from lineup.roles import role_of

__all__ = ["decorate", "station_ids"]

log = logging.getLogger(__name__)

HOUR = 3600
_NOT_REPLACEABLE = (ItemKind.SLATE, ItemKind.CARD, ItemKind.OVERRIDE)
_MEMO_SIZE = 4096  # entries per memo below; cleared when full (they are only shortcuts)
_IDS_MEMO: dict[int, tuple[tuple[MediaItem, ...], tuple[MediaItem, ...]]] = {}
_OPENING_MEMO: dict[tuple[int, BreakPolicy], tuple[MediaItem, float]] = {}
#: cards by (channel, next, later, seconds) object ids, with the objects to check identity
_CARD_MEMO: dict[tuple[int, int, int, float], tuple[object, object, object, MediaItem]] = {}


def decorate(
    channel: Channel, parts: tuple[Part, ...], start: int, upcoming: Sequence[MediaItem]
) -> tuple[Part, ...]:
    """``parts`` of an airing starting at ``start`` with its station IDs and up-next card.

    ``upcoming`` are the next (up to two) programmes after this airing. The total length and
    every programme part are unchanged.
    """
    ids = station_ids(channel)
    card = channel.up_next and bool(upcoming)
    if not parts or (not ids and not card):
        return parts
    out = list(parts)
    if ids and _near_an_hour(start, _end(parts), upcoming):
        following = _opening(channel, upcoming[0]) if upcoming else 0.0
        _add_station_ids(out, channel, start, ids, following)
    if card:
        _add_card(out, channel, upcoming)
    return tuple(out)


def _near_an_hour(start: int, total: float, upcoming: Sequence[MediaItem]) -> bool:
    """Whether a top of the hour may be this airing's to mark: one falls between its start
    and halfway into the next programme (a cheap test before the exact one)."""
    reach = start + total + (upcoming[0].duration / 2 if upcoming else 0.0)
    return (start // HOUR + 1) * HOUR < reach


def station_ids(channel: Channel) -> tuple[MediaItem, ...]:
    """The channel's station IDs (by path), memoised per filler tuple (shared by channels)."""
    if FillerKind.STATION_ID not in channel.filler_kinds:
        return ()
    pool = channel.filler
    found = _IDS_MEMO.get(id(pool))
    if found is not None and found[0] is pool:
        return found[1]
    ids = tuple(
        item
        for item in pool
        if role_of(item) == FillerKind.STATION_ID
        and math.isfinite(item.duration)
        and item.duration > MIN_FILLER_SECONDS
    )
    if len(_IDS_MEMO) >= _MEMO_SIZE:
        _IDS_MEMO.clear()
    _IDS_MEMO[id(pool)] = (pool, ids)
    return ids


def _add_station_ids(
    parts: list[Part], channel: Channel, start: int, ids: Sequence[MediaItem], following: float
) -> None:
    """IDs for the hours this airing owns: from half into its programme's opening part to
    half into the next one's (``following``), so consecutive airings share no hour."""
    window = channel.id_window_minutes * 60
    owned_from = start + _opening(channel, parts[0][0]) / 2
    owned_until = start + _end(parts) + following / 2
    hour = math.ceil(owned_from / HOUR) * HOUR
    while hour < owned_until:
        index = _nearest_break_part(parts, start, hour, window)
        if index is not None:
            chosen = ids[(hour // HOUR) % len(ids)]
            _insert(parts, index, chosen, channel)
            log.debug("channel %d: station ID %r for %d", channel.number, chosen.title, hour)
        hour += HOUR


def _opening(channel: Channel, programme: MediaItem) -> float:
    """How long ``programme`` runs before its first mid-roll cut (a pure function of the
    programme and the policy, so an airing and the one before it agree on it)."""
    if not programme.breaks or channel.breaks.seconds <= 0:
        return float(programme.duration)
    key = (id(programme), channel.breaks)
    found = _OPENING_MEMO.get(key)
    if found is not None and found[0] is programme:
        return found[1]
    cuts = break_points(programme, channel.breaks)
    opening = cuts[0] if cuts else float(programme.duration)
    if len(_OPENING_MEMO) >= _MEMO_SIZE:
        _OPENING_MEMO.clear()
    _OPENING_MEMO[key] = (programme, opening)
    return opening


def _nearest_break_part(parts: list[Part], start: int, hour: int, window: float) -> int | None:
    programme = parts[0][0]
    best: int | None = None
    best_distance = math.inf
    for index, (item, at, _, _) in enumerate(parts):
        if item is programme or item.kind in _NOT_REPLACEABLE:
            continue
        if item.filler_kind in (FillerKind.BUMPER, FillerKind.STATION_ID):
            continue
        distance = abs(start + at - hour)
        if distance <= window and distance < best_distance:
            best, best_distance = index, distance
    return best


def _insert(parts: list[Part], index: int, station_id: MediaItem, channel: Channel) -> None:
    """Air ``station_id`` at part ``index``: the rest of its break moves later and is cut where
    the bumpers closing the break begin (they keep their place, unless the ID leaves them no
    room); a remnant under a second becomes the slate, as in a slot's padding."""
    programme = parts[0][0]
    end = index
    while end < len(parts) and parts[end][0] is not programme:
        end += 1
    tail = end
    while tail > index + 1 and parts[tail - 1][0].filler_kind == FillerKind.BUMPER:
        tail -= 1
    at = parts[index][1]
    limit = parts[tail][1] if tail < len(parts) else _end(parts)
    if limit - at < station_id.duration:  # no room before the bumpers: they move too
        tail = end
        limit = parts[end][1] if end < len(parts) else _end(parts)
    shift = min(float(station_id.duration), limit - at)
    moved: list[Part] = [(station_id, at, shift, 0.0)]
    for item, offset, length, seek in parts[index:tail]:
        offset += shift
        if offset >= limit - 1e-9:
            break
        moved.append((item, offset, min(length, limit - offset), seek))
    _, offset, length, _ = moved[-1]
    if len(moved) > 1 and length < MIN_FILLER_SECONDS:  # hardly worth an ffmpeg: the slate
        moved[-1] = (slate_item(channel), offset, length, 0.0)
    parts[index:tail] = moved


def _add_card(parts: list[Part], channel: Channel, upcoming: Sequence[MediaItem]) -> None:
    programme = parts[0][0]
    last = max(i for i, part in enumerate(parts) if part[0] is programme)
    total = _end(parts)
    break_start = parts[last][1] + parts[last][2]
    if total - break_start < CARD_SECONDS + 1:
        return
    cut = total - CARD_SECONDS
    keep: list[Part] = []
    for item, at, length, seek in parts:
        if at + length <= cut + 1e-9:
            keep.append((item, at, length, seek))
        elif at < cut:
            if cut - at < MIN_FILLER_SECONDS:  # the card takes the remnant instead
                cut = at
            else:
                keep.append((item, at, cut - at, seek))
    later = upcoming[1] if len(upcoming) > 1 else None
    keep.append((_card(channel, upcoming[0], later, total - cut), cut, total - cut, 0.0))
    parts[:] = keep


def _card(
    channel: Channel, upcoming: MediaItem, later: MediaItem | None, seconds: float
) -> MediaItem:
    """The card item, made once per channel, programmes and length (every airing of a
    programme announces the same next one in a loop that repeats)."""
    key = (id(channel), id(upcoming), id(later), seconds)
    found = _CARD_MEMO.get(key)
    if found is not None and found[0] is channel and found[1] is upcoming and found[2] is later:
        return found[3]
    card = card_item(channel.name, channel.logo, upcoming, later, seconds)
    if len(_CARD_MEMO) >= _MEMO_SIZE:
        _CARD_MEMO.clear()
    _CARD_MEMO[key] = (channel, upcoming, later, card)
    return card


def _end(parts: Sequence[Part]) -> float:
    _, at, length, _ = parts[-1]
    return at + length

"""Time slots on the local clock: which days a slot airs, and where its occurrences fall in UTC.

A slot says "weekdays 20:00-21:00" in the server's time zone. The schedule is arithmetic on UTC
seconds, so this module turns slots into *occurrences* (UTC start, UTC end or None) one local
day at a time, through the zone's rules: a slot at 20:00 stays at 20:00 local on both sides of
a daylight-saving change, and the base rotation simply fills whatever UTC time lies between
occurrences, so the night of the change has no gap and no overlap.

Precedence: on a date that has dated slots (``days = "2026-12-25"``), a weekly slot that
overlaps one of them does not air that day (the Christmas marathon replaces the weeknight
line-up it covers; weekly slots it does not touch still air).
"""

from __future__ import annotations

import bisect
import datetime as dt
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lineup.models import SlotPlan

__all__ = [
    "DAY_NAMES",
    "LocalClock",
    "Occurrence",
    "SlotCalendar",
    "parse_clock",
    "parse_days",
    "zone_or_none",
]

log = logging.getLogger(__name__)

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_GROUPS = {
    "daily": frozenset(range(7)),
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
}
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MINUTES_PER_DAY = 1440


def parse_clock(text: str, *, allow_midnight_end: bool = False) -> int:
    """Minutes after midnight of ``"HH:MM"``; ValueError with a readable reason otherwise."""
    match = _CLOCK.match(text.strip())
    if not match:
        raise ValueError(f'{text!r} is not a time of day like "20:00"')
    hours, minutes = int(match.group(1)), int(match.group(2))
    if allow_midnight_end and (hours, minutes) == (24, 0):
        return MINUTES_PER_DAY
    if hours > 23 or minutes > 59:
        raise ValueError(f"{text!r} is not a time of day (00:00-23:59)")
    return hours * 60 + minutes


def parse_days(words: Sequence[str]) -> tuple[frozenset[int], frozenset[str]]:
    """(weekdays, dates) named by ``words``: ``mon``…``sun``, ``mon-fri``, ``weekdays``,
    ``weekends``, ``daily`` or ISO dates; ValueError naming the first word not understood."""
    weekdays: set[int] = set()
    dates: set[str] = set()
    for raw in words:
        word = raw.strip().lower()
        if word in _DAY_GROUPS:
            weekdays |= _DAY_GROUPS[word]
        elif word in DAY_NAMES:
            weekdays.add(DAY_NAMES.index(word))
        elif "-" in word and not _DATE.match(word):
            first, _, last = word.partition("-")
            if first not in DAY_NAMES or last not in DAY_NAMES:
                raise ValueError(f'{raw!r} is not a day range like "mon-fri"')
            a, b = DAY_NAMES.index(first), DAY_NAMES.index(last)
            weekdays.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
        elif _DATE.match(word):
            try:
                dates.add(dt.date.fromisoformat(word).isoformat())
            except ValueError:
                raise ValueError(f"{raw!r} is not a calendar date") from None
        else:
            raise ValueError(
                f"{raw!r} is not a day (mon..sun, mon-fri, weekdays, weekends, daily, or a date "
                "such as 2026-12-25)"
            )
    return frozenset(weekdays), frozenset(dates)


def zone_or_none(name: str) -> ZoneInfo | None:
    """The named IANA zone (None for "": the system's); ValueError for an unknown name."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        message = f'unknown time zone {name!r} (expected a name like "Europe/Paris")'
        raise ValueError(message) from None


class LocalClock:
    """Local dates and wall-clock times of one zone (``""``: the system's, as ``TZ`` says)."""

    def __init__(self, name: str = "") -> None:
        self.name = name
        self._zone = zone_or_none(name)

    def date_of(self, t: float) -> dt.date:
        """The local date at instant ``t``."""
        if self._zone is None:
            return dt.datetime.fromtimestamp(t).date()
        return dt.datetime.fromtimestamp(t, self._zone).date()

    def instant(self, day: dt.date, minute: int) -> int:
        """UTC seconds of ``minute`` after local midnight on ``day`` (1440: the next midnight).

        A wall time the change to summer time skips is taken with the offset before the change
        (02:30 on the spring-forward night airs at 03:30 local); one that occurs twice is the
        first.
        """
        if minute >= MINUTES_PER_DAY:
            day, minute = day + dt.timedelta(days=1), minute - MINUTES_PER_DAY
        wall = dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60)
        if self._zone is None:
            return int(wall.timestamp())
        return int(wall.replace(tzinfo=self._zone, fold=0).timestamp())


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One airing of a slot: from ``start`` to ``end`` (UTC seconds; None: its count decides)."""

    slot: int  # index into the channel's slots
    start: int
    end: int | None


class SlotCalendar:
    """A channel's slot occurrences in UTC, computed a local day at a time and cached."""

    def __init__(self, slots: Sequence[SlotPlan], clock: LocalClock) -> None:
        self._slots = tuple(slots)
        self._clock = clock
        self._days: dict[dt.date, tuple[Occurrence, ...]] = {}
        self._any = bool(slots)
        self._weekly = any(slot.weekdays for slot in slots)
        self._last_date = max(
            (dt.date.fromisoformat(d) for slot in slots for d in slot.dates), default=None
        )

    def on(self, day: dt.date) -> tuple[Occurrence, ...]:
        """The occurrences of the slots airing on local ``day``, by start."""
        found = self._days.get(day)
        if found is None:
            found = self._compute(day)
            if len(self._days) > 4096:
                self._days.clear()
            self._days[day] = found
        return found

    def next_after(self, t: int, *, limit_days: int = 400) -> Occurrence | None:
        """The first occurrence starting at or after ``t`` (None within ``limit_days``)."""
        if not self._any:
            return None
        day = self._clock.date_of(t) - dt.timedelta(days=1)
        for _ in range(limit_days + 2):
            occurrences = self.on(day)
            starts = [occurrence.start for occurrence in occurrences]
            index = bisect.bisect_left(starts, t)
            if index < len(occurrences):
                return occurrences[index]
            day += dt.timedelta(days=1)
            if not self._weekly and self._last_date is not None and day > self._last_date:
                return None
        return None

    def containing(self, t: int) -> Occurrence | None:
        """The time-bounded occurrence whose [start, end) holds ``t``, if any."""
        day = self._clock.date_of(t)
        for candidate in (day - dt.timedelta(days=1), day):
            for occurrence in self.on(candidate):
                if occurrence.end is not None and occurrence.start <= t < occurrence.end:
                    return occurrence
        return None

    def _compute(self, day: dt.date) -> tuple[Occurrence, ...]:
        iso = day.isoformat()
        weekday = day.weekday()
        dated: list[Occurrence] = []
        weekly: list[Occurrence] = []
        for index, slot in enumerate(self._slots):
            if iso in slot.dates:
                dated.append(self._occurrence(index, slot, day))
            elif weekday in slot.weekdays:
                weekly.append(self._occurrence(index, slot, day))
        kept = list(dated)
        for occurrence in weekly:
            if not any(_overlap(occurrence, other) for other in dated):
                kept.append(occurrence)
        return tuple(sorted(kept, key=lambda occurrence: (occurrence.start, occurrence.slot)))

    def _occurrence(self, index: int, slot: SlotPlan, day: dt.date) -> Occurrence:
        start = self._clock.instant(day, slot.start)
        end = self._clock.instant(day, slot.end) if slot.end is not None else None
        return Occurrence(index, start, end)


def _overlap(a: Occurrence, b: Occurrence) -> bool:
    a_end = a.end if a.end is not None else a.start + 1
    b_end = b.end if b.end is not None else b.start + 1
    return a.start < b_end and b.start < a_end

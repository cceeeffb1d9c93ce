"""The lineup documents (``lineup.json``/``.xml``), cached per schedule and set of favourites.

They depend only on the lineup, so they are rendered once per schedule against a placeholder
host, and the placeholder is swapped per request, like the guide. Favourites
(``lineup.post?favorite=+N``) are kept in a file in the data dir, so a restart does not forget
what a client marked.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

from hdhr_emulator.device import documents
from hdhr_emulator.device.documents import LineupChannel
from hdhr_emulator.server.guide_cache import PLACEHOLDER_BASE, with_base_url
from hdhr_emulator.util import atomic_write
from lineup.models import Channel
from lineup.schedule import Schedule

log = logging.getLogger(__name__)

FAVORITES_FILE = "favorites.json"  # in the data dir


class _RenderedLineup:
    """The lineup of one schedule (and set of favourites), rendered with the placeholder host."""

    def __init__(self, lineup: tuple[LineupChannel, ...]):
        self.lineup = lineup
        self.by_number = {entry.guide_number: entry for entry in lineup}
        self._json = documents.lineup_json(lineup, PLACEHOLDER_BASE)
        self._xml = documents.lineup_xml(lineup, PLACEHOLDER_BASE)

    def json_for(self, base_url: str) -> bytes:
        return with_base_url(self._json, base_url)

    def xml_for(self, base_url: str) -> bytes:
        return with_base_url(self._xml, base_url)


class LineupDocuments:
    """The current lineup documents, re-rendered when the schedule or the favourites change.

    Favourites (``lineup.post?favorite=+N``) are kept in ``favorites_file`` (a JSON list of
    channel numbers in the data dir), so a restart does not forget what a client marked.
    """

    def __init__(
        self,
        schedule: Callable[[], Schedule],
        output_height: Callable[[Channel], int] = documents.profile_height,
        favorites_file: Path | None = None,
    ):
        """``schedule()`` is the live schedule; ``output_height(channel)`` the height of its
        stream (the playout's stream plan knows), which decides the lineup's HD flag."""
        self._live_schedule = schedule
        self._output_height = output_height
        self._favorites_file = favorites_file
        self._favorites: frozenset[int] = _read_favorites(favorites_file)
        self._schedule: Schedule | None = None
        self._rendered: _RenderedLineup | None = None

    def favorites(self) -> frozenset[int]:
        """The channel numbers marked as favourites."""
        return self._favorites

    def current(self) -> _RenderedLineup:
        schedule = self._live_schedule()
        if self._rendered is None or schedule is not self._schedule:
            lineup = documents.lineup_channels(
                schedule.channels, favorites=self._favorites, output_height=self._output_height
            )
            self._schedule, self._rendered = schedule, _RenderedLineup(lineup)
        return self._rendered

    def set_favorite(self, guide_number: str, favorite: bool) -> bool:
        """Mark or clear a favourite; False when no channel has that number."""
        if guide_number not in self.current().by_number:
            return False
        number = int(guide_number)
        changed = self._favorites | {number} if favorite else self._favorites - {number}
        if changed != self._favorites:
            self._favorites, self._rendered = changed, None
            _write_favorites(self._favorites_file, changed)
        return True


def _read_favorites(path: Path | None) -> frozenset[int]:
    if path is None:
        return frozenset()
    try:
        numbers = json.loads(path.read_text(encoding="utf-8"))
        return frozenset(int(n) for n in numbers)
    except FileNotFoundError:
        return frozenset()
    except (OSError, ValueError, TypeError) as exc:
        log.warning("ignoring unreadable favourites file %s: %s", path, exc)
        return frozenset()


def _write_favorites(path: Path | None, favorites: frozenset[int]) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, json.dumps(sorted(favorites)).encode())
    except OSError as exc:
        log.warning("cannot save favourites to %s: %s", path, exc)

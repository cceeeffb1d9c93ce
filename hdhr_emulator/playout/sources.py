"""What ffmpeg opens for a scheduled item, taking into account what changed since it was
scheduled.

The published guide holds items as they were when it was published (up to 72 h ago). Since
then a file may have been renamed or upgraded (Sonarr/Radarr replace files all the time; Plex
then gives the episode a new part), so an item whose recorded file is gone is looked up in the
catalog again — by locator, then by show/season/episode or movie title/year — and its present
file is played instead of the slate.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from lineup.models import MediaItem

log = logging.getLogger(__name__)

CurrentItem = Callable[[MediaItem], MediaItem | None]


MediaServerSource = Callable[[MediaItem], str]
"""A media-server item → a mapped local path or our loopback proxy URL (the server's media
proxy)."""


class SourceResolver:
    """What ffmpeg opens for an item: a path or a URL.

    Blocking (a stat, and a catalog query when the file moved): the session calls
    :meth:`source_for` in a worker thread, never on the event loop.
    """

    def __init__(
        self, current: CurrentItem | None = None, media_server: MediaServerSource | None = None
    ):
        self.current = current
        self.media_server = media_server

    def source_for(self, item: MediaItem) -> str:
        if item.remote is None and os.path.exists(item.path):
            return item.path  # the common case: the scheduled file is still there
        present = self._present(item)
        if present.remote is not None and self.media_server is not None:
            return self.media_server(present)
        return present.path

    def _present(self, item: MediaItem) -> MediaItem:
        if self.current is None:
            return item
        try:
            present = self.current(item)
        except Exception:  # a busy or broken catalog must not stop the channel
            log.warning("cannot look %s up in the catalog", item.title, exc_info=True)
            return item
        if present is None:
            return item
        if present.path != item.path or present.remote != item.remote:
            log.info(
                "%s changed since it was scheduled; playing %s",
                item.title,
                present.remote.part_key if present.remote else present.path,
            )
        return present

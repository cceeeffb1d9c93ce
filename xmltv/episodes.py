"""Episode numbers in the two ``<episode-num>`` systems clients read.

Plex files a programme without episode numbers under *movies*, Jellyfin and Kodi read only
``xmltv_ns`` (zero-based ``season.episode.part``), and people read ``onscreen`` (``S01E05``).
"""

from __future__ import annotations

__all__ = ["onscreen", "xmltv_ns"]


def xmltv_ns(season: int | None, episode: int | None) -> str | None:
    """Return ``"{season-1}.{episode-1}.0/1"``, or ``None`` when it cannot be expressed.

    The system is zero-based with no negative numbers, so season 0 (specials), episode 0 and
    unknown numbers have no encoding; ``tv_validate_file`` rejects the ``-1.…`` some peers write.
    A multi-episode file is numbered by its first episode.
    """
    if season is None or episode is None or season < 1 or episode < 1:
        return None
    return f"{season - 1}.{episode - 1}.0/1"


def onscreen(season: int | None, episode: int | None, episode_end: int | None = None) -> str | None:
    """Return ``S01E05`` (``S01E01-E02`` for a multi-episode file, ``E05`` when the season is
    unknown), or ``None`` without an episode number."""
    if episode is None or episode < 0:
        return None
    text = f"E{episode:02d}"
    if episode_end is not None and episode_end > episode:
        text = f"{text}-E{episode_end:02d}"
    if season is None or season < 0:
        return text
    return f"S{season:02d}{text}"

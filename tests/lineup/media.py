"""Catalog items built in memory for channel and schedule tests (no files, no ffmpeg)."""

from __future__ import annotations

from lineup.models import FillerKind, ItemKind, MediaInfo, MediaItem


def info(duration: float) -> MediaInfo:
    return MediaInfo(duration, "matroska", "h264", 640, 480, 29.97, "aac", 2)


def episode(
    id: int, show: str, season: int, number: int, duration: float = 1320.0, root: str = "/tv"
) -> MediaItem:
    return MediaItem(
        id=id,
        path=f"{root}/{show}/Season {season}/{show} S{season:02d}E{number:02d}.mkv",
        kind=ItemKind.EPISODE,
        title=f"{show} {season}x{number}",
        info=info(duration),
        show=show,
        season=season,
        episode=number,
    )


def season(show: str, count: int, first_id: int, duration: float = 1320.0) -> list[MediaItem]:
    """``count`` episodes of season 1, ids from ``first_id``."""
    return [episode(first_id + n, show, 1, n + 1, duration) for n in range(count)]


def movie(id: int, title: str, year: int, duration: float = 5400.0) -> MediaItem:
    return MediaItem(
        id=id,
        path=f"/movies/{title} ({year}).mkv",
        kind=ItemKind.MOVIE,
        title=title,
        info=info(duration),
        year=year,
    )


def filler(
    id: int, duration: float, folder: str = "/filler", role: FillerKind | None = None
) -> MediaItem:
    return MediaItem(
        id=id,
        path=f"{folder}/ad{id}.mp4",
        kind=ItemKind.FILLER,
        title=f"Ad {id}",
        info=info(duration),
        filler_kind=role,
    )

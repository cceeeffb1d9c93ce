"""Items scheduled before their file changed still play: the resolver asks the catalog."""

from __future__ import annotations

from pathlib import Path

from hdhr_emulator.playout.sources import SourceResolver
from hdhr_emulator.server.media_proxy import MediaProxy
from lineup.catalog import Catalog, FileRecord, RemoteRecord
from lineup.models import ItemKind, MediaInfo, MediaItem
from lineup.models import MediaServerRef as Remote
from lineup.naming import ParsedName
from lineup.plex import PlexSettings, Secret

INFO = MediaInfo(3.0, "mp4", "h264", 320, 240, 25.0, "aac", 2)


def local_record(path: Path, name: ParsedName) -> FileRecord:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return FileRecord(str(path), 1, 1, name, info=INFO)


def test_a_renamed_local_episode_is_found_by_show_season_episode(tmp_path: Path) -> None:
    old = tmp_path / "tv/Cheers - S01E01.mp4"
    name = ParsedName(ItemKind.EPISODE, "Pilot", "Cheers", 1, 1)
    with Catalog.open(tmp_path / "db") as catalog:
        catalog.apply([local_record(old, name)])
        (scheduled,) = catalog.items()
        resolve = SourceResolver(catalog.current).source_for
        assert resolve(scheduled) == str(old)

        new = tmp_path / "tv/Cheers - S01E01 - Pilot [1080p].mkv"
        old.unlink()
        catalog.apply([local_record(new, name)], removed=[str(old)])
        assert resolve(scheduled) == str(new)

        new.unlink()
        catalog.apply(removed=[str(new)])
        assert resolve(scheduled) == str(old)  # gone everywhere: it fails and gets the slate


def test_an_upgraded_plex_file_plays_its_new_part(tmp_path: Path) -> None:
    settings = PlexSettings("http://plex:32400", Secret("t"))
    media = MediaProxy([settings], "http://127.0.0.1:5004", lambda: {settings.url: "id"})

    def movie(part: str, key: int = 200) -> RemoteRecord:
        item = MediaItem(
            0,
            f"plex://id/library/metadata/{key}",
            ItemKind.MOVIE,
            "Heat",
            INFO,
            year=1995,
            source="plex",
            remote=Remote("id", f"/library/parts/{part}/1/file.mkv", "/data/h.mkv"),
        )
        return RemoteRecord(item, part)

    with Catalog.open(tmp_path / "db") as catalog:
        catalog.apply_remote([movie("3201")])
        (scheduled,) = catalog.items()
        resolve = SourceResolver(catalog.current, media.source_for).source_for
        assert "/library/parts/3201/" in resolve(scheduled)
        catalog.apply_remote([movie("3999")])  # Radarr replaced the file; Plex made a new part
        assert "/library/parts/3999/" in resolve(scheduled)
        # re-matched in Plex: a new ratingKey; found again by title and year
        catalog.apply_remote([movie("4100", key=777)], removed=[scheduled.path])
        assert "/library/parts/4100/" in resolve(scheduled)

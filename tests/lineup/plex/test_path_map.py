"""Plex paths → local paths: longest prefix first, whole components, Windows servers."""

from __future__ import annotations

from pathlib import Path

from lineup.plex import PathMap


def test_longest_prefix_wins_and_components_are_whole() -> None:
    paths = PathMap.from_mapping({"/data": "/mnt/a", "/data/tv": "/mnt/tv/"})
    assert paths.local("/data/tv/Cheers/S01E01.mkv") == "/mnt/tv/Cheers/S01E01.mkv"
    assert paths.local("/data/Movies/Heat.mkv") == "/mnt/a/Movies/Heat.mkv"
    assert paths.local("/database/x.mkv") is None
    assert paths.local("/other/x.mkv") is None
    assert paths.local("/data") == "/mnt/a"


def test_windows_server_paths_map_case_insensitively() -> None:
    paths = PathMap.from_mapping({"D:\\Media": "/mnt/media"})
    assert paths.local("d:\\media\\TV\\Cheers\\S01E01.mkv") == "/mnt/media/TV/Cheers/S01E01.mkv"


def test_readable_falls_back_to_plex_own_path_and_checks_existence(tmp_path: Path) -> None:
    real = tmp_path / "tv" / "a.mkv"
    real.parent.mkdir()
    real.write_bytes(b"x")
    mapped = PathMap.from_mapping({"/data": str(tmp_path)})
    assert mapped.readable("/data/tv/a.mkv") == str(real)
    assert mapped.readable("/data/tv/missing.mkv") is None
    assert PathMap().readable(str(real)) == str(real)  # same mounts as Plex: no map needed
    assert PathMap().readable("/data/tv/a.mkv") is None

"""The catalog's metadata columns: studio for media-server and local items, the .nfo stamp, and
the migration that adds them to a catalog written before them."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

from lineup.catalog import _MIGRATIONS, Catalog, LocalMetadata, RemoteRecord
from lineup.models import MediaServerRef
from tests.lineup.media import movie


def test_a_version_2_catalog_gains_studio_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "retrovue.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE media_schema (component TEXT PRIMARY KEY, version INTEGER)")
        db.execute("INSERT INTO media_schema VALUES ('media_items', 2)")
        for step in _MIGRATIONS[:2]:
            for statement in step:
                db.execute(statement)
        db.execute(
            "INSERT INTO media_items (path, kind, title, duration, container, video_codec,"
            " width, height, fps, scanned_at, genres) VALUES ('/m/a.mp4', 'movie', 'A', 60,"
            " 'mp4', 'h264', 320, 240, 25, 0, '[\"Drama\"]')"
        )
    db.close()
    with Catalog.open(path) as catalog:
        (item,) = catalog.items()
        assert (item.title, item.genres, item.studio) == ("A", ("Drama",), None)
        assert catalog.nfo_stamps("/m") == {"/m/a.mp4": ""}  # none known, as its metadata says


def test_studio_round_trips_for_remote_and_local_items(tmp_path: Path) -> None:
    with Catalog.open(tmp_path / "retrovue.db") as catalog:
        remote = replace(
            movie(0, "Heat", 1995),
            path="plex://abc/library/metadata/7",
            source="plex",
            studio="Warner Bros.",
            remote=MediaServerRef("abc", "/library/parts/1/2/file.mkv", "/data/heat.mkv"),
        )
        catalog.apply_remote([RemoteRecord(remote, "v1")])
        (stored,) = catalog.items()
        assert stored.studio == "Warner Bros."

        # local rows are updated in place; a remote row with the same path is never touched
        catalog.apply_metadata(
            [LocalMetadata(remote.path, "1:2:/x.nfo", studio="Fox", genres=("Crime",), year=1)]
        )
        assert catalog.items()[0].studio == "Warner Bros."

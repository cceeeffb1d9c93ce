"""The catalog against a real SQLite file in tmp_path (no clips needed: records are built here)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from lineup.catalog import Catalog, FileRecord, SkippedEpisode, SkippedFile
from lineup.errors import CatalogError
from lineup.models import FillerKind, ItemKind, MediaInfo
from lineup.naming import ParsedName

INFO = MediaInfo(2.0, "mov,mp4,m4a,3gp,3g2,mj2", "h264", 160, 120, 25.0, "aac", 2)


def record(path: str, name: ParsedName, info: MediaInfo | None = INFO, **kw: object) -> FileRecord:
    reason = None if info is not None else kw.pop("reason", "no video stream")
    fields: dict[str, object] = {"size": 100, "mtime_ns": 1, **kw}
    return FileRecord(
        path,
        name=name,
        info=info,
        skip_reason=reason,
        **fields,  # type: ignore[arg-type]
    )


def ep(show: str, season: int, episode: int) -> ParsedName:
    return ParsedName(ItemKind.EPISODE, f"Ep {episode}", show, season, episode)


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    with Catalog.open(tmp_path / "data" / "retrovue.db") as opened:
        yield opened


def test_items_come_back_in_show_season_episode_order(catalog: Catalog) -> None:
    catalog.apply(
        [
            # Paths sort differently from the episodes on purpose.
            record("/m/Taxi/Season 1/a - S01E10.mp4", ep("Taxi", 1, 10)),
            record("/m/Taxi/Season 1/b - S01E02.mp4", ep("Taxi", 1, 2)),
            record("/m/Taxi/Season 2/a - S02E01.mp4", ep("Taxi", 2, 1)),
            record("/m/cheers/Season 1/z - S01E01.mp4", ep("cheers", 1, 1)),
            record("/m/Movies/Alien (1979).mkv", ParsedName(ItemKind.MOVIE, "Alien", year=1979)),
            record("/m/Commercials/coke.mp4", ParsedName(ItemKind.FILLER, "Coke")),
        ]
    )
    assert [(i.show, i.season, i.episode) for i in catalog.items(ItemKind.EPISODE)] == [
        ("cheers", 1, 1),
        ("Taxi", 1, 2),
        ("Taxi", 1, 10),
        ("Taxi", 2, 1),
    ]
    assert [i.title for i in catalog.items()][-2:] == ["Coke", "Alien"]  # no show: by path
    assert [i.title for i in catalog.items(ItemKind.MOVIE)] == ["Alien"]
    assert catalog.shows() == ["cheers", "Taxi"]


def test_an_item_round_trips(catalog: Catalog) -> None:
    name = ParsedName(ItemKind.EPISODE, "Pilot", "Cheers", 1, 1, episode_end=2, year=1982)
    catalog.apply([record("/m/Cheers/Season 1/Cheers - S01E01-E02.mp4", name)])
    (item,) = catalog.items()
    assert catalog.get(item.id) == item
    assert (item.kind, item.title, item.show, item.season, item.episode) == (
        ItemKind.EPISODE, "Pilot", "Cheers", 1, 1,
    )  # fmt: skip
    assert (item.episode_end, item.year, item.info, item.source) == (2, 1982, INFO, "local")
    assert catalog.get(item.id + 1) is None


def test_update_in_place_keeps_the_row_id(catalog: Catalog) -> None:
    path = "/m/Cheers/Season 1/Cheers - S01E01.mp4"
    catalog.apply([record(path, ep("Cheers", 1, 1))])
    (before,) = catalog.items()
    longer = MediaInfo(1500.0, "matroska,webm", "hevc", 1920, 1080, 23.976, None, 0)
    catalog.apply([record(path, ep("Cheers", 1, 1), info=longer, size=999, mtime_ns=2)])
    (after,) = catalog.items()
    assert after.id == before.id
    assert after.info == longer
    assert catalog.fingerprints("/m") == {path: (999, 2)}


def test_skipped_files_are_listed_but_never_items(catalog: Catalog) -> None:
    catalog.apply(
        [
            record("/m/Cheers/Season 1/Cheers - S01E01.mp4", ep("Cheers", 1, 1)),
            record("/m/Cheers/Season 1/Cheers - S01E02.mp4", ep("Cheers", 1, 2), info=None,
                   reason="truncated (data ends at 12.3 s of 60.0 s)"),
            record("/m/Lost/Season 1/Lost - S01E01.mp4", ep("Lost", 1, 1), info=None),
        ]
    )  # fmt: skip
    assert [i.episode for i in catalog.items()] == [1]
    assert catalog.skipped() == [
        SkippedFile(
            "/m/Cheers/Season 1/Cheers - S01E02.mp4", "truncated (data ends at 12.3 s of 60.0 s)"
        ),
        SkippedFile("/m/Lost/Season 1/Lost - S01E01.mp4", "no video stream"),
    ]
    assert catalog.skipped_count() == 2
    assert catalog.skipped_episodes() == [
        SkippedEpisode("Cheers", 1, 2, None, catalog.skipped()[0]),
        SkippedEpisode("Lost", 1, 1, None, catalog.skipped()[1]),
    ]
    assert catalog.shows() == ["Cheers"]  # a show with nothing playable is no show
    skipped_id = catalog._db.execute("SELECT id FROM media_items WHERE skipped = 1")[0][0]
    assert catalog.get(skipped_id) is None


def test_fingerprints_only_under_the_root(catalog: Catalog) -> None:
    catalog.apply(
        [
            record("/m/tv/a.mp4", ep("A", 1, 1), size=1, mtime_ns=10),
            record("/m/tv/sub/b.mp4", ep("B", 1, 1), size=2, mtime_ns=20),
            record("/m/tv2/c.mp4", ep("C", 1, 1)),  # shares the prefix "/m/tv" but not the folder
            record("/m/tu/d.mp4", ep("D", 1, 1)),
        ]
    )
    assert catalog.fingerprints(Path("/m/tv")) == {
        "/m/tv/a.mp4": (1, 10),
        "/m/tv/sub/b.mp4": (2, 20),
    }
    assert catalog.fingerprints("/m/tv/") == catalog.fingerprints("/m/tv")
    assert len(catalog.fingerprints("/")) == 4


def test_apply_removes_and_writes_in_one_transaction(catalog: Catalog) -> None:
    catalog.apply([record("/m/a.mp4", ep("A", 1, 1)), record("/m/b.mp4", ep("A", 1, 2))])
    untitled = ParsedName(ItemKind.MOVIE, None)  # type: ignore[arg-type]
    with pytest.raises(CatalogError):  # a NOT NULL violation half-way rolls everything back
        catalog.apply(
            [record("/m/c.mp4", ep("A", 1, 3)), record("/m/d.mp4", untitled)],
            removed=["/m/a.mp4"],
        )
    assert sorted(catalog.fingerprints("/m")) == ["/m/a.mp4", "/m/b.mp4"]
    catalog.apply(removed=["/m/a.mp4"])
    assert sorted(catalog.fingerprints("/m")) == ["/m/b.mp4"]


def test_a_record_is_either_playable_or_skipped() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        FileRecord("/m/a.mp4", 1, 1, ep("A", 1, 1), info=INFO, skip_reason="no video stream")
    with pytest.raises(ValueError, match="exactly one"):
        FileRecord("/m/a.mp4", 1, 1, ep("A", 1, 1))


def test_reopen_keeps_everything_and_shares_the_file(tmp_path: Path) -> None:
    db = tmp_path / "retrovue.db"
    with Catalog.open(db) as catalog:
        catalog.apply([record("/m/a.mp4", ep("A", 1, 1))])
        (item,) = catalog.items()
    with sqlite3.connect(db) as other:  # another module's table, and its use of user_version
        other.execute("CREATE TABLE schedule_slots (id INTEGER PRIMARY KEY)")
        other.execute("PRAGMA user_version = 42")
    other.close()
    with Catalog.open(db) as catalog:
        assert catalog.items() == [item]
        assert catalog._db.execute("PRAGMA journal_mode") == [("wal",)]
        assert catalog._db.execute("PRAGMA user_version") == [(42,)]


def test_corrupt_database_names_the_file(tmp_path: Path) -> None:
    db = tmp_path / "retrovue.db"
    db.write_bytes(b"this is not a database, it is a shopping list\n" * 100)
    with pytest.raises(CatalogError, match="retrovue.db") as caught:
        Catalog.open(db)
    assert "not a database" in str(caught.value)


def test_unopenable_path_names_the_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the data dir should be")
    with pytest.raises(CatalogError, match=str(blocker / "retrovue.db")):
        Catalog.open(blocker / "retrovue.db")


def test_catalog_from_a_newer_retrovue_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "retrovue.db"
    Catalog.open(db).close()
    with sqlite3.connect(db) as other:
        other.execute("UPDATE media_schema SET version = 99 WHERE component = 'media_items'")
    other.close()
    with pytest.raises(CatalogError, match="newer Retrovue"):
        Catalog.open(db)


def test_a_version_1_catalog_is_migrated_in_place(tmp_path: Path) -> None:
    """Catalogs written before media servers existed gain the new columns and keep their rows."""
    from lineup.catalog import _MIGRATIONS

    path = tmp_path / "retrovue.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE media_schema (component TEXT PRIMARY KEY, version INTEGER)")
        db.execute("INSERT INTO media_schema VALUES ('media_items', 1)")
        for statement in _MIGRATIONS[0]:
            db.execute(statement)
        db.execute(
            "INSERT INTO media_items (path, kind, title, duration, container, video_codec,"
            " width, height, fps, scanned_at) VALUES ('/tv/a.mp4', 'movie', 'A', 60,"
            " 'mp4', 'h264', 320, 240, 25, 0)"
        )
    db.close()
    with Catalog.open(path) as catalog:
        (item,) = catalog.items()
        assert (item.path, item.title, item.remote, item.collections) == (
            "/tv/a.mp4",
            "A",
            None,
            (),
        )


def test_filler_items_carry_their_role_from_the_folder(catalog: Catalog) -> None:
    catalog.apply(
        [
            record("/m/Commercials/coke.mp4", ParsedName(ItemKind.FILLER, "Coke")),
            record("/m/Filler/Bumpers/back.mp4", ParsedName(ItemKind.FILLER, "Back")),
            record("/m/Station IDs/wrtv.mp4", ParsedName(ItemKind.FILLER, "Wrtv")),
            record("/m/Filler/clouds.mp4", ParsedName(ItemKind.FILLER, "Clouds")),
            record("/m/Bumpers/Cheers/Season 1/c - S01E01.mp4", ep("Cheers", 1, 1)),
        ]
    )
    roles = {item.title: item.filler_kind for item in catalog.items()}
    assert roles == {
        "Coke": FillerKind.COMMERCIAL,
        "Back": FillerKind.BUMPER,
        "Wrtv": FillerKind.STATION_ID,
        "Clouds": FillerKind.FILLER,
        "Ep 1": None,  # only filler has a role
    }

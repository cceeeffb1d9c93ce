"""The library report counts playable items per kind and shows, and lists every skipped file
with the reason the scan recorded; a station's report dates its last finished scan."""

from __future__ import annotations

import time
from pathlib import Path

from lineup.catalog import Catalog, SkippedFile
from lineup.library_report import LibraryCounts, library_report
from lineup.models import ItemKind
from lineup.naming import ParsedName
from lineup.station import Station, StationSettings
from tests.lineup.test_catalog import ep, record


def test_counts_per_kind_and_skipped_files_with_reasons(tmp_path: Path) -> None:
    with Catalog.open(tmp_path / "retrovue.db") as catalog:
        catalog.apply(
            [
                record("/m/TV/Cheers/S01E01.mkv", ep("Cheers", 1, 1)),
                record("/m/TV/Cheers/S01E02.mkv", ep("Cheers", 1, 2)),
                record("/m/TV/Taxi/S01E01.mkv", ep("Taxi", 1, 1)),
                record("/m/Movies/Alien.mkv", ParsedName(ItemKind.MOVIE, "Alien", year=1979)),
                record("/m/Commercials/coke.mp4", ParsedName(ItemKind.FILLER, "Coke")),
                record("/m/TV/Taxi/S01E02.mkv", ep("Taxi", 1, 2), info=None, reason="no video"),
            ]
        )
        report = library_report(catalog, last_scan=123.0)
    assert report.counts == LibraryCounts(episodes=3, movies=1, filler=1, shows=2)
    assert report.counts.total == 5
    assert report.skipped == (SkippedFile("/m/TV/Taxi/S01E02.mkv", "no video"),)
    assert report.last_scan == 123.0


def test_a_station_dates_its_last_scan(tmp_path: Path) -> None:
    media = tmp_path / "media"
    (media / "TV/Cheers/Season 01").mkdir(parents=True)
    (media / "TV/Cheers/Season 01/Cheers - S01E01 - Pilot.mkv").write_bytes(b"not a video")
    settings = StationSettings(data_dir=tmp_path / "data", media=(media,))
    settings.data_dir.mkdir()
    with Station.open(settings) as station:
        assert station.library_report().last_scan is None
        before = time.time()
        station.scan()
        report = station.library_report()
    assert report.last_scan is not None and before <= report.last_scan <= time.time()
    assert report.counts.total == 0
    [skipped] = report.skipped
    assert skipped.path.endswith("Cheers - S01E01 - Pilot.mkv") and skipped.reason

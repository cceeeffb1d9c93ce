"""A damaged ``retrovue.db`` is noticed at open and rebuilt keeping the published guide and the
channel numbers (issue 10, defect 4). Real clips, a real scan, real SQLite damage."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from lineup.errors import CatalogError
from lineup.rebuild import rebuild_database
from lineup.schedule import Schedule
from lineup.station import Station, StationSettings
from tests.support.damage import garble_in_table, smash_header, smash_table

Guide = dict[int, list[tuple[float, float, str]]]
HOURS = 12 * 3600


def guide_of(schedule: Schedule, now: float) -> Guide:
    return {
        channel.number: [
            (a.start, a.stop, a.programme.path)
            for a in schedule.airings(channel.number, now, now + HOURS, segments=False)
        ]
        for channel in schedule.channels
    }


def published(settings: StationSettings, now: float) -> tuple[Guide, dict[str, int]]:
    """Scan and publish; the guide over the next hours and the channel numbers."""
    with Station.open(settings) as station:
        station.scan()
        return guide_of(station.schedule(now), now), station.numbers.all()


@pytest.fixture
def settings(tv_library: Path, tmp_path: Path) -> StationSettings:
    return StationSettings(tmp_path / "data", media=(tv_library,))


def test_damage_is_noticed_at_open_with_the_way_out(settings: StationSettings) -> None:
    published(settings, time.time())
    smash_table(settings.db_path, "media_items")
    with pytest.raises(CatalogError, match="is damaged") as caught:
        Station.open(settings)
    message = str(caught.value)
    assert str(settings.db_path) in message and "retrovue scan --rebuild" in message
    assert "\n" not in message


def test_a_garbled_row_is_noticed(settings: StationSettings) -> None:
    """Bytes changed inside a row read back silently; only the index comparison sees it."""
    published(settings, time.time())
    garble_in_table(settings.db_path, "media_items", b"Cheers - S01E01")
    with pytest.raises(CatalogError, match="missing from index"):
        Station.open(settings)


def test_a_smashed_header_is_named_too(settings: StationSettings) -> None:
    published(settings, time.time())
    smash_header(settings.db_path)
    with pytest.raises(CatalogError, match="file is not a database"):
        Station.open(settings)


def test_rebuild_keeps_the_published_guide_and_numbers(settings: StationSettings) -> None:
    now = time.time()
    guide, numbers = published(settings, now)
    assert guide and all(guide.values())
    smash_table(settings.db_path, "media_items")

    with Station.open(settings, rebuild=True) as station:
        report = station.rebuilt
        assert report is not None and report.moved_to is not None
        assert report.moved_to.name.startswith("retrovue.db.damaged-")
        assert report.moved_to.is_file()
        assert report.unreadable == ()
        assert report.channels_kept == len(guide) and report.channels_reset == 0
        station.scan()
        assert station.numbers.all() == numbers
        assert guide_of(station.schedule(now + 60), now) == guide
    with Station.open(settings):  # and the new file passes the check
        pass


def test_rebuild_after_the_guide_itself_is_damaged(settings: StationSettings) -> None:
    now = time.time()
    guide, numbers = published(settings, now)
    smash_table(settings.db_path, "schedule_airings")
    with Station.open(settings, rebuild=True) as station:
        report = station.rebuilt
        assert report is not None and "schedule_airings" in report.unreadable
        assert report.channels_reset == len(guide)
        station.scan()
        assert station.numbers.all() == numbers  # numbers live in another table
        schedule = station.schedule(now)
        assert set(guide_of(schedule, now)) == set(guide)  # every channel airs again


def test_rebuild_of_an_unreadable_file_starts_afresh(settings: StationSettings) -> None:
    now = time.time()
    guide, _ = published(settings, now)
    smash_header(settings.db_path)
    with Station.open(settings, rebuild=True) as station:
        report = station.rebuilt
        assert report is not None and len(report.unreadable) == 5
        station.scan()
        assert set(guide_of(station.schedule(now), now)) == set(guide)


def test_a_hole_in_a_channels_guide_keeps_what_is_before_it(settings: StationSettings) -> None:
    """Rows lost in the middle: the guide is kept up to the hole and continues from there."""
    now = time.time()
    guide, _ = published(settings, now)
    channel = min(guide)
    hole = guide[channel][3]
    connection = sqlite3.connect(settings.db_path)
    with connection:
        connection.execute(
            "DELETE FROM schedule_airings WHERE channel = ? AND start = ?",
            (channel, int(hole[0])),
        )
    connection.close()
    report = rebuild_database(settings.db_path)
    assert report.channels_cut == 1 and report.channels_kept == len(guide) - 1
    with Station.open(settings) as station:
        station.scan()
        after = guide_of(station.schedule(now), now)
    assert after[channel][:3] == guide[channel][:3]
    assert after[channel][3][0] == hole[0]  # the air continues at the hole, without a gap
    assert {n: g for n, g in after.items() if n != channel} == {
        n: g for n, g in guide.items() if n != channel
    }

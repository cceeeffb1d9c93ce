"""The guide benchmark stays runnable (a tiny run; the real numbers come from the command line)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from benchmarks import bench_guide

ROW = re.compile(
    r"^\| (\d+) \| (\d+) \| (\d+) \| (\d+\.\d{3}) \| ([\d,]+) \| (\d+\.\d) \|$", re.MULTILINE
)


def table(out: str) -> tuple[int, int, int, float]:
    """(channels, days, programmes, seconds) from the printed markdown table."""
    assert "| channels | days | programmes | seconds | programmes/s | MB |" in out
    (row,) = ROW.findall(out)
    return int(row[0]), int(row[1]), int(row[2]), float(row[3])


def test_small_run_reports_its_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_guide.main(["--channels", "3", "--days", "1", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    channels, days, programmes, seconds = table(out)
    assert (channels, days, programmes) == (3, 1, 144)
    assert seconds > 0
    assert "writer alone" in out and "CPU seconds" in out


def test_small_end_to_end_run_goes_through_the_schedule(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output = tmp_path / "guide.xml"
    assert (
        bench_guide.main(
            [
                "--from-schedule",
                "--channels",
                "2",
                "--days",
                "1",
                "--repeat",
                "2",
                "--filler",
                "5",
                "--output",
                str(output),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    channels, days, programmes, _ = table(out)
    assert (channels, days) == (2, 1)
    # a day of half-hour slots from the half hour before now: 48 or 49 per channel, plus an
    # entry for each padding longer than five minutes
    assert 2 * 48 <= programmes <= 2 * 2 * 49
    document = output.read_bytes()
    assert document.count(b"<programme ") == programmes
    assert b"render_guide" in out.encode()


def test_synthetic_guide_has_the_promised_shape() -> None:
    lineup, airings = bench_guide.build_guide(channels=2, days=1, episodes=5)
    assert [c.number for c in lineup] == [1, 2]
    first = airings[1]
    assert len(first) == 48
    assert all(a.stop - a.start == 1800 for a in first)
    assert all(b.start == a.stop for a, b in itertools.pairwise(first))
    assert first[5].programme is first[0].programme  # episodes repeat, as on a rerun channel


def test_by_default_every_programme_is_a_distinct_item() -> None:
    _, airings = bench_guide.build_guide(channels=2, days=2)
    items = [a.programme for day in airings.values() for a in day]
    assert len(items) == 2 * 96 and len(set(map(id, items))) == len(items)
    lineup = bench_guide.build_lineup(channels=2, days=2, episodes=None, filler=3)
    assert [len(channel.programmes) for channel in lineup] == [96, 96]
    assert {channel.order for channel in lineup} == {"shuffle", "chronological"}

"""The guide benchmark stays runnable (a tiny run; the real numbers come from the command line)."""

from __future__ import annotations

import re

import pytest

from benchmarks import bench_guide


def test_small_run_reports_its_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_guide.main(["--channels", "3", "--days", "1", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^programmes\s+144$", out, re.MULTILINE)
    for label in ("seconds", "programmes/s", "MB"):
        assert re.search(rf"^{re.escape(label)}\s+\S", out, re.MULTILINE), label


def test_synthetic_guide_has_the_promised_shape() -> None:
    lineup, airings = bench_guide.build_guide(channels=2, days=1, episodes=5)
    assert [c.number for c in lineup] == [1, 2]
    first = airings[1]
    assert len(first) == 48
    assert all(a.stop - a.start == 1800 for a in first)
    assert all(b.start == a.stop for a, b in zip(first, first[1:]))
    assert first[5].programme is first[0].programme  # episodes repeat, as on a rerun channel

"""The integrity benchmark runs (tiny sizes): its numbers back the choice in lineup.db_check."""

from __future__ import annotations

import pytest

from benchmarks import bench_integrity


def test_bench_integrity_runs(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--items", "300", "--channels", "2", "--repeat", "1", "--trials", "2"]
    assert bench_integrity.main(argv) == 0
    out = capsys.readouterr().out
    assert "integrity_check: warm median" in out and "noticed by quick_check" in out

"""The break-detection benchmark runs, finds its clips' breaks and stays within the budget."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import bench_break_detection


@pytest.mark.slow
def test_bench_break_detection_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--minutes", "3", "--runs", "1", "--small", "--no-reference", "--clips", str(tmp_path)]
    assert bench_break_detection.main(argv) == 0
    rows = capsys.readouterr().out.splitlines()[1:3]
    assert [row.split()[:3] for row in rows] == [["gaps", "3", "2"], ["quiet", "3", "2"]]

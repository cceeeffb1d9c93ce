"""The incremental monitor counts what ``analyse`` counts, whatever the chunking of the bytes."""

from __future__ import annotations

import pytest

from hdhr_emulator.playout.ts import PTS_HZ
from tests.support.test_ts_analysis import stream
from tests.support.ts_analysis import analyse
from tests.support.ts_monitor import TsMonitor


def monitor(data: bytes, chunk: int) -> TsMonitor:
    m = TsMonitor()
    for at in range(0, len(data), chunk):
        m.feed(data[at : at + chunk])
    return m


@pytest.mark.parametrize("chunk", [1, 100, 188, 1316, 1 << 20])
def test_errors_match_analyse(chunk: int) -> None:
    frames = [(n * 3600, n * 3600) for n in range(6)] + [(5 * 3600, 5 * 3600), (3600, 3600)]
    frames += [(20 * 3600, 20 * 3600)]  # a hole of 14 frames
    data = stream(frames, cc_step=2)
    report, totals = analyse(data), monitor(data, chunk).totals()
    video = report.video
    assert video is not None
    assert totals.packets == report.packets
    assert totals.cc_errors == report.cc_error_total == 8
    assert totals.pts_backsteps == video.dts_backsteps == 1
    assert totals.dts_repeats == video.dts_repeats == 1
    assert totals.pcr_backsteps == report.pcr_backsteps == 1
    assert totals.max_video_step == video.max_step == 19 * 3600 / PTS_HZ


def test_a_clean_stream() -> None:
    data = stream([(7200 + n * 3600, n * 3600) for n in range(10)])
    totals = monitor(data, 1000).totals()
    assert totals.cc_errors == totals.pts_backsteps == totals.dts_repeats == 0
    assert totals.video_seconds == 9 * 3600 / PTS_HZ
    assert totals.max_video_step == 3600 / PTS_HZ
    assert totals.pcr_max_interval == pytest.approx(3600 / PTS_HZ)
    assert monitor(b"\x00" * 188, 188).totals().sync_errors == 1

"""The analyser finds what it is meant to find, on hand-made packets."""

from __future__ import annotations

import pytest

from hdhr_emulator.playout.ts import PTS_HZ
from tests.support.ts_analysis import analyse
from tests.support.ts_clips import PAT, PMT, pes_packet


def stream(frames: list[tuple[int, int]], *, cc_step: int = 1) -> bytes:
    """PAT, PMT, then one video packet per (pts, dts) frame, PCR = DTS, a keyframe first."""
    out = PAT + PMT
    for n, (pts, dts) in enumerate(frames):
        out += pes_packet(0x100, pts, dts, cc=(n * cc_step) % 16, pcr=dts * 300, rai=n == 0)
    return out


def test_a_clean_stream() -> None:
    report = analyse(stream([(7200 + n * 3600, n * 3600) for n in range(10)]))
    assert report.packets == 12 and report.cc_error_total == 0
    assert report.starts_with_pat_pmt_keyframe
    assert report.pat_count == report.pmt_count == 1
    video = report.video
    assert video is not None and video.kind == "video" and video.stream_type == 0x1B
    assert video.frames == 10 and video.keyframes == 1 and video.dts_strictly_increasing
    assert video.frame_duration == 3600 / PTS_HZ and video.max_gap == 0
    assert video.start == 7200 / PTS_HZ and video.duration == pytest.approx(10 * 3600 / PTS_HZ)
    assert report.pcr_count == 10 and report.pcr_max_interval == 3600 / PTS_HZ
    assert report.audio is None


def test_errors_are_counted() -> None:
    frames = [(n * 3600, n * 3600) for n in range(6)] + [(5 * 3600, 5 * 3600), (3600, 3600)]
    frames += [(20 * 3600, 20 * 3600)]  # a hole of 14 frames
    report = analyse(stream(frames, cc_step=2))
    assert report.cc_errors == {0x100: 8}
    video = report.video
    assert video is not None
    assert video.dts_repeats == 1 and video.dts_backsteps == 1
    assert not video.dts_strictly_increasing
    assert video.max_gap == 14 * 3600 / PTS_HZ
    assert report.pcr_backsteps == 1


def test_starts_elsewhere_and_odd_bytes() -> None:
    data = stream([(0, 0), (3600, 3600)])
    report = analyse(data[188:] + b"\x00" * 10)
    assert not report.starts_with_pat_pmt_keyframe
    assert report.trailing_bytes == 10
    assert analyse(b"\x00" * 188).sync_errors == 1

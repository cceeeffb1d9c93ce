"""The built-in demo library: rendered once with real ffmpeg, then served as three channels."""

from __future__ import annotations

import time
from pathlib import Path

import av

from hdhr_emulator.cli.demo import demo_clips, ensure_demo_library
from hdhr_emulator.playout.ffmpeg_binary import FFmpeg
from lineup.config import load_config
from lineup.station import Station, StationSettings


def test_demo_renders_once_and_airs_three_channels(tmp_path: Path, ffmpeg: FFmpeg) -> None:
    root = tmp_path / "demo"
    progress: list[tuple[float, float]] = []
    config_path = ensure_demo_library(ffmpeg.path, root, lambda d, t: progress.append((d, t)))
    assert progress[-1][0] == progress[-1][1] > 0

    for clip in demo_clips():
        with av.open(str(root / clip.relative_path)) as media:
            assert abs(media.duration / 1e6 - clip.spec.duration) < 0.5
            assert {s.type for s in media.streams} == {"video", "audio"}

    modified = {p: p.stat().st_mtime_ns for p in root.rglob("*.mp4")}
    started = time.perf_counter()
    assert ensure_demo_library(ffmpeg.path, root) == config_path
    assert time.perf_counter() - started < 1.0, "a complete demo library is not rendered again"
    assert {p: p.stat().st_mtime_ns for p in root.rglob("*.mp4")} == modified

    config = load_config(config_path)
    settings = StationSettings(tmp_path / "data", config.media, config)
    with Station.open(settings) as station:
        summary = station.scan()
        assert summary.added == len(demo_clips()) and not summary.skipped
        schedule = station.schedule()
        assert [(c.number, c.name) for c in schedule.channels] == [
            (1, "Test Pattern Theatre"),
            (2, "Tone Patrol"),
            (3, "Movies"),
        ]
        now = time.time()
        for channel in schedule.channels:
            # the airing's programme, not the segment: the instant may fall in a break or card
            tune = schedule.at(channel.number, now)
            assert tune.airing.programme.path, "every demo channel airs real media, not the slate"
            assert tune.airing.stop - tune.airing.start < 600, "no half-hour padding in the demo"

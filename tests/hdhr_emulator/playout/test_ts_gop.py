"""GopCache: a joining viewer gets PAT, PMT, then a keyframe, and can decode from there."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from hdhr_emulator.cli.clips import ClipSpec
from hdhr_emulator.playout.ffmpeg_binary import FFmpeg
from hdhr_emulator.playout.ts import CHUNK, PACKET_SIZE, GopCache, Splicer
from hdhr_emulator.playout.ts.packets import PID_PAT
from tests.conftest import require_tool
from tests.support.ts_analysis import analyse
from tests.support.ts_clips import Items, remux_warnings, render_items


@pytest.fixture(scope="module")
def items(
    ffmpeg: FFmpeg,
    clip_cache: Callable[[ClipSpec, str], Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Items:
    return render_items(ffmpeg.path, clip_cache, tmp_path_factory.mktemp("items"))


def live(items: Items, read: int = 8 * CHUNK) -> list[tuple[bytes, tuple[int, ...]]]:
    """The spliced stream as the session sends it: (chunk, keyframe offsets) per feed."""
    splicer = Splicer()
    chunks = []
    for item in items.all:
        splicer.start_item()
        for at in range(0, len(item), read):
            out = splicer.feed(item[at : at + read])
            if out:
                chunks.append((out, splicer.keyframe_offsets))
    return chunks


def join_at(
    chunks: list[tuple[bytes, tuple[int, ...]]], seconds_in: float, scan: bool = False
) -> tuple[bytes, bytes]:
    """(snapshot for a viewer joining after ``seconds_in`` of stream, the live bytes after it)."""
    cache = GopCache()
    total = sum(len(c) for c, _ in chunks)
    sent = 0
    for n, (chunk, keyframes) in enumerate(chunks):
        cache.feed(chunk, None if scan else keyframes)
        sent += len(chunk)
        if sent >= total * seconds_in / 6.0:
            return cache.snapshot(), b"".join(c for c, _ in chunks[n + 1 :])
    raise AssertionError("stream too short")


@pytest.mark.parametrize("seconds_in", [0.5, 1.7, 3.4, 5.9])
def test_snapshot_starts_with_pat_pmt_keyframe(items: Items, seconds_in: float) -> None:
    snapshot, rest = join_at(live(items), seconds_in)
    report = analyse(snapshot)
    assert report.starts_with_pat_pmt_keyframe, report.first_pids
    assert report.cc_error_total == 0  # the PAT/PMT copies continue into the GOP's own
    assert report.video is not None and report.video.keyframes == 1
    joined = analyse(snapshot + rest)
    assert joined.cc_error_total == 0 and joined.video and joined.video.dts_strictly_increasing


def test_scanning_finds_the_same_keyframes(items: Items) -> None:
    chunks = live(items)
    for seconds_in in (0.5, 2.5, 4.2):
        assert join_at(chunks, seconds_in, scan=True) == join_at(chunks, seconds_in)


def test_ffmpeg_decodes_a_join_from_its_first_frame(
    items: Items, ffmpeg: FFmpeg, tmp_path: Path
) -> None:
    ffprobe = require_tool("ffprobe")
    snapshot, rest = join_at(live(items), 2.6)
    path = tmp_path / "join.ts"
    path.write_bytes(snapshot + rest)
    assert remux_warnings(ffmpeg.path, path, decode=True) == ""
    frames = subprocess.run(
        [ffprobe, "-v", "error", "-select_streams", "v",
         "-show_entries", "frame=key_frame,pict_type", "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout.split()  # fmt: skip
    assert frames[0].startswith("1,I")
    video = analyse(snapshot + rest).video
    assert video is not None and len(frames) == video.frames  # every frame decodes


def test_nothing_to_give_before_a_keyframe_and_tables() -> None:
    cache = GopCache()
    assert cache.snapshot() == b""
    cache.feed(b"\x47\x01\x00\x10" + b"\xff" * (PACKET_SIZE - 4), keyframe_offsets=())
    assert cache.snapshot() == b"" and cache.size == 0


def test_an_oversized_gop_is_dropped_until_the_next_keyframe(items: Items) -> None:
    chunks = live(items)
    cache = GopCache(max_bytes=40_000)
    sizes = []
    for chunk, keyframes in chunks:
        cache.feed(chunk, keyframes)
        sizes.append(cache.size)
        assert cache.size <= 40_000
        snapshot = cache.snapshot()
        if snapshot:
            assert snapshot[:3] == bytes((0x47, 0x40 | (PID_PAT >> 8), PID_PAT))
    assert 0 in sizes and max(sizes) > 0

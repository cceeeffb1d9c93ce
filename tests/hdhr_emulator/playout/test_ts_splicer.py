"""The splicer against real ffmpeg items, checked with our analyser, ffprobe and an ffmpeg remux."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest

from hdhr_emulator.cli.clips import ClipSpec
from hdhr_emulator.playout.ffmpeg_binary import FFmpeg
from hdhr_emulator.playout.ts import CHUNK, PACKET_SIZE, PTS_HZ, Splicer
from hdhr_emulator.playout.ts.packets import (
    TS_WRAP,
    is_keyframe_start,
    parse_header,
    pes_timestamps,
)
from tests.conftest import require_tool
from tests.support.ts_analysis import analyse
from tests.support.ts_clips import (
    AAC_FRAME,
    FRAME,
    VIDEO_PID,
    Items,
    probe_packets,
    remux_warnings,
    render_item,
    render_items,
)

EPS = 1e-6
FRAME_S, AAC_FRAME_S = FRAME / PTS_HZ, AAC_FRAME / PTS_HZ


@pytest.fixture(scope="module")
def items(
    ffmpeg: FFmpeg,
    clip_cache: Callable[[ClipSpec, str], Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Items:
    return render_items(ffmpeg.path, clip_cache, tmp_path_factory.mktemp("items"))


def splice(parts: list[bytes], splicer: Splicer | None = None, chunk: int = 64 * CHUNK) -> bytes:
    """Run items through a splicer the way the playout session does: start, feed reads, next."""
    splicer = splicer or Splicer()
    out = bytearray()
    for part in parts:
        out += splicer.start_item()
        for at in range(0, len(part), chunk):
            out += splicer.feed(part[at : at + chunk])
    out += splicer.flush()
    return bytes(out)


def test_items_are_what_the_seams_need(items: Items) -> None:
    """The fixtures really differ in the ways the splicer must handle."""
    plain, silent, seeked = (analyse(item) for item in items.all)
    assert silent.discontinuity_flags > 0
    assert seeked.audio is not None and seeked.audio.start > 0.6  # not starting at 0
    for report in (plain, silent, seeked):
        assert report.video is not None and report.audio is not None
        assert report.video.frames == 50 and report.video.keyframes == 2
        assert report.cc_error_total == 0
    # B-frames: the first video PES has DTS two frames before its PTS
    first = items.plain.index(bytes((0x47, 0x41, 0x00)))
    pts, dts = pes_timestamps(items.plain, first + 4 + 1 + items.plain[first + 4])
    assert pts is not None and dts is not None and pts - dts == 2 * FRAME


def test_naive_concatenation_is_broken(items: Items, ffmpeg: FFmpeg) -> None:
    """The control: without the splicer the same checks fail, so they can fail."""
    report = analyse(b"".join(items.all))
    assert report.cc_error_total > 0
    assert report.video is not None and report.video.dts_backsteps > 0
    path = items.folder / "naive.ts"
    path.write_bytes(b"".join(items.all))
    assert remux_warnings(ffmpeg.path, path) != ""


def test_spliced_items_form_one_clean_timeline(items: Items) -> None:
    spliced = splice(items.all)
    report = analyse(spliced)
    assert report.cc_error_total == 0
    assert report.discontinuity_flags == 0
    assert report.pcr_backsteps == 0 and report.pcr_count > 0
    video, audio = report.video, report.audio
    assert video is not None and audio is not None
    for stream in (video, audio):
        assert stream.dts_strictly_increasing
    assert video.max_gap <= FRAME_S + EPS
    assert audio.max_gap <= AAC_FRAME_S + EPS
    assert video.frames == 150 and video.keyframes == 6
    parts = [analyse(item).video for item in items.all]
    assert abs(video.duration - sum(p.duration for p in parts if p)) < EPS  # video is seamless
    assert abs(audio.end - video.end) < AAC_FRAME_S
    assert abs(audio.start - 1.0) < EPS  # the default start: the earliest timestamp at 1 s


def test_ffprobe_sees_monotonic_dts_and_no_holes(items: Items, tmp_path: Path) -> None:
    ffprobe = require_tool("ffprobe")
    path = tmp_path / "spliced.ts"
    path.write_bytes(splice(items.all))
    packets = probe_packets(ffprobe, path)
    for kind, frame in (("video", FRAME), ("audio", AAC_FRAME)):
        stream = [p for p in packets if p.stream == kind]
        dts = [p.dts for p in stream]
        assert all(b > a for a, b in itertools.pairwise(dts)), f"{kind} DTS not increasing"
        pts = sorted(p.pts for p in stream)
        steps = [b - a for a, b in itertools.pairwise(pts)]
        assert min(steps) > 0
        assert max(steps) <= 2 * frame, f"{kind}: a hole of more than one frame"
    video = [p for p in packets if p.stream == "video"]
    assert len(video) == 150 and sum(p.key for p in video) == 6
    span = (max(p.pts for p in video) + FRAME - min(p.pts for p in video)) / PTS_HZ
    assert abs(span - 6.0) < EPS  # three 2-s items


def test_ffmpeg_remuxes_and_decodes_without_warnings(
    items: Items, ffmpeg: FFmpeg, tmp_path: Path
) -> None:
    path = tmp_path / "spliced.ts"
    path.write_bytes(splice(items.all))
    assert remux_warnings(ffmpeg.path, path) == ""
    assert remux_warnings(ffmpeg.path, path, decode=True) == ""


def test_each_item_keeps_its_audio_video_alignment(items: Items) -> None:
    splicer = Splicer()
    for item in items.all:
        splicer.start_item()
        out = splicer.feed(item) + splicer.flush()
        before, after = analyse(item), analyse(out)
        assert before.video and after.video and before.audio and after.audio
        video_shift = after.video.end - before.video.end
        audio_shift = after.audio.end - before.audio.end
        assert abs(video_shift - audio_shift) < EPS


def test_output_does_not_depend_on_read_sizes(items: Items) -> None:
    whole = splice(items.all, chunk=1 << 30)
    assert splice(items.all, chunk=PACKET_SIZE) == whole
    assert splice(items.all, chunk=CHUNK) == whole


def test_timeline_wraps_at_33_bits(items: Items, ffmpeg: FFmpeg, tmp_path: Path) -> None:
    splicer = Splicer(start=TS_WRAP - 2 * PTS_HZ)  # the wrap comes 2 s into the first item
    spliced = splice(items.all, splicer)
    assert splicer.timeline_end > TS_WRAP
    report = analyse(spliced)
    assert report.cc_error_total == 0 and report.pcr_backsteps == 0
    for stream in report.streams.values():
        assert stream.wrapped and stream.dts_strictly_increasing
    assert report.video and report.video.max_gap <= FRAME_S + EPS
    raw = [
        pes_timestamps(spliced, at + 4 + (spliced[at + 4] + 1 if spliced[at + 3] & 0x20 else 0))[0]
        for at in range(0, len(spliced), PACKET_SIZE)
        if spliced[at + 1] & 0x40 and parse_header(spliced, at).pid == VIDEO_PID
    ]
    assert max(p for p in raw if p) > TS_WRAP - PTS_HZ and min(p for p in raw if p) < 5 * PTS_HZ
    path = tmp_path / "wrap.ts"
    path.write_bytes(spliced)
    assert remux_warnings(ffmpeg.path, path) == ""


@pytest.mark.parametrize("start", [0, PTS_HZ, 12_345_678])
def test_first_item_start_is_configurable(items: Items, start: int) -> None:
    splicer = Splicer(start=start)
    report = analyse(splice([items.plain], splicer))
    assert report.audio and report.video
    earliest = min(report.audio.start, report.video.start)
    if start:
        assert round(earliest * PTS_HZ) == start
    else:  # DTS runs two frames ahead of PTS: raised so that nothing is written below 0
        assert round(earliest * PTS_HZ) >= 0 and splicer.timeline_end > 2 * PTS_HZ


def test_keyframe_offsets_point_at_video_keyframes(items: Items) -> None:
    splicer = Splicer()
    found = 0
    for item in items.all:
        splicer.start_item()
        for at in range(0, len(item), 16 * CHUNK):
            out = splicer.feed(item[at : at + 16 * CHUNK])
            for offset in splicer.keyframe_offsets:
                assert offset % PACKET_SIZE == 0
                assert parse_header(out, offset).pid == VIDEO_PID
                assert is_keyframe_start(out, offset)
            assert splicer.keyframe_offset == (splicer.keyframe_offsets or [None])[-1]
            found += len(splicer.keyframe_offsets)
    assert found == 6


def test_timeline_and_item_seconds(items: Items) -> None:
    splicer = Splicer()
    assert splicer.timeline_seconds == 0 and splicer.item_seconds == 0
    ends = []
    for item in items.all:
        splicer.start_item()
        splicer.feed(item)
        ends.append(splicer.timeline_seconds)
        # video is seamless; AAC priming and padding move the end by up to an audio frame or two
        assert 2.0 - AAC_FRAME_S <= splicer.item_seconds <= 2.0 + 2 * AAC_FRAME_S
    assert ends == sorted(ends) and abs(ends[-1] - 6.0) <= 2 * AAC_FRAME_S
    assert splicer.timeline_end == splicer.start + round(ends[-1] * PTS_HZ)


def test_a_process_that_dies_mid_item(items: Items, ffmpeg: FFmpeg, tmp_path: Path) -> None:
    """Half an item (cut anywhere, even mid-frame), then the next item: still one timeline."""
    half = items.silent[: len(items.silent) // 2 // PACKET_SIZE * PACKET_SIZE]
    spliced = splice([items.plain, half, items.seeked])
    report = analyse(spliced)
    assert report.cc_error_total == 0 and report.pcr_backsteps == 0
    assert report.video and report.audio
    assert report.video.dts_strictly_increasing and report.audio.dts_strictly_increasing
    assert report.video.max_gap <= FRAME_S + EPS
    # the cut leaves the dead item's audio short of its video by the muxer's interleaving: the
    # seam (video-continuous) gets that hole in audio, which must stay small
    assert report.audio.max_gap <= 0.1
    assert 4.5 < report.video.duration < 5.5
    path = tmp_path / "died.ts"
    path.write_bytes(spliced)
    assert "Non-monotonous" not in remux_warnings(ffmpeg.path, path)


def test_an_item_that_dies_before_its_streams_start(items: Items) -> None:
    """Only a few packets (SDT, PAT, PMT, part of the first frame) are held, then given back."""
    splicer = Splicer()
    splicer.start_item()
    out = splicer.feed(items.plain)
    splicer.start_item()
    assert splicer.feed(items.silent[: 4 * PACKET_SIZE]) == b""
    assert splicer.holding == 4 * PACKET_SIZE
    out += splicer.start_item()  # the leftover: the start of a frame, rewritten
    out += splicer.feed(items.seeked) + splicer.flush()
    report = analyse(out)
    assert report.cc_error_total == 0
    assert report.video and report.video.dts_strictly_increasing


def test_feed_until_loops_a_slate_to_a_time_limit(items: Items) -> None:
    splicer = Splicer()
    remaining, out, loops = 5.0, bytearray(), 0
    while remaining > 0.02:
        splicer.start_item()
        before = splicer.timeline_seconds
        out += splicer.feed_until(items.plain, remaining)
        remaining -= splicer.timeline_seconds - before
        loops += 1
    assert loops == 3 and splicer.limit_reached
    assert 5.0 - EPS <= splicer.timeline_seconds <= 5.0 + FRAME_S
    report = analyse(bytes(out))
    assert report.cc_error_total == 0 and report.video and report.audio
    assert report.video.max_gap <= FRAME_S + EPS and report.audio.max_gap <= AAC_FRAME_S + EPS
    assert abs(report.video.duration - 5.0) < EPS


def test_mixed_reorder_delays_never_step_back(
    items: Items, ffmpeg: FFmpeg, clip_cache: Callable[[ClipSpec, str], Path]
) -> None:
    """An item without B-frames, then one with: the B-frame item's first DTS lies two frames
    before its PTS, so it is pushed later by what DTS needs to keep increasing (one frame)."""
    source = clip_cache(ClipSpec(duration=3.0, tone_hz=440), "mp4")
    no_b = render_item(ffmpeg.path, source, items.folder / "nob.ts", extra=("-bf", "0"))
    report = analyse(splice([no_b, items.plain, no_b]))
    assert report.cc_error_total == 0 and report.video and report.audio
    assert report.video.dts_strictly_increasing and report.audio.dts_strictly_increasing
    assert report.video.max_gap <= FRAME_S + 1 / PTS_HZ + EPS


@pytest.fixture(scope="module")
def slate_like(items: Items, ffmpeg: FFmpeg, clip_cache: Callable[[ClipSpec, str], Path]) -> bytes:
    """An item made like the slate: no B-frames, and a DTS one tick before every PTS (so that
    each video PES has a DTS field the splicer can set)."""
    source = clip_cache(ClipSpec(duration=3.0, tone_hz=440), "mp4")
    extra = ("-bf", "0", "-bsf:v", "setts=dts=DTS-1")
    return render_item(ffmpeg.path, source, items.folder / "slate-like.ts", extra=extra)


def video_dts_steps(data: bytes, tmp_path: Path) -> dict[int, int]:
    """ffprobe's video DTS steps in decoding order: ticks -> how often."""
    path = tmp_path / "spliced.ts"
    path.write_bytes(data)
    dts = [p.dts for p in probe_packets(require_tool("ffprobe"), path) if p.stream == "video"]
    steps: dict[int, int] = {}
    for a, b in itertools.pairwise(dts):
        steps[b - a] = steps.get(b - a, 0) + 1
    return steps


@pytest.mark.parametrize("slate_first", [False, True], ids=["item-first", "slate-first"])
def test_the_slate_takes_the_decode_delay_of_the_files_around_it(
    items: Items, slate_like: bytes, tmp_path: Path, slate_first: bool
) -> None:
    """B-frame items decode two frames ahead; the slate has no B-frames. Retimed, the slate
    decodes two frames ahead too: every DTS step is one frame (no hole where the delay drops,
    no 1-tick step and presentation hole where it rises) and the PTS stay continuous."""
    splicer = Splicer()
    splicer.first_decode_delay = 2 * FRAME  # the channel's files' delay, for a slate at tune-in
    parts = [(items.plain, False), (slate_like, True), (items.plain, False), (slate_like, True)]
    if slate_first:
        parts = [(slate_like, True), *parts]
    out = bytearray()
    for part, retimable in parts:
        out += splicer.start_item(retimable=retimable)
        out += splicer.feed(part)
    out += splicer.flush()

    assert video_dts_steps(bytes(out), tmp_path) == {FRAME: 50 * len(parts) - 1}
    report = analyse(bytes(out))
    assert report.cc_error_total == 0 and report.pcr_backsteps == 0
    assert report.video is not None and report.audio is not None
    assert report.video.max_gap <= FRAME_S + EPS
    assert report.audio.max_gap <= AAC_FRAME_S + EPS


def test_without_retiming_the_delay_change_leaves_dts_holes(
    items: Items, slate_like: bytes, tmp_path: Path
) -> None:
    """The control: the same items spliced as ordinary items step the DTS by 3 frames into
    the slate and by 1 tick out of it (the 40–120 ms holes and 1-tick steps of issue 10)."""
    steps = video_dts_steps(splice([items.plain, slate_like, items.plain]), tmp_path)
    assert set(steps) - {FRAME}, steps


def test_feed_rejects_partial_packets() -> None:
    with pytest.raises(ValueError, match="whole packets"):
        Splicer().feed(b"\x47" * 100)

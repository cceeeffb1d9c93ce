"""A mid-roll break on the air: real ffmpeg, a real session, the splicer, judged by decoding.

The programme is a 300-s clip whose picture says which frame it is (its colour codes the frame
number) and whose tone is 440 Hz; the break is a bumper (660 Hz), a commercial (990 Hz) and the
bumper again. The layout cuts the programme at its 62-s chapter mark (one cut: 300 s at six per
half-hour). The session joins 5 s before the cut and plays unpaced, so the break and the
resumption take seconds. Checked: the tones change where the schedule says (±1 s, relative to
the first seam), every packet decodes, the timeline only moves forward, and the resumed
episode's first picture is the frame after the last one before the break (±1 frame).
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from hdhr_emulator.cli.clips import ClipSpec
from hdhr_emulator.playout import session as session_module
from hdhr_emulator.playout.ffmpeg_args import slate_command
from hdhr_emulator.playout.ffmpeg_binary import FFmpeg
from lineup.models import (
    BreakPolicy,
    BreakSource,
    Channel,
    ChannelProfile,
    FillerKind,
    FillerPolicy,
    ItemKind,
    MediaItem,
    OutputMode,
    Preset,
)
from lineup.probe import probe
from lineup.schedule import Schedule, ScheduleStore
from tests.support.streaming import (
    assert_continuous,
    assert_decodes,
    corner_rgb,
    decodable_frames,
    decoded_audio,
    decoded_video,
)
from tests.support.tone_seams import drifts_ms, seams_heard
from tests.support.ts_analysis import analyse
from tests.support.unpaced import record_unpaced

pytestmark = pytest.mark.slow

T0 = 1_700_000_000.0
FPS = 25
PROGRAMME_SECONDS = 300.0
CUT = 62.0
JOIN = CUT - 5.0  # the session starts this far into the programme
PROGRAMME_TONE, BUMPER_TONE, AD_TONE = 440, 660, 990
TONES = [PROGRAMME_TONE, BUMPER_TONE, AD_TONE]
PROFILE = ChannelProfile(
    width=160, height=90, fps=FPS, preset=Preset.ULTRAFAST, video_kbps=300, audio_kbps=64
)
MEDIA_SECONDS = 20.0  # 5 s of programme, the 7-s break, 8 s of the resumed programme


def render_counting_clip(ffmpeg: str, out: Path) -> Path:
    """A clip whose every picture is one flat colour coding its frame number N (three base-16
    digits, one per RGB channel, at 16·d + 8: far apart enough to survive two encodes)."""
    code = "r='mod(N,16)*16+8':g='mod(floor(N/16),16)*16+8':b='mod(floor(N/256),16)*16+8'"
    video = (
        f"nullsrc=s=16x16:r={FPS}:d={PROGRAMME_SECONDS},format=rgb24,geq={code},"
        "scale=160:90:flags=neighbor,format=yuv420p"
    )
    tone = f"sine=frequency={PROGRAMME_TONE}:sample_rate=48000:duration={PROGRAMME_SECONDS}"
    argv = [
        ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", video,
        "-f", "lavfi", "-i", tone, "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0",
        "-g", str(FPS), "-c:a", "aac", "-ac", "2", "-shortest", str(out),
    ]  # fmt: skip
    subprocess.run(argv, check=True, timeout=300)
    return out


def frame_number(rgb: tuple[int, int, int]) -> int | None:
    """The frame number a counting clip's picture shows (None: not a counting picture)."""
    digits = []
    for value in rgb:
        digit, rest = divmod(value, 16)  # 16·d + 8, give or take the encoders
        if abs(rest - 8) > 5 or not 0 <= digit < 16:
            return None
        digits.append(digit)
    return digits[0] + 16 * digits[1] + 256 * digits[2]


@pytest.fixture(scope="module")
def programme(ffmpeg: FFmpeg, tmp_path_factory: pytest.TempPathFactory) -> MediaItem:
    path = render_counting_clip(ffmpeg.path, tmp_path_factory.mktemp("mid-roll") / "show.mp4")
    return MediaItem(
        id=1,
        path=str(path),
        kind=ItemKind.EPISODE,
        title="Counting",
        info=probe(path),
        show="Counting",
        season=1,
        episode=1,
        breaks=(CUT,),
        chapters=True,
    )


def test_a_mid_roll_break_cuts_and_resumes_the_programme_exactly(
    ffmpeg: FFmpeg,
    programme: MediaItem,
    clip_cache: Callable[[ClipSpec, str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(session_module, "BURST_SECONDS", 1e6)  # no pacing: as fast as ffmpeg
    bumper = MediaItem(
        id=2,
        path=str(clip_cache(ClipSpec(2.0, "", BUMPER_TONE, 160, 90, FPS), "mp4")),
        kind=ItemKind.FILLER,
        title="Back Soon",
        info=probe(clip_cache(ClipSpec(2.0, "", BUMPER_TONE, 160, 90, FPS), "mp4")),
        filler_kind=FillerKind.BUMPER,
    )
    ad_path = clip_cache(ClipSpec(3.0, "", AD_TONE, 160, 90, FPS), "mp4")
    ad = MediaItem(
        id=3,
        path=str(ad_path),
        kind=ItemKind.FILLER,
        title="Cola",
        info=probe(ad_path),
        filler_kind=FillerKind.COMMERCIAL,
    )
    channel = Channel(
        number=5,
        name="Counting",
        programmes=(programme,),
        filler=(bumper, ad),
        policy=FillerPolicy(items=1),
        mode=OutputMode.TRANSCODE,
        profile=PROFILE,
        breaks=BreakPolicy(BreakSource.CHAPTERS, per_half_hour=6, seconds=5.0),
        filler_kinds=(FillerKind.COMMERCIAL, FillerKind.BUMPER),
    )
    slate_path = tmp_path / "slate.ts"
    subprocess.run(
        slate_command(ffmpeg.path, PROFILE, "Counting", 3.0, str(slate_path), None), check=True
    )

    with ScheduleStore.open(tmp_path / "schedule.db") as store:
        schedule = Schedule(store, [channel], epochs={channel.number: T0})
        (airing,) = schedule.airings(channel.number, T0 + JOIN, T0 + JOIN + 1)
        data = asyncio.run(
            record_unpaced(
                ffmpeg.path,
                schedule,
                channel.number,
                slate_path.read_bytes(),
                T0 + JOIN,
                MEDIA_SECONDS,
            )
        )

    parts = [(s.item.id, s.start - T0, s.duration, s.seek) for s in airing.segments]
    assert parts[:5] == [
        (1, 0.0, CUT, 0.0),
        (2, CUT, 2.0, 0.0),  # bumper out
        (3, CUT + 2.0, 3.0, 0.0),  # the commercial
        (2, CUT + 5.0, 2.0, 0.0),  # bumper back in
        (1, CUT + 7.0, PROGRAMME_SECONDS - CUT, CUT),  # the rest, from the cut
    ], parts

    # the stream is clean across both seams
    assert_continuous(analyse(data))
    assert_decodes(data, decoded_video(data), decoded_audio(data))

    # the tones change where the schedule says, relative to the first seam (the break)
    seams = seams_heard(data, TONES)
    assert [s.tone for s in seams][:5] == [
        PROGRAMME_TONE,
        BUMPER_TONE,
        AD_TONE,
        BUMPER_TONE,
        PROGRAMME_TONE,
    ], seams
    heard = seams[1:5]
    starts = {
        BUMPER_TONE: [T0 + CUT, T0 + CUT + 5.0],
        AD_TONE: [T0 + CUT + 2.0],
        PROGRAMME_TONE: [T0 + CUT + 7.0],
    }
    drifts = drifts_ms(heard, starts, T0 + CUT)
    assert max(map(abs, drifts)) <= 1000, f"seams off the schedule by (ms): {drifts}"
    # and the join: the first seam is 5 s of programme after the stream's start
    first_pts = seams[0].pts
    assert abs((heard[0].pts - first_pts) - (CUT - JOIN)) <= 1.0

    # the picture: the last frame before the break and the first after it are consecutive
    counted = [
        (float(frame.time or 0.0), frame_number(corner_rgb(frame)))
        for _, frame, _ in decodable_frames(data, "video")
    ]
    cut_frame = round(CUT * FPS)  # 1550: the first frame after the cut
    before = [
        n
        for t, n in counted
        if t < heard[0].pts + 0.1 and n is not None and abs(n - cut_frame) < 100
    ]
    after = [
        n
        for t, n in counted
        if t > heard[3].pts - 0.1 and n is not None and abs(n - cut_frame) < 100
    ]
    assert before and after, counted[:10]
    assert abs(before[-1] - (cut_frame - 1)) <= 1, f"last frame before the break: {before[-1]}"
    assert abs(after[0] - cut_frame) <= 1, f"first frame after it: {after[0]}"
    assert after[0] > before[-1], "a frame was repeated across the break"

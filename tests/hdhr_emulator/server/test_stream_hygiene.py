"""Issue 10, defects 5 and 10, end to end: a real server plays files whose audio and video end
apart, in transcode and copy mode, and a viewer's recording must have both streams in every
second (no hole longer than a frame) and decoding timestamps that lead the clock (PCR), as
players such as VLC expect ("dts … later than pcr" otherwise).
"""

from __future__ import annotations

import collections
import itertools
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from hdhr_emulator.playout.ffmpeg_binary import FFmpeg
from tests.conftest import require_tool
from tests.support.server_process import RunningServer, running_server
from tests.support.streaming import (
    assert_continuous,
    decoded_audio,
    fetch,
    frequency,
    nearest_tone,
    write_config,
)
from tests.support.ts_analysis import analyse, decode_leads
from tests.support.ts_clips import AAC_FRAME, FRAME, probe_packets

pytestmark = pytest.mark.slow

ECHO_TONES = {440: "E01", 660: "E02"}
MIN_LEAD = 0.015  # seconds every PES arrives before its decoding time (-muxdelay 0.04)


@pytest.fixture(scope="module")
def ffprobe() -> str:
    return require_tool("ffprobe")


def uneven_clip(
    ffmpeg: str, out: Path, video: float, audio: float, tone_hz: int, preset: str = "ultrafast"
) -> Path:
    """An H.264/AAC mp4 whose video lasts ``video`` s and whose audio lasts ``audio`` s
    (``preset`` "veryfast": with B-frames, as most files have)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size=320x240:rate=25:duration={video}",
            "-f", "lavfi", "-i", f"sine=frequency={tone_hz}:sample_rate=48000:duration={audio}",
            "-c:v", "libx264", "-preset", preset, "-g", "25", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-ac", "2", str(out),
        ],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return out


@pytest.fixture(scope="module")
def uneven_server(
    tmp_path_factory: pytest.TempPathFactory, ffmpeg: FFmpeg
) -> Iterator[RunningServer]:
    """1 Uneven (transcode): audio 3 s shorter than the video, then the reverse.
    2 Quiet (copy): two episodes whose audio ends 3 s before their video.
    3 Gone (copy) and 4 Lost (transcode): two episodes with B-frames, the second one deleted
    once the server runs, so the channel changes over to the slate and back every 4 s.
    5 Echo (copy): two episodes whose video ends 3 s before their audio."""
    root = tmp_path_factory.mktemp("uneven")
    media = root / "media"
    uneven = media / "TV/Uneven/Season 01"
    uneven_clip(ffmpeg.path, uneven / "Uneven - S01E01 - Short Audio.mp4", 5.0, 2.0, 440)
    uneven_clip(ffmpeg.path, uneven / "Uneven - S01E02 - Short Video.mp4", 2.0, 5.0, 660)
    quiet = media / "TV/Quiet/Season 01"
    uneven_clip(ffmpeg.path, quiet / "Quiet - S01E01 - One.mp4", 5.0, 2.0, 550)
    uneven_clip(ffmpeg.path, quiet / "Quiet - S01E02 - Two.mp4", 5.0, 2.0, 880)
    gone = []
    for show in ("Gone", "Lost"):
        folder = media / f"TV/{show}/Season 01"
        uneven_clip(ffmpeg.path, folder / f"{show} - S01E01 - Here.mp4", 2.0, 2.0, 330, "veryfast")
        gone.append(
            uneven_clip(
                ffmpeg.path, folder / f"{show} - S01E02 - Away.mp4", 2.0, 2.0, 990, "veryfast"
            )
        )
    echo = media / "TV/Echo/Season 01"
    for n, hz in enumerate(ECHO_TONES, start=1):
        uneven_clip(ffmpeg.path, echo / f"Echo - S01E0{n} - Tone {hz}.mp4", 2.0, 5.0, hz)
    config = write_config(
        root / "retrovue.toml",
        media,
        """
[[channel]]
number = 1
name = "Uneven"
shows = ["Uneven"]
filler = { items = 0 }

[[channel]]
number = 2
name = "Quiet"
shows = ["Quiet"]
mode = "copy"
filler = { items = 0 }

[[channel]]
number = 3
name = "Gone"
shows = ["Gone"]
mode = "copy"
filler = { items = 0 }

[[channel]]
number = 4
name = "Lost"
shows = ["Lost"]
mode = "transcode"
filler = { items = 0 }

[[channel]]
number = 5
name = "Echo"
shows = ["Echo"]
mode = "copy"
filler = { items = 0 }
""",
    )
    with running_server(
        "--config", config, data_dir=root / "data", command=("serve", "--linger", "1")
    ) as server:
        for path in gone:
            path.unlink()  # in the catalog, but gone: it fails on air and the slate covers it
        yield server


@pytest.mark.parametrize("channel", [1, 2], ids=["transcode", "copy"])
def test_streams_that_end_apart_are_padded_so_every_second_has_audio_and_video(
    uneven_server: RunningServer, channel: int
) -> None:
    capture = fetch(uneven_server.port, f"/auto/v{channel}?duration=11")  # two 5 s slots or more

    report = analyse(capture.body)
    assert report.video is not None and report.video.duration >= 10.0, report.video
    # no hole longer than a frame in either stream: the 3 s of missing audio (or video) of
    # each file is filled with silence (or the last picture)
    assert_continuous(report)


@pytest.mark.parametrize("channel", [1, 2], ids=["transcode", "copy"])
def test_every_frame_arrives_ahead_of_the_clock(uneven_server: RunningServer, channel: int) -> None:
    capture = fetch(uneven_server.port, f"/auto/v{channel}?duration=6")

    leads = decode_leads(capture.body)
    assert leads, "no PES after a PCR"
    assert leads[0].lead >= MIN_LEAD, leads[:5]  # the start: what VLC warns about
    late = [lead for lead in leads if lead.lead < MIN_LEAD]
    assert not late, f"{len(late)} of {len(leads)} PES arrive late, e.g. {late[:3]}"


@pytest.mark.parametrize("channel", [3, 4], ids=["copy", "transcode"])
def test_the_changeover_to_the_slate_and_back_keeps_every_step_one_frame(
    uneven_server: RunningServer, channel: int, ffprobe: str, tmp_path: Path
) -> None:
    """Files with B-frames decode two frames ahead of showing; the slate has none. Across the
    changeover the DTS must still step exactly one frame (no 40–120 ms hole, no 1-tick step)
    and audio continue within one AAC frame."""
    capture = fetch(uneven_server.port, f"/auto/v{channel}?duration=9")  # two failed items
    recording = tmp_path / "changeover.ts"
    recording.write_bytes(capture.body)

    packets = probe_packets(ffprobe, recording)
    video = [p.dts for p in packets if p.stream == "video"]  # in decoding order
    steps = collections.Counter(b - a for a, b in itertools.pairwise(video))
    assert set(steps) == {FRAME}, f"video DTS steps (ticks: count): {dict(steps)}"
    audio = sorted(p.pts for p in packets if p.stream == "audio")
    holes = [b - a - AAC_FRAME for a, b in itertools.pairwise(audio) if b - a > AAC_FRAME]
    assert max(holes, default=0) <= AAC_FRAME, f"audio holes (ticks): {holes}"
    report = analyse(capture.body)
    assert_continuous(report)
    assert report.video is not None and report.video.duration >= 8.0
    assert min(lead.lead for lead in decode_leads(capture.body)) >= MIN_LEAD


def test_copy_plays_all_the_audio_of_a_file_whose_video_ends_first(
    uneven_server: RunningServer,
) -> None:
    """Copy mode cannot make pictures: the picture holds while the audio plays on, and the
    next episode starts after it instead of losing its first 3 s of sound to the overlap."""
    capture = fetch(uneven_server.port, "/auto/v5?duration=14")

    audio = decoded_audio(capture.body)
    window = 0.1
    labels = [
        nearest_tone(frequency(audio, at * window, window), ECHO_TONES)
        for at in range(int(audio.seconds / window))
    ]
    runs = [(label, len(list(group)) * window) for label, group in itertools.groupby(labels)]
    # a lone window at the very start or at a seam can land nearer the other tone; runs of
    # under 0.3 s are not an episode, so they are dropped before the episodes are counted
    heard = [seconds for label, seconds in runs if label in ECHO_TONES.values() and seconds >= 0.3]
    whole = heard[1:-1]  # the first and the last are cut by the tune-in and by ?duration
    assert whole, runs
    assert min(whole) >= 4.7, f"episodes heard (label, s): {runs}"
    assert max(whole) <= 5.3, f"episodes heard (label, s): {runs}"
    report = analyse(capture.body)
    assert report.audio is not None and report.audio.max_gap <= AAC_FRAME / 90_000 + 0.005

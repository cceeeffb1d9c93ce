"""Probing real clips: what PyAV reports, and every way a file can be unplayable."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from hdhr_emulator.playout.ffmpeg_binary import FFmpeg
from lineup.errors import RetrovueError
from lineup.models import MediaInfo
from lineup.probe import ProbeError, open_options, probe, pyav_major
from tests.conftest import ClipFactory

SMALL = {"width": 160, "height": 120}
INVALID = "invalid data found when processing input"  # FFmpeg's AVERROR_INVALIDDATA


def run_ffmpeg(ffmpeg: FFmpeg, *args: str) -> None:
    subprocess.run([ffmpeg.path, "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def cut_in_half(path: Path) -> Path:
    """What ``truncate -s $((size / 2))`` does to an interrupted download."""
    os.truncate(path, path.stat().st_size // 2)
    return path


def test_h264_aac_mp4(tmp_path: Path, make_clip: ClipFactory) -> None:
    clip = make_clip(tmp_path / "a.mp4", duration=2.0, fps=25, **SMALL)
    info = probe(clip)
    assert info == MediaInfo(
        duration=pytest.approx(2.0, abs=0.1),  # type: ignore[arg-type]
        container="mov,mp4,m4a,3gp,3g2,mj2",
        video_codec="h264",
        width=160,
        height=120,
        fps=25.0,
        audio_codec="aac",
        audio_channels=2,
    )


def test_mkv(tmp_path: Path, make_clip: ClipFactory) -> None:
    info = probe(make_clip(tmp_path / "a.mkv", duration=2.0, fps=30, **SMALL))
    assert (info.container, info.video_codec, info.audio_codec) == ("matroska,webm", "h264", "aac")
    assert info.fps == 30.0
    assert info.duration == pytest.approx(2.0, abs=0.1)


def test_mpeg2_transport_stream(tmp_path: Path, make_clip: ClipFactory) -> None:
    clip = make_clip(tmp_path / "a.ts", duration=2.0, video_codec="mpeg2video", **SMALL)
    info = probe(clip)
    assert (info.container, info.video_codec, info.width) == ("mpegts", "mpeg2video", 160)
    assert info.duration == pytest.approx(2.0, abs=0.2)


def test_no_audio(tmp_path: Path, make_clip: ClipFactory) -> None:
    info = probe(make_clip(tmp_path / "silent.mp4", duration=1.0, audio=False, **SMALL))
    assert (info.audio_codec, info.audio_channels) == (None, 0)
    assert info.video_codec == "h264"


def test_truncated_faststart_mp4(tmp_path: Path, make_clip: ClipFactory, ffmpeg: FFmpeg) -> None:
    """The index is up front, so the file opens and claims 6 s; only ~3 s of data are left."""
    source = make_clip(tmp_path / "source.mp4", duration=6.0, **SMALL)
    clip = tmp_path / "fast.mp4"
    run_ffmpeg(ffmpeg, "-i", str(source), "-c", "copy", "-movflags", "+faststart", str(clip))
    assert probe(clip).duration == pytest.approx(6.0, abs=0.1)

    with pytest.raises(ProbeError) as caught:
        probe(cut_in_half(clip))
    match = re.fullmatch(r"truncated \(data ends at (\d+\.\d) s of 6\.0 s\)", caught.value.reason)
    assert match, caught.value.reason
    assert 2.0 <= float(match.group(1)) <= 4.0


def test_truncated_mkv(tmp_path: Path, make_clip: ClipFactory) -> None:
    """Matroska writes its duration at the start, so a cut file still claims the full length."""
    clip = cut_in_half(make_clip(tmp_path / "cut.mkv", duration=6.0, **SMALL))
    with pytest.raises(ProbeError, match=r"^truncated \(data ends at [23]\.\d s of 6\.0 s\)$"):
        probe(clip)


def test_truncated_transport_stream_probes_as_what_is_left(
    tmp_path: Path, make_clip: ClipFactory
) -> None:
    """A TS has no total duration: FFmpeg reads it off the last timestamps, so a cut TS is a
    shorter, perfectly playable programme and must be scheduled for what it really holds."""
    clip = make_clip(tmp_path / "cut.ts", duration=6.0, video_codec="mpeg2video", **SMALL)
    assert probe(clip).duration == pytest.approx(6.0, abs=0.2)
    assert probe(cut_in_half(clip)).duration == pytest.approx(3.0, abs=0.6)


def test_truncated_mp4_without_faststart_cannot_open(
    tmp_path: Path, make_clip: ClipFactory
) -> None:
    # ffmpeg writes an mp4's index (moov) at the end unless told +faststart: it is gone.
    clip = cut_in_half(make_clip(tmp_path / "cut.mp4", duration=2.0, **SMALL))
    with pytest.raises(ProbeError, match=r"^cannot open: "):
        probe(clip)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        pytest.param(b"", "cannot open: empty file", id="zero-bytes"),
        pytest.param(b"Just some notes, not a video.\n" * 40, None, id="text-renamed-mp4"),
        pytest.param(os.urandom(64 * 1024), None, id="random-bytes"),
    ],
)
def test_not_a_video(tmp_path: Path, content: bytes, reason: str | None) -> None:
    path = tmp_path / "fake.mp4"
    path.write_bytes(content)
    with pytest.raises(ProbeError) as caught:
        probe(path)
    assert caught.value.reason == (reason or f"cannot open: {INVALID}")


def test_audio_only_file(tmp_path: Path, ffmpeg: FFmpeg) -> None:
    path = tmp_path / "song.mp4"
    run_ffmpeg(ffmpeg, "-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", str(path))
    with pytest.raises(ProbeError, match="^no video stream$"):
        probe(path)


def test_still_image_renamed_mp4(tmp_path: Path, ffmpeg: FFmpeg) -> None:
    path = tmp_path / "poster.png"
    run_ffmpeg(ffmpeg, "-f", "lavfi", "-i", "testsrc2=size=160x120", "-frames:v", "1", str(path))
    with pytest.raises(ProbeError, match="^zero duration$"):
        probe(path.rename(tmp_path / "poster.mp4"))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProbeError, match="^cannot open: no such file or directory$"):
        probe(tmp_path / "gone.mp4")


def test_probe_error_is_a_retrovue_error() -> None:
    error = ProbeError("no video stream")
    assert isinstance(error, RetrovueError)
    assert str(error) == error.reason == "no video stream"


def test_probe_passes_av_open_only_arguments_the_installed_pyav_takes(
    tmp_path: Path, make_clip: ClipFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PyAV 19 removed ``metadata_errors``: passing it made every probe a TypeError, so a scan
    skipped every file. The real ``av.open`` is called with exactly what the probe passes, so
    this fails on any PyAV that refuses one of the probe's arguments."""
    import av

    calls: list[dict[str, object]] = []
    real_open = av.open

    def recording_open(*args: object, **kwargs: object) -> object:
        calls.append(kwargs)
        return real_open(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(av, "open", recording_open)
    probe(make_clip(tmp_path / "a.mp4", duration=1.0, **SMALL))
    assert calls and calls[0] == {"mode": "r", **open_options()}
    if pyav_major() >= 19:
        assert "metadata_errors" not in calls[0]


def test_title_that_is_not_utf8_still_probes(tmp_path: Path, ffmpeg: FFmpeg) -> None:
    """A Latin-1 tag (old rips) makes PyAV 18 raise unless told to ignore it; PyAV 19 decodes
    it with surrogateescape. Either way the file airs."""
    clip = tmp_path / "latin.mkv"
    run_ffmpeg(
        ffmpeg,
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=160x120:rate=25:duration=1",
        "-c:v",
        "libx264",
        "-metadata",
        "title=Caf\udce9",
        str(clip),
    )
    assert probe(clip).video_codec == "h264"

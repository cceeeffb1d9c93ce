"""Burned-in subtitles: which file's subtitles are drawn, and that they are drawn in sync when a
programme is joined in progress (real ffmpeg, read back with ``tesseract``)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from hdhr_emulator.cli.clips import ClipSpec
from hdhr_emulator.playout.ffmpeg_args import transcode_command
from hdhr_emulator.playout.ffmpeg_binary import FFmpeg
from hdhr_emulator.playout.subtitles import SubtitleSource, find_subtitles, subtitle_filter
from lineup.models import ChannelProfile, ItemKind, MediaItem, Preset
from lineup.probe import probe
from tests.conftest import require_tool

ClipCache = Callable[[ClipSpec, str], Path]
PROFILE = ChannelProfile(width=640, height=360, preset=Preset.ULTRAFAST, video_kbps=800)
CUES = """1
00:00:00,000 --> 00:00:12,000
FIRST LINE

2
00:00:15,000 --> 00:00:29,000
SECOND LINE
"""


def srt(path: Path, first: str = "FIRST LINE", second: str = "SECOND LINE") -> Path:
    path.write_text(CUES.replace("FIRST LINE", first).replace("SECOND LINE", second))
    return path


def video(tmp_path: Path, clip_cache: ClipCache, name: str = "Show S01E01.mp4") -> Path:
    path = tmp_path / name
    shutil.copyfile(clip_cache(ClipSpec(duration=30.0, tone_hz=440), "mp4"), path)
    return path


def test_a_sidecar_in_the_preferred_language_wins(tmp_path: Path, clip_cache: ClipCache) -> None:
    show = video(tmp_path, clip_cache)
    english = srt(tmp_path / "Show S01E01.en.srt")
    french = srt(tmp_path / "Show S01E01.fr.srt")
    assert find_subtitles(str(show), "fr") == SubtitleSource(str(french), 0, "fr")
    assert find_subtitles(str(show), "eng") == SubtitleSource(str(english), 0, "en")
    plain = srt(tmp_path / "Show S01E01.srt")
    assert find_subtitles(str(show), "de") == SubtitleSource(str(plain))
    assert find_subtitles(str(tmp_path / "missing.mp4"), "en") is None


def test_an_embedded_text_track_is_chosen_by_language_then_default(
    tmp_path: Path, clip_cache: ClipCache, ffmpeg: FFmpeg
) -> None:
    source = video(tmp_path, clip_cache, "source.mp4")
    mkv = tmp_path / "Film (1980).mkv"
    argv = [
        ffmpeg.path, "-hide_banner", "-loglevel", "error", "-y", "-i", str(source),
        "-i", str(srt(tmp_path / "a.srt", "ENGLISH")), "-i", str(srt(tmp_path / "b.srt", "FRENCH")),
        "-map", "0", "-map", "1", "-map", "2", "-c:v", "copy", "-c:a", "copy", "-c:s", "srt",
        "-metadata:s:s:0", "language=eng", "-metadata:s:s:1", "language=fre",
        "-disposition:s:1", "default", str(mkv),
    ]  # fmt: skip
    subprocess.run(argv, check=True, timeout=60)
    assert find_subtitles(str(mkv), "fr") == SubtitleSource(str(mkv), 1, "fre")
    assert find_subtitles(str(mkv), "en") == SubtitleSource(str(mkv), 0, "eng")
    assert find_subtitles(str(mkv), None) == SubtitleSource(str(mkv), 1, "fre")  # the default
    assert find_subtitles(str(source), "en") is None


def test_the_filter_moves_the_picture_to_the_files_clock_and_back() -> None:
    odd = SubtitleSource("/media/it's: [a],b;c.srt")
    assert (
        subtitle_filter(odd, 0)
        == "subtitles=filename=/media/it\\\\\\'s\\\\: \\[a\\]\\,b\\;c.srt:si=0"
    )
    joined = subtitle_filter(SubtitleSource("/m/x.srt", 2), 12.5)
    assert joined.startswith("setpts=PTS+12.500/TB,") and joined.endswith(",setpts=PTS-STARTPTS")
    assert ":si=2" in joined


def plain_video(ffmpeg: str, path: Path) -> Path:
    """30 s of a flat dark picture with a tone: nothing for OCR to mistake for letters."""
    argv = [
        ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", "color=c=0x202040:s=640x360:r=25:d=30",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=30",
        "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-c:a", "aac", "-shortest",
        str(path),
    ]  # fmt: skip
    subprocess.run(argv, check=True, timeout=120)
    return path


def read_frame(ffmpeg: str, stream: Path, at: float, out: Path) -> str:
    """The text tesseract reads in the picture ``at`` s into ``stream``."""
    grab = [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-ss", f"{at}", "-i", str(stream),
            "-frames:v", "1", str(out)]  # fmt: skip
    subprocess.run(grab, check=True, timeout=60)
    read = subprocess.run(
        ["tesseract", str(out), "-", "--psm", "11"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return " ".join(read.stdout.split()).upper()


@pytest.mark.parametrize(
    ("seek", "expected", "absent"), [(0.0, "FIRST", "SECOND"), (14.0, "SECOND", "FIRST")]
)
def test_burned_subtitles_stay_in_sync_when_joined_in_progress(
    tmp_path: Path, ffmpeg: FFmpeg, seek: float, expected: str, absent: str
) -> None:
    """Joined at ``seek``, the picture 3 s later shows the cue of file time ``seek`` + 3."""
    require_tool("tesseract")
    show = plain_video(ffmpeg.path, tmp_path / "Show S01E01.mp4")
    srt(tmp_path / "Show S01E01.en.srt")
    item = MediaItem(1, str(show), ItemKind.EPISODE, "Show", probe(show))
    found = find_subtitles(str(show), "en")
    assert found is not None
    argv = transcode_command(ffmpeg.path, item, PROFILE, seek, 6.0, subtitles=found)
    out = tmp_path / f"aired-{seek:g}.ts"
    with out.open("wb") as sink:
        subprocess.run(argv, stdout=sink, check=True, timeout=120)
    text = read_frame(ffmpeg.path, out, 3.0, tmp_path / "frame.png")
    assert expected in text and absent not in text, text


def test_the_config_turns_burning_on_per_channel(tmp_path: Path) -> None:
    from lineup.channels import resolve_channels
    from lineup.config import load_config
    from lineup.errors import ConfigError
    from lineup.models import SubtitleMode

    config = tmp_path / "retrovue.toml"
    table = '[[channel]]\nnumber = 2\nname = "Films"\nmovies = true\n'
    config.write_text(table + 'subtitles = "burn"\nsubtitle_language = "FR"\n')
    (channel,) = resolve_channels(load_config(config).channels, [])
    assert (channel.subtitles, channel.subtitle_language) == (SubtitleMode.BURN, "fr")
    config.write_text(table + 'subtitles = "on"\n')
    with pytest.raises(ConfigError, match=r"retrovue.toml:5: unknown subtitles 'on'"):
        load_config(config)
    config.write_text(table + 'subtitle_language = "english"\n')
    with pytest.raises(ConfigError, match="must be a language code"):
        load_config(config)

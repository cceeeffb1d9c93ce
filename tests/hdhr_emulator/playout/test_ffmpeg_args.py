"""The exact ffmpeg argv of every item and of the slate, written out in full.

The splicer joins items byte for byte, so a changed option (a PID, the GOP, the audio layout,
where ``-ss`` sits) breaks the channel at the next seam rather than in the item itself. These
tests spell each command out literally instead of rebuilding it from the module's own helpers,
so that any change to the argv is a visible, deliberate edit here.
"""

from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from hdhr_emulator.playout.drawtext import find_font
from hdhr_emulator.playout.ffmpeg_args import (
    TS_OUTPUT_ARGS,
    copy_command,
    fps_fraction,
    slate_command,
    transcode_command,
)
from hdhr_emulator.playout.ffmpeg_binary import FFmpeg
from lineup.models import ChannelProfile, ItemKind, MediaInfo, MediaItem, Preset

FF = "/opt/ff/bin/ffmpeg"
FONT = "/fonts/Sans.ttf"
COMMON = ["-hide_banner", "-nostdin", "-nostats", "-loglevel", "error"]
# The fixed layout the splicer relies on: PIDs 0x100/0x101, PMT 0x1000, service 1, PCR every
# 30 ms, DTS 40 ms ahead of PCR, no preload, no interleaving hold-back.
TS_LAYOUT = [
    "-f",
    "mpegts",
    "-mpegts_start_pid",
    "256",
    "-mpegts_pmt_start_pid",
    "4096",
    "-mpegts_service_id",
    "1",
    "-pcr_period",
    "30",
    "-muxdelay",
    "0.04",
    "-muxpreload",
    "0",
    "-max_interleave_delta",
    "0",
    "-pes_payload_size",
    "0",
]
# The default profile: 1280x720 at 29.97 fps, veryfast, 1 s GOPs (30 frames), 3000k, stereo.
VF_720P_NTSC = (
    "scale=1280:720:force_original_aspect_ratio=decrease,"
    "pad=1280:720:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,fps=30000/1001,format=yuv420p,"
    "tpad=stop_mode=clone:stop=-1"
)
MIX = ":clev=0.707:slev=0.707:lfe_mix_level=0.0"
AF_STEREO = (
    f"aresample=48000:async=1:first_pts=0{MIX},aformat=sample_fmts=fltp:channel_layouts=stereo,apad"
)
# copy mode: the audio is re-encoded, padded, and starts where the copied video does
AF_COPY = f"aresample=48000:async=1{MIX},aformat=sample_fmts=fltp:channel_layouts=stereo,apad"
AAC_STEREO = ["-c:a", "aac", "-b:a", "128k", "-ac", "2", "-ar", "48000"]
# every encode tags its H.264 VUI as BT.709 limited range (playout/colour.py)
VUI_BT709 = [
    "-colorspace",
    "bt709",
    "-color_primaries",
    "bt709",
    "-color_trc",
    "bt709",
    "-color_range",
    "tv",
]
ENCODE_720P_STEREO = [
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-tune",
    "zerolatency",
    "-profile:v",
    "high",
    "-pix_fmt",
    "yuv420p",
    "-g",
    "30",
    "-keyint_min",
    "30",
    "-sc_threshold",
    "0",
    "-flags",
    "+cgop",
    "-b:v",
    "3000k",
    "-maxrate",
    "3000k",
    "-bufsize",
    "6000k",
    *VUI_BT709,
    "-c:a",
    "aac",
    "-b:a",
    "128k",
    "-ac",
    "2",
    "-ar",
    "48000",
]
# A PAL-ish mono profile: 25 fps exactly (25/1, GOP of 50 frames at 2 s), mono everywhere.
PAL_MONO = ChannelProfile(
    width=720,
    height=576,
    fps=25.0,
    preset=Preset.FAST,
    gop_seconds=2.0,
    video_kbps=1500,
    audio_kbps=96,
    audio_channels=1,
)
VF_PAL = (
    "scale=720:576:force_original_aspect_ratio=decrease,"
    "pad=720:576:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,fps=25/1,format=yuv420p,"
    "tpad=stop_mode=clone:stop=-1"
)
AF_MONO = (
    f"aresample=48000:async=1:first_pts=0{MIX},aformat=sample_fmts=fltp:channel_layouts=mono,apad"
)
ENCODE_PAL_MONO = [
    "-c:v",
    "libx264",
    "-preset",
    "fast",
    "-tune",
    "zerolatency",
    "-profile:v",
    "high",
    "-pix_fmt",
    "yuv420p",
    "-g",
    "50",
    "-keyint_min",
    "50",
    "-sc_threshold",
    "0",
    "-flags",
    "+cgop",
    "-b:v",
    "1500k",
    "-maxrate",
    "1500k",
    "-bufsize",
    "3000k",
    *VUI_BT709,
    "-c:a",
    "aac",
    "-b:a",
    "96k",
    "-ac",
    "1",
    "-ar",
    "48000",
]
HTTP_INPUT_OPTIONS = [
    "-multiple_requests",
    "1",
    "-reconnect",
    "1",
    "-reconnect_on_network_error",
    "1",
    "-reconnect_delay_max",
    "2",
]


def item(path: str = "/media/Cheers/S01E01.mkv", audio: bool = True) -> MediaItem:
    """A programme with (or without) an audio track; only ``path`` and the audio codec matter."""
    info = MediaInfo(
        duration=1500.0,
        container="matroska",
        video_codec="h264",
        width=1920,
        height=1080,
        fps=23.976,
        audio_codec="aac" if audio else None,
        audio_channels=2 if audio else 0,
    )
    return MediaItem(id=7, path=path, kind=ItemKind.EPISODE, title="Give Me a Ring", info=info)


def test_the_ts_layout_is_the_one_the_splicer_expects() -> None:
    """TS_OUTPUT_ARGS is what every other test here expects at the end of an argv."""
    assert list(TS_OUTPUT_ARGS) == TS_LAYOUT


def test_transcode_from_the_start_normalises_to_the_profile() -> None:
    """No ``-ss`` at seek 0; map the file's first video and audio; scale/pad, NTSC rate."""
    argv = transcode_command(FF, item(), ChannelProfile(), seek=0.0, duration=1500.0)
    assert argv == [
        FF,
        *COMMON,
        "-i",
        "/media/Cheers/S01E01.mkv",
        "-t",
        "1500.000",
        "-map",
        "0:v:0",
        "-map",
        "0:a:0",
        "-vf",
        VF_720P_NTSC,
        "-af",
        AF_STEREO,
        *ENCODE_720P_STEREO,
        *TS_LAYOUT,
        "pipe:1",
    ]


def test_transcode_seeks_on_the_input_with_millisecond_precision() -> None:
    """A join mid-item seeks before ``-i`` (fast, frame-accurate when transcoding)."""
    argv = transcode_command(FF, item(), ChannelProfile(), seek=754.2506, duration=745.75)
    assert argv == [
        FF,
        *COMMON,
        "-ss",
        "754.251",
        "-i",
        "/media/Cheers/S01E01.mkv",
        "-t",
        "745.750",
        "-map",
        "0:v:0",
        "-map",
        "0:a:0",
        "-vf",
        VF_720P_NTSC,
        "-af",
        AF_STEREO,
        *ENCODE_720P_STEREO,
        *TS_LAYOUT,
        "pipe:1",
    ]


def test_an_item_without_audio_gets_silence_from_a_second_input() -> None:
    """The stream must never lose its audio track: anullsrc in the profile's layout, mapped
    as input 1, and the seek applies to the file only (it comes before the file's ``-i``)."""
    argv = transcode_command(FF, item(audio=False), ChannelProfile(), seek=12.0, duration=30.0)
    assert argv == [
        FF,
        *COMMON,
        "-ss",
        "12.000",
        "-i",
        "/media/Cheers/S01E01.mkv",
        "-f",
        "lavfi",
        "-i",
        "anullsrc=r=48000:cl=stereo",
        "-t",
        "30.000",
        "-map",
        "0:v:0",
        "-map",
        "1:a:0",
        "-vf",
        VF_720P_NTSC,
        "-af",
        AF_STEREO,
        *ENCODE_720P_STEREO,
        *TS_LAYOUT,
        "pipe:1",
    ]


def test_a_mono_25_fps_profile_changes_rate_gop_and_every_audio_layout() -> None:
    """25 fps stays 25/1 (not 30000/1001), the GOP follows fps times gop_seconds, and mono
    reaches the filter, the encoder and the silence source alike."""
    argv = transcode_command(FF, item(audio=False), PAL_MONO, seek=0.0, duration=60.0)
    assert argv == [
        FF,
        *COMMON,
        "-i",
        "/media/Cheers/S01E01.mkv",
        "-f",
        "lavfi",
        "-i",
        "anullsrc=r=48000:cl=mono",
        "-t",
        "60.000",
        "-map",
        "0:v:0",
        "-map",
        "1:a:0",
        "-vf",
        VF_PAL,
        "-af",
        AF_MONO,
        *ENCODE_PAL_MONO,
        *TS_LAYOUT,
        "pipe:1",
    ]


def test_an_http_source_is_opened_with_reconnects_after_the_extra_input_args() -> None:
    """``source`` (a proxy URL) replaces the item's path; reconnect options and the caller's
    extra input options precede its ``-i``, after the seek."""
    url = "http://127.0.0.1:5004/internal/plex/3001"
    argv = transcode_command(
        FF,
        item(),
        ChannelProfile(),
        seek=90.5,
        duration=10.0,
        extra_input_args=("-readrate", "1.5"),
        source=url,
    )
    assert argv == [
        FF,
        *COMMON,
        "-ss",
        "90.500",
        "-readrate",
        "1.5",
        *HTTP_INPUT_OPTIONS,
        "-i",
        url,
        "-t",
        "10.000",
        "-map",
        "0:v:0",
        "-map",
        "0:a:0",
        "-vf",
        VF_720P_NTSC,
        "-af",
        AF_STEREO,
        *ENCODE_720P_STEREO,
        *TS_LAYOUT,
        "pipe:1",
    ]


def test_a_mapped_local_source_gets_no_http_options() -> None:
    """A media server's file mapped to a local path is opened like any file."""
    argv = copy_command(
        FF, item("plex:3001"), ChannelProfile(), seek=0.0, duration=5.0, source="/mnt/tv/a.mkv"
    )
    assert argv == [
        FF,
        *COMMON,
        "-i",
        "/mnt/tv/a.mkv",
        "-t",
        "5.000",
        "-map",
        "0:v:0",
        "-map",
        "0:a:0",
        "-c:v",
        "copy",
        "-af",
        AF_COPY,
        *AAC_STEREO,
        *TS_LAYOUT,
        "pipe:1",
    ]


def test_copy_from_the_start_passes_the_streams_through() -> None:
    """Copy: the video untouched; the audio re-encoded so that it can be padded."""
    argv = copy_command(FF, item(), ChannelProfile(), seek=0.0, duration=1500.0)
    assert argv == [
        FF,
        *COMMON,
        "-i",
        "/media/Cheers/S01E01.mkv",
        "-t",
        "1500.000",
        "-map",
        "0:v:0",
        "-map",
        "0:a:0",
        "-c:v",
        "copy",
        "-af",
        AF_COPY,
        *AAC_STEREO,
        *TS_LAYOUT,
        "pipe:1",
    ]


def test_copy_a_few_frames_in_starts_both_streams_at_the_start() -> None:
    """A seam a frame late asks for -ss 0.037: the copied video would start at the file's
    first keyframe (0) anyway, but the decoded audio at 0.037, a 37 ms hole at the seam. So
    both start at 0 and -t covers the same end."""
    argv = copy_command(FF, item(), ChannelProfile(), seek=0.037, duration=1.963)
    assert "-ss" not in argv
    assert argv[argv.index("-t") + 1] == "2.000"


def test_copy_mid_item_from_https_with_extra_input_args() -> None:
    """The seek, the extra options and the reconnect options all apply to the one input."""
    url = "https://plex.example:32400/library/parts/3001/file.mkv"
    argv = copy_command(
        FF,
        item(),
        ChannelProfile(),
        seek=61.0,
        duration=1439.0,
        extra_input_args=("-re",),
        source=url,
    )
    assert argv == [
        FF,
        *COMMON,
        "-ss",
        "61.000",
        "-re",
        *HTTP_INPUT_OPTIONS,
        "-i",
        url,
        "-t",
        "1439.000",
        "-map",
        "0:v:0",
        "-map",
        "0:a:0",
        "-c:v",
        "copy",
        "-af",
        AF_COPY,
        *AAC_STEREO,
        *TS_LAYOUT,
        "pipe:1",
    ]


def test_slate_without_a_font_is_a_plain_colour_with_silence() -> None:
    """No font on the machine: no drawtext at all (ffmpeg would fail on a missing fontfile)."""
    argv = slate_command(FF, ChannelProfile(), "Cheers", 2.0, "/data/slate.ts", font=None)
    assert argv == [
        FF,
        *COMMON,
        "-y",
        "-f",
        "lavfi",
        "-i",
        "color=c=0x1c2a4a:s=1280x720:r=30000/1001:d=2.000",
        "-f",
        "lavfi",
        "-i",
        "anullsrc=r=48000:cl=stereo",
        "-t",
        "2.000",
        "-map",
        "0:v:0",
        "-map",
        "1:a:0",
        "-vf",
        "format=yuv420p",
        *ENCODE_720P_STEREO,
        "-bsf:v",
        "setts=dts=DTS-1",  # a DTS field in every PES: the splicer sets the decode delay
        *TS_LAYOUT,
        "/data/slate.ts",
    ]


def test_slate_with_a_font_draws_the_escaped_title_and_the_message() -> None:
    """The title is escaped for the three parsers that read it: ':' for the option list, the
    quote turned typographic (the graph's quoting has no escape), '%' and '\\' for drawtext's
    expansion and again for the option list. Sizes follow the frame height (576/10, 576/16)."""
    title = "M*A*S*H: Hawkeye's 100% \\o/"
    argv = slate_command(FF, PAL_MONO, title, 1.5, "/data/s.ts", font=FONT)
    video = (
        "color=c=0x1c2a4a:s=720x576:r=25/1:d=1.500"
        f",drawtext=fontfile={FONT}:text='M*A*S*H\\: Hawkeye\u2019s 100\\\\% \\\\\\\\o/'"
        ":fontsize=57:fontcolor=white:x=(w-text_w)/2:y=h/2-text_h-10"
        f",drawtext=fontfile={FONT}:text='We\u2019ll be right back':fontsize=36"
        ":fontcolor=0xd0d0d0:x=(w-text_w)/2:y=h/2+10"
    )
    assert argv == [
        FF,
        *COMMON,
        "-y",
        "-f",
        "lavfi",
        "-i",
        video,
        "-f",
        "lavfi",
        "-i",
        "anullsrc=r=48000:cl=mono",
        "-t",
        "1.500",
        "-map",
        "0:v:0",
        "-map",
        "1:a:0",
        "-vf",
        "format=yuv420p",
        *ENCODE_PAL_MONO,
        "-bsf:v",
        "setts=dts=DTS-1",
        *TS_LAYOUT,
        "/data/s.ts",
    ]


def test_slate_text_keeps_a_readable_size_on_tiny_frames() -> None:
    """Font sizes have floors (12 and 10 px) so a thumbnail-sized profile still renders."""
    profile = ChannelProfile(width=160, height=90, fps=25.0)
    argv = slate_command(FF, profile, "X", 1.0, "/s.ts", font=FONT)
    video = argv[argv.index("-i") + 1]
    assert ":fontsize=12:" in video and ":fontsize=10:" in video


@pytest.mark.parametrize(
    "argv",
    [
        transcode_command(FF, item(), ChannelProfile(), 0.0, 1.0),
        transcode_command(FF, item(audio=False), PAL_MONO, 5.0, 1.0, source="http://h/x"),
        copy_command(FF, item(), ChannelProfile(), 0.0, 1.0),
        copy_command(FF, item(), ChannelProfile(), 3.0, 1.0, ("-re",), "https://h/x"),
    ],
    ids=["transcode", "transcode-silent-http", "copy", "copy-https"],
)
def test_every_item_ends_with_the_fixed_layout_on_stdout(argv: list[str]) -> None:
    """The session reads items from stdout, so the layout and ``pipe:1`` close every argv."""
    assert argv[-len(TS_LAYOUT) - 1 :] == [*TS_LAYOUT, "pipe:1"]


@pytest.mark.parametrize(
    ("fps", "expected"),
    [
        (29.97, Fraction(30000, 1001)),
        (29.97002997, Fraction(30000, 1001)),
        (23.976, Fraction(24000, 1001)),
        (59.94, Fraction(60000, 1001)),
        (25.0, Fraction(25)),
        (30.0, Fraction(30)),
        (12.5, Fraction(25, 2)),
    ],
)
def test_frame_rates_become_exact_fractions(fps: float, expected: Fraction) -> None:
    """NTSC rates are the exact 1001 fractions (29.97 as 2997/100 drifts 3.6 s a day)."""
    assert fps_fraction(fps) == expected


def test_a_title_with_drawtext_specials_renders_every_character(
    ffmpeg: FFmpeg, tmp_path: Path
) -> None:
    """Against the real ffmpeg: a title with '%' and '\\' renders without drawtext errors, and
    those characters reach the frame (the first frame differs from the title without them)."""
    font = find_font()
    if font is None:
        pytest.skip("no TrueType font for drawtext on this machine")
    profile = ChannelProfile(width=160, height=90, fps=25.0, video_kbps=100)

    def first_frame(title: str, name: str) -> bytes:
        out = tmp_path / f"{name}.ts"
        done = subprocess.run(
            slate_command(ffmpeg.path, profile, title, 0.04, str(out), font),
            capture_output=True,
            text=True,
            check=False,
        )
        assert (done.returncode, done.stderr) == (0, "")
        decoded = subprocess.run(
            [
                ffmpeg.path,
                "-v",
                "error",
                "-i",
                str(out),
                "-frames:v",
                "1",
                "-f",
                "rawvideo",
                "-pix_fmt",
                "gray",
                "pipe:1",
            ],
            capture_output=True,
            check=True,
        )
        return decoded.stdout

    plain = first_frame("Hits: 100 ab", "plain")
    assert first_frame("Hits: 100% ab", "percent") != plain
    assert first_frame("Hits: 100 a\\b", "backslash") != plain

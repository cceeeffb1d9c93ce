"""ffmpeg argument lists for schedule items and the slate (pure functions: no processes here).

Every item is normalised to the channel's :class:`~lineup.models.ChannelProfile` and written as
MPEG-TS with fixed PIDs and service id, so the splicer can join items byte-for-byte. No ``-re``:
the splicer paces output and pipe back-pressure throttles ffmpeg. No loudness filters (their
look-ahead adds seconds to tune-in, docs/protocol/playout.md §4.3): a static gain measured at scan
(:mod:`hdhr_emulator.playout.loudness`).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from hdhr_emulator.playout.audio_mix import resample_options
from hdhr_emulator.playout.colour import OUTPUT_TAG_ARGS, colour_filter
from hdhr_emulator.playout.drawtext import escape_drawtext
from hdhr_emulator.playout.logo_bug import overlay_graph
from hdhr_emulator.playout.loudness import loudness_filter
from hdhr_emulator.playout.subtitles import SubtitleSource, subtitle_filter
from lineup.models import ChannelProfile, LogoBug, MediaInfo, MediaItem

# Fixed stream layout shared by every item and the slate (the splicer relies on it).
TS_OUTPUT_ARGS = (
    "-f",
    "mpegts",
    "-mpegts_start_pid",
    "256",  # video 0x100, audio 0x101
    "-mpegts_pmt_start_pid",
    "4096",  # PMT 0x1000
    "-mpegts_service_id",
    "1",
    "-pcr_period",
    "30",  # 40 yields a PCR every 2nd frame at 30 fps (66.7 ms); 30 → 33 ms
    "-muxdelay",
    "0.04",  # DTS leads PCR by 40 ms (0: players warn "dts later than pcr"); the muxer
    # packs audio frames within half of it into one PES: 20 ms keeps one AAC frame per PES
    "-muxpreload",
    "0",
    "-max_interleave_delta",
    "0",
    "-pes_payload_size",
    "0",  # one AAC frame per PES, so a seam can trim audio frame by frame (not 5 at a time)
)
# 90 kHz ticks the slate's DTS lies before its PTS: one, so that every video PES carries a DTS
# field for the splicer to set (ffmpeg writes none when DTS = PTS) while the muxer still
# interleaves the slate as if it had no decode delay
SLATE_DECODE_DELAY = 1
# a copy seek shorter than this starts at 0: the file's first GOP is longer, so the copied
# video starts at 0 either way, and the audio then starts with it instead of a few frames later
COPY_SNAP_SECONDS = 0.5
_END_TOLERANCE = 0.01  # seconds: a slot ending this close to the file's end is not shortened
_COMMON_INPUT_ARGS = ("-hide_banner", "-nostdin", "-nostats", "-loglevel", "error")
_NTSC_RATES = {
    29.97: Fraction(30000, 1001),
    23.976: Fraction(24000, 1001),
    59.94: Fraction(60000, 1001),
    119.88: Fraction(120000, 1001),
}


def fps_fraction(fps: float) -> Fraction:
    """29.97 → 30000/1001 (the NTSC rates exactly), otherwise the nearest simple fraction."""
    for nominal, exact in _NTSC_RATES.items():
        if abs(fps - nominal) < 0.01:
            return exact
    return Fraction(fps).limit_denominator(1001)


def _seconds(value: float) -> str:
    return f"{max(0.0, value):.3f}"


def video_filter(
    profile: ChannelProfile, subtitles: str = "", info: MediaInfo | None = None
) -> str:
    """Bring ``info``'s colour to BT.709 limited range where needed (colour.py), then fit
    inside the frame keeping aspect (letterbox/pillarbox), square pixels, fixed rate; the last
    picture is held without end (``-t`` ends the item) for a file whose audio outlasts its
    video. ``subtitles`` (:func:`~hdhr_emulator.playout.subtitles.subtitle_filter`) draws them
    on the fitted picture, so their size follows the channel's, not the file's."""
    w, h = profile.width, profile.height
    rate = fps_fraction(profile.fps)
    drawn = f"{subtitles}," if subtitles else ""
    convert = colour_filter(info)
    return (convert + "," if convert else "") + (
        f"scale={w}:{h}:force_original_aspect_ratio=decrease,"
        f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,{drawn}"
        f"fps={rate.numerator}/{rate.denominator},format=yuv420p,"
        "tpad=stop_mode=clone:stop=-1"  # hold the last frame if the audio runs longer
    )


def audio_filter(profile: ChannelProfile, *, first_pts: bool = True) -> str:
    """48 kHz in the profile's layout, padded with silence without end (``apad``): audio that
    ends before the video (or starts after it, with ``first_pts``) never leaves the channel
    without audio; ``-t`` ends the item (docs/protocol/playout.md §3.2)."""
    layout = "stereo" if profile.audio_channels == 2 else "mono"
    start = ":first_pts=0" if first_pts else ""
    resample = f"aresample=48000:async=1{start}:{resample_options()}"
    return f"{resample},aformat=sample_fmts=fltp:channel_layouts={layout},apad"


def audio_encode_args(profile: ChannelProfile) -> list[str]:
    """AAC-LC at 48 kHz in the profile's bitrate and channel count."""
    return [
        "-c:a",
        "aac",
        "-b:a",
        f"{profile.audio_kbps}k",
        "-ac",
        str(profile.audio_channels),
        "-ar",
        "48000",
    ]


def item_seconds(item: MediaItem, seek: float, duration: float) -> float:
    """How long an item's process runs: the slot's ``duration``, but no longer than what is left
    of the file (its longest stream), since padding would otherwise run on to the slot's end."""
    left = item.info.duration - seek
    return left if 0 < left < duration - _END_TOLERANCE else duration


def gop_frames(profile: ChannelProfile) -> int:
    """The GOP length in frames (``gop_seconds`` at the profile's rate, at least 1)."""
    return max(1, round(profile.gop_seconds * profile.fps))


def encode_args(profile: ChannelProfile) -> list[str]:
    """x264 + AAC-LC in the channel profile; closed GOPs of a fixed length, no scene cuts, so
    every GOP boundary is a clean join point and viewers get a keyframe within one GOP."""
    gop = str(gop_frames(profile))
    return [
        "-c:v",
        "libx264",
        "-preset",
        str(profile.preset),
        "-tune",
        "zerolatency",
        "-profile:v",
        "high",
        "-pix_fmt",
        "yuv420p",
        "-g",
        gop,
        "-keyint_min",
        gop,
        "-sc_threshold",
        "0",
        "-flags",
        "+cgop",
        "-b:v",
        f"{profile.video_kbps}k",
        "-maxrate",
        f"{profile.video_kbps}k",
        "-bufsize",
        f"{profile.video_kbps * 2}k",
        *OUTPUT_TAG_ARGS,
        *audio_encode_args(profile),
    ]


def transcode_command(
    ffmpeg: str,
    item: MediaItem,
    profile: ChannelProfile,
    seek: float,
    duration: float,
    extra_input_args: tuple[str, ...] = (),
    source: str | None = None,
    subtitles: SubtitleSource | None = None,
    bug: tuple[Path, LogoBug] | None = None,
) -> list[str]:
    """Play ``duration`` s of ``item`` from ``seek`` s, normalised to ``profile`` (with
    ``subtitles`` burned in, in sync from ``seek``).

    ``bug`` (a still from :func:`~hdhr_emulator.playout.logo_bug.cached_bug` and its settings)
    lays the channel's logo over the picture.

    Input ``-ss`` is frame-accurate when transcoding (the pre-roll is decoded and dropped).
    Items without audio get silence from ``anullsrc`` so the stream never loses its audio track.
    Both streams are padded (silence, the last picture) to what is left of the file, so a file
    whose streams end apart still has both to its end.
    """
    argv = [ffmpeg, *_COMMON_INPUT_ARGS]
    if seek > 0:
        argv += ["-ss", _seconds(seek)]
    argv += [*extra_input_args, *_input(item, source)]
    has_audio = item.info.audio_codec is not None
    if not has_audio:
        argv += silence_input(profile)
    seconds = item_seconds(item, seek, duration)
    drawn = subtitle_filter(subtitles, seek) if subtitles is not None else ""
    fitted = video_filter(profile, drawn, item.info)
    video_map, video = "0:v:0", ["-vf", fitted]
    if bug is not None:
        argv += ["-i", str(bug[0])]
        graph = overlay_graph(fitted, profile, bug[1], 1 if has_audio else 2)
        video_map, video = "[v]", ["-filter_complex", graph]
    argv += ["-t", _seconds(seconds), "-map", video_map, "-map", "0:a:0" if has_audio else "1:a:0"]
    audio = audio_filter(profile) + loudness_filter(item, profile)
    argv += [*video, "-af", audio, *encode_args(profile)]
    argv += [*TS_OUTPUT_ARGS, "pipe:1"]
    return argv


def copy_command(
    ffmpeg: str,
    item: MediaItem,
    profile: ChannelProfile,
    seek: float,
    duration: float,
    extra_input_args: tuple[str, ...] = (),
    source: str | None = None,
) -> list[str]:
    """Pass the item's H.264 through untouched; a join starts at the keyframe before ``seek``.

    The audio is re-encoded (AAC in ``profile``, cheap next to any video work) because copied
    audio cannot be padded: a file whose audio ends before its video would leave the channel
    silent with no audio packets at all. A join (``seek`` > 0) starts the copied video at the
    keyframe before ``seek`` but the decoded audio at ``seek`` itself, so its first moments
    (up to one GOP of the file) have no sound (docs/protocol/playout.md §3.2); a seek under
    ``COPY_SNAP_SECONDS`` (a seam a few frames late) starts both at the file's start instead.
    """
    seconds = item_seconds(item, seek, duration)
    if seek < COPY_SNAP_SECONDS:
        # the copied video starts at the keyframe before ``seek``: the file's first one, at 0;
        # starting there gives the same pictures, and the audio from 0 as well
        seek, seconds = 0.0, seek + seconds
    argv = [ffmpeg, *_COMMON_INPUT_ARGS]
    if seek > 0:
        argv += ["-ss", _seconds(seek)]
    argv += [
        *extra_input_args,
        *_input(item, source),
        "-t",
        _seconds(seconds),
        "-map",
        "0:v:0",
        "-map",
        "0:a:0",
        "-c:v",
        "copy",
        "-af",
        audio_filter(profile, first_pts=False) + loudness_filter(item, profile),
        *audio_encode_args(profile),
        *TS_OUTPUT_ARGS,
        "pipe:1",
    ]
    return argv


def _input(item: MediaItem, source: str | None) -> list[str]:
    """``-i`` and what to open: ``source`` (a mapped path or proxy URL) or the item's path.

    An HTTP input is read through our own proxy, which answers Range requests, so ffmpeg can
    seek in it; a dropped connection is retried by ffmpeg a few times before it gives up.
    """
    where = source or item.path
    if where.startswith(("http://", "https://")):
        return [
            "-multiple_requests",
            "1",
            "-reconnect",
            "1",
            "-reconnect_on_network_error",
            "1",
            "-reconnect_delay_max",
            "2",
            "-i",
            where,
        ]
    return ["-i", where]


def slate_command(
    ffmpeg: str,
    profile: ChannelProfile,
    title: str,
    seconds: float,
    output: str,
    font: str | None,
    subtitle: str = "We\u2019ll be right back",
    color: str = "0x1c2a4a",
) -> list[str]:
    """A short "We'll be right back" clip in the channel profile, looped by the splicer (an
    override's message card is the same clip with the message as ``title``, lines split by
    newlines, and the channel's name as ``subtitle``)."""
    rate = fps_fraction(profile.fps)
    size = f"{profile.width}x{profile.height}"
    video = f"color=c={color}:s={size}:r={rate.numerator}/{rate.denominator}:d={_seconds(seconds)}"
    if font:
        big, small = max(12, profile.height // 10), max(10, profile.height // 16)
        video += (
            f",drawtext=fontfile={font}:text='{escape_drawtext(title)}':fontsize={big}"
            ":fontcolor=white:x=(w-text_w)/2:y=h/2-text_h-10"
            f",drawtext=fontfile={font}:text='{escape_drawtext(subtitle)}':fontsize={small}"
            ":fontcolor=0xd0d0d0:x=(w-text_w)/2:y=h/2+10"
        )
    return [
        ffmpeg,
        *_COMMON_INPUT_ARGS,
        "-y",
        "-f",
        "lavfi",
        "-i",
        video,
        *silence_input(profile),
        "-t",
        _seconds(seconds),
        "-map",
        "0:v:0",
        "-map",
        "1:a:0",
        "-vf",
        "format=yuv420p",
        *still_clip_output(profile, output),
    ]


def silence_input(profile: ChannelProfile) -> list[str]:
    """An input of endless silence in the profile's channel layout (``anullsrc``)."""
    layout = "stereo" if profile.audio_channels == 2 else "mono"
    return ["-f", "lavfi", "-i", f"anullsrc=r=48000:cl={layout}"]


def still_clip_output(profile: ChannelProfile, output: str) -> list[str]:
    """How a generated clip (the slate, a card) is encoded and written: the items' codecs and
    layout, plus a DTS field in every video PES, so the splicer can set the clip's decode delay
    to the channel's own, whatever B-frames its files have."""
    return [
        *encode_args(profile),
        "-bsf:v",
        f"setts=dts=DTS-{SLATE_DECODE_DELAY}",
        *TS_OUTPUT_ARGS,
        output,
    ]

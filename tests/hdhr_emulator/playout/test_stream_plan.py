"""Stream plans: which channels are passed through (copy) and which are re-encoded.

Copy only works when every item of a channel, programmes and filler alike, has the same codec
shape; a channel that demands copy but cannot have it must fail at start-up with a message
that names the files, and ``auto`` must fall back to transcoding instead of failing.
"""

from __future__ import annotations

import pytest

from hdhr_emulator.playout.stream_plan import StreamPlan, copy_blocker, plan_stream
from lineup.errors import ConfigError
from lineup.models import (
    Channel,
    ChannelProfile,
    ItemKind,
    MediaInfo,
    MediaItem,
    OutputMode,
    Preset,
)

PROFILE = ChannelProfile(
    width=1280,
    height=720,
    fps=29.97,
    preset=Preset.FAST,
    gop_seconds=2.0,
    video_kbps=4000,
    audio_kbps=160,
    audio_channels=2,
)


def media(
    path: str,
    video: str = "h264",
    width: int = 1920,
    height: int = 1080,
    fps: float = 23.976,
    audio: str | None = "aac",
    channels: int = 2,
    kind: ItemKind = ItemKind.EPISODE,
) -> MediaItem:
    """An item whose probed shape is given; everything else is irrelevant to the plan."""
    info = MediaInfo(
        duration=1320.0,
        container="mp4",
        video_codec=video,
        width=width,
        height=height,
        fps=fps,
        audio_codec=audio,
        audio_channels=channels,
    )
    return MediaItem(id=1, path=path, kind=kind, title=path, info=info)


def channel(
    *programmes: MediaItem,
    filler: tuple[MediaItem, ...] = (),
    mode: OutputMode = OutputMode.AUTO,
) -> Channel:
    return Channel(
        number=7,
        name="Sitcoms",
        programmes=programmes,
        filler=filler,
        mode=mode,
        profile=PROFILE,
    )


def test_transcode_mode_uses_the_channel_profile_without_looking_at_the_files() -> None:
    """Even a channel of identical H.264/AAC files is re-encoded when it asks to be."""
    plan = plan_stream(channel(media("/tv/a.mp4"), mode=OutputMode.TRANSCODE))
    assert plan == StreamPlan(copy=False, profile=PROFILE)


def test_copy_takes_the_files_shape_and_keeps_the_channel_encoder_settings() -> None:
    """Copy: the output shape (which the slate is encoded to match) is the files' own size,
    rate and channel count; preset, GOP and bitrates still come from the channel."""
    six = media("/tv/a.mp4", width=1440, height=1080, fps=25.0, channels=6)
    plan = plan_stream(
        channel(six, media("/tv/b.mp4", width=1440, fps=25.0, channels=6), mode=OutputMode.COPY)
    )
    assert plan == StreamPlan(
        copy=True,
        profile=ChannelProfile(
            width=1440,
            height=1080,
            fps=25.0,
            preset=Preset.FAST,
            gop_seconds=2.0,
            video_kbps=4000,
            audio_kbps=160,
            audio_channels=6,
        ),
    )


def test_copy_shape_is_taken_from_the_filler_when_there_are_no_programmes() -> None:
    """A filler-only channel still has a shape to encode its slate to."""
    ads = channel(filler=(media("/ads/cola.mp4", width=640, height=480, fps=29.97),))
    assert plan_stream(ads) == StreamPlan(
        copy=True,
        profile=ChannelProfile(
            width=640,
            height=480,
            fps=29.97,
            preset=Preset.FAST,
            gop_seconds=2.0,
            video_kbps=4000,
            audio_kbps=160,
            audio_channels=2,
        ),
    )


def test_frame_rates_equal_to_two_decimals_are_the_same_shape() -> None:
    """Probes report 23.976 and 23.97602397… for the same rate; that must not block copy."""
    ntsc_film = channel(media("/a.mp4", fps=23.976), media("/b.mp4", fps=24000 / 1001))
    assert copy_blocker(ntsc_film) is None


def test_copy_refused_names_the_first_file_and_the_one_that_differs() -> None:
    """The ConfigError says which channel, which two files and how they differ."""
    items = channel(
        media("/tv/a.mp4"),
        media("/tv/b.mp4"),
        media("/tv/c.mkv", width=1280, height=720),
        mode=OutputMode.COPY,
    )
    with pytest.raises(ConfigError) as raised:
        plan_stream(items)
    assert str(raised.value) == (
        "channel 7 (Sitcoms) cannot use copy mode: its items differ: "
        "/tv/a.mp4 (h264 1920x1080 23.976 fps, aac 2ch) vs "
        '/tv/c.mkv (h264 1280x720 23.976 fps, aac 2ch); use mode "transcode" or "auto"'
    )


def test_a_filler_with_another_audio_layout_blocks_copy() -> None:
    """Filler is spliced between programmes too, so its shape counts."""
    items = channel(media("/tv/a.mp4"), filler=(media("/ads/mono.mp4", channels=1),))
    assert copy_blocker(items) == (
        "its items differ: /tv/a.mp4 (h264 1920x1080 23.976 fps, aac 2ch) vs "
        "/ads/mono.mp4 (h264 1920x1080 23.976 fps, aac 1ch)"
    )


@pytest.mark.parametrize(
    ("first", "shape"),
    [
        (media("/tv/h.mkv", video="hevc"), "/tv/h.mkv (hevc 1920x1080 23.976 fps, aac 2ch)"),
        (
            media("/tv/ac3.mkv", audio="ac3", channels=6),
            "/tv/ac3.mkv (h264 1920x1080 23.976 fps, ac3 6ch)",
        ),
        (
            media("/tv/silent.mp4", audio=None, channels=0),
            "/tv/silent.mp4 (h264 1920x1080 23.976 fps, no audio)",
        ),
    ],
    ids=["hevc", "ac3", "no-audio"],
)
def test_copy_needs_h264_with_aac(first: MediaItem, shape: str) -> None:
    """Only H.264 + AAC can be muxed into the channel's fixed TS layout as is."""
    assert copy_blocker(channel(first)) == f"copy needs H.264 video with AAC audio, but {shape}"


def test_an_empty_channel_cannot_be_copied_but_auto_still_plays_it() -> None:
    """No media: copy is refused with a reason, auto falls back to the channel profile
    (the schedule then airs the slate)."""
    empty = channel()
    assert copy_blocker(empty) == "it has no media"
    assert plan_stream(empty) == StreamPlan(copy=False, profile=PROFILE)
    with pytest.raises(ConfigError, match="cannot use copy mode: it has no media"):
        plan_stream(empty, OutputMode.COPY)


def test_auto_falls_back_to_transcoding_when_the_files_differ() -> None:
    """auto never fails: differing files mean transcode in the channel profile."""
    mixed = channel(media("/tv/a.mp4"), media("/tv/b.mp4", fps=29.97))
    assert plan_stream(mixed) == StreamPlan(copy=False, profile=PROFILE)


def test_auto_copies_when_every_item_matches() -> None:
    """auto picks copy whenever the channel allows it."""
    plan = plan_stream(channel(media("/tv/a.mp4"), media("/tv/b.mp4")))
    assert plan.copy
    assert (plan.profile.width, plan.profile.height, plan.profile.fps) == (1920, 1080, 23.976)


def test_the_server_wide_override_beats_the_channel_mode() -> None:
    """``--mode`` overrides each channel's own mode, in both directions."""
    same = (media("/tv/a.mp4"), media("/tv/b.mp4"))
    transcoding = channel(*same, mode=OutputMode.TRANSCODE)
    assert plan_stream(transcoding, OutputMode.COPY).copy
    copying = channel(*same, mode=OutputMode.COPY)
    assert plan_stream(copying, OutputMode.TRANSCODE) == StreamPlan(copy=False, profile=PROFILE)
    mixed = channel(media("/tv/a.mp4"), media("/tv/b.mp4", audio="mp3"), mode=OutputMode.AUTO)
    with pytest.raises(ConfigError, match=r"^channel 7 \(Sitcoms\) cannot use copy mode: "):
        plan_stream(mixed, OutputMode.COPY)

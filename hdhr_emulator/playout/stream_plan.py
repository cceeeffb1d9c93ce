"""Decide per channel whether its items can be passed through (copy) or must be re-encoded.

Copy mode splices the files' own H.264/AAC, so it only works when every item of the channel
(programmes and filler alike) has the same codec parameters; otherwise the stream would change
shape at a seam, which is what breaks peers' concat-based channels. ``auto`` picks copy when the
channel allows it, ``copy`` refuses a channel that does not, with a message saying why.
"""

from __future__ import annotations

from dataclasses import dataclass

from lineup.errors import ConfigError
from lineup.models import Channel, ChannelProfile, MediaItem, OutputMode


@dataclass(frozen=True, slots=True)
class StreamPlan:
    """How a channel's stream is made: copy or transcode, and the shape of its output
    (for copy: the items' own shape, which the slate is encoded to match)."""

    copy: bool
    profile: ChannelProfile


def _shape(item: MediaItem) -> tuple[object, ...]:
    info = item.info
    return (
        info.video_codec,
        info.width,
        info.height,
        round(info.fps, 2),
        info.audio_codec,
        info.audio_channels,
    )


def _describe(item: MediaItem) -> str:
    info = item.info
    audio = f"{info.audio_codec} {info.audio_channels}ch" if info.audio_codec else "no audio"
    return f"{item.path} ({info.video_codec} {info.width}x{info.height} {info.fps:g} fps, {audio})"


def copy_blocker(channel: Channel) -> str | None:
    """Why ``channel`` cannot be stream-copied, or None if it can."""
    items = [*channel.programmes, *channel.filler]
    if not items:
        return "it has no media"
    first = items[0]
    if first.info.video_codec != "h264" or first.info.audio_codec != "aac":
        return f"copy needs H.264 video with AAC audio, but {_describe(first)}"
    for item in items[1:]:
        if _shape(item) != _shape(first):
            return f"its items differ: {_describe(first)} vs {_describe(item)}"
    return None


def output_height(channel: Channel, override: OutputMode | None = None) -> int:
    """The height of the channel's stream: its profile, or the files' own for copy mode."""
    try:
        return plan_stream(channel, override).profile.height
    except ConfigError:  # forced copy that cannot work; start-up refuses it, so rarely seen
        return channel.profile.height


def plan_stream(channel: Channel, override: OutputMode | None = None) -> StreamPlan:
    """The stream plan for ``channel``; raises ConfigError when copy is forced but impossible."""
    mode = override or channel.mode
    if mode == OutputMode.TRANSCODE:
        return StreamPlan(False, channel.profile)
    blocker = copy_blocker(channel)
    if blocker is None:
        info = (channel.programmes or channel.filler)[0].info
        shape = ChannelProfile(
            width=info.width,
            height=info.height,
            fps=info.fps,
            preset=channel.profile.preset,
            gop_seconds=channel.profile.gop_seconds,
            video_kbps=channel.profile.video_kbps,
            audio_kbps=channel.profile.audio_kbps,
            audio_channels=info.audio_channels or 2,
        )
        return StreamPlan(True, shape)
    if mode == OutputMode.COPY:
        raise ConfigError(
            f"channel {channel.number} ({channel.name}) cannot use copy mode: {blocker}; "
            'use mode "transcode" or "auto"'
        )
    return StreamPlan(False, channel.profile)

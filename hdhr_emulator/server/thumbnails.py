"""A running channel's latest picture as a JPEG, from its session's cached keyframe.

The GOP cache already holds PAT, PMT and the stream from its latest keyframe (what a joining
viewer gets first), so a thumbnail needs no extra ffmpeg and never starts a session: PyAV decodes
that keyframe and encodes it as MJPEG, in a worker thread. One JPEG per channel is kept and
reused until the cache moves to the next keyframe (about once a GOP, a second by default), so a
page refreshing many thumbnails costs one decode per channel per keyframe.

Every libav context here runs with one thread. A context with a thread pool (swscale's slice
threads, by default) that is garbage-collected in a child between ``fork`` and ``exec`` (the
server starts ffmpeg with a ``preexec_fn``, which runs Python) waits forever for threads the
child does not have, and the server's event loop with it.
"""

from __future__ import annotations

import asyncio
import io
import logging
from fractions import Fraction

import av

from hdhr_emulator.playout.session import ChannelSession

log = logging.getLogger(__name__)


def keyframe_jpeg(ts: bytes) -> bytes | None:
    """The first video frame decodable from ``ts`` (MPEG-TS starting with PAT, PMT and a
    keyframe) as a JPEG of the same size; None if it holds no decodable picture."""
    try:
        with av.open(io.BytesIO(ts), mode="r", format="mpegts") as container:
            if not container.streams.video:
                return None
            stream = container.streams.video[0]
            stream.codec_context.thread_count = 1
            frame = next(container.decode(stream), None)
    except (av.error.FFmpegError, StopIteration):
        return None
    if frame is None:
        return None
    encoder = av.CodecContext.create("mjpeg", "w")
    encoder.width, encoder.height = frame.width, frame.height
    encoder.pix_fmt = "yuvj420p"
    encoder.time_base = Fraction(1, 25)
    encoder.thread_count = 1
    picture = frame.reformat(format="yuvj420p", threads=1)
    packets = [*encoder.encode(picture), *encoder.encode(None)]
    return b"".join(bytes(packet) for packet in packets) or None


class Thumbnails:
    """The latest JPEG per running session, decoded once per cached keyframe."""

    def __init__(self) -> None:
        # channel → (the session, its keyframe count then, the JPEG being made or made)
        self._made: dict[int, tuple[ChannelSession, int, asyncio.Future[bytes | None]]] = {}

    async def jpeg(self, session: ChannelSession) -> bytes | None:
        """The session's latest picture; None until its first keyframe has gone out."""
        key = session.gop.keyframes
        made = self._made.get(session.channel_number)
        if made is not None and made[0] is session and made[1] == key:
            return await asyncio.shield(made[2])
        snapshot = session.gop.snapshot()
        if not snapshot:
            return None
        future = asyncio.ensure_future(asyncio.to_thread(keyframe_jpeg, snapshot))
        self._made[session.channel_number] = (session, key, future)
        return await asyncio.shield(future)

    def forget_stopped(self, running: set[int]) -> None:
        """Drop the pictures of channels no longer running (their sessions are gone)."""
        for channel in [c for c in self._made if c not in running]:
            del self._made[channel]

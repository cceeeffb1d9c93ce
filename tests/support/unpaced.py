"""Play a channel through a real session (real ffmpeg, the splicer, the slate) unpaced, so that
a minute of air takes seconds, and return what a viewer received."""

from __future__ import annotations

import asyncio

from hdhr_emulator.playout.session import ChannelSession, PlayoutContext
from hdhr_emulator.playout.viewer import Viewer
from lineup.models import ChannelProfile
from lineup.schedule import Schedule


async def record_unpaced(
    ffmpeg: str, schedule: Schedule, number: int, slate: bytes, now: float, media_seconds: float
) -> bytes:
    """Channel ``number`` of ``schedule`` from schedule time ``now`` until ``media_seconds`` of
    media are spliced. The caller raises ``session.BURST_SECONDS`` (no pacing) itself."""

    async def slate_for(title: str, profile: ChannelProfile) -> bytes:
        return slate

    context = PlayoutContext(
        ffmpeg=ffmpeg, schedule=lambda: schedule, slate=slate_for, clock=lambda: now
    )
    session = ChannelSession(number, 0, context)
    viewer = Viewer("10.0.0.9", 1 << 30)
    received = bytearray()
    session.start()
    session.attach(viewer)
    try:
        while session.splicer.timeline_seconds < media_seconds:
            assert not session.stopped, "the session stopped by itself"
            chunk = await asyncio.wait_for(viewer.next_chunk(), timeout=60)
            assert chunk, "the stream ended"
            received += chunk
    finally:
        await session.async_stop()
    while chunk := await viewer.next_chunk():
        received += chunk
    return bytes(received)

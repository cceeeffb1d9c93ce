"""Thumbnails: a keyframe of an MPEG-TS becomes a JPEG of the same picture, and making one leaves
nothing behind that would hang a child process the server forks to start ffmpeg."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import av
import pytest

from hdhr_emulator.cli.clips import ClipSpec
from hdhr_emulator.playout.ts import GopCache
from hdhr_emulator.server.thumbnails import Thumbnails, keyframe_jpeg


@pytest.fixture
def clip(clip_cache: Callable[[ClipSpec, str], Path]) -> Path:
    """One second of testsrc2 (320x240) as MPEG-TS: PAT, PMT, then a keyframe."""
    return clip_cache(ClipSpec(duration=1.0), "ts")


def test_a_keyframe_becomes_a_jpeg_of_its_size(clip: Path) -> None:
    jpeg = keyframe_jpeg(clip.read_bytes())
    assert jpeg is not None and jpeg.startswith(b"\xff\xd8")
    with av.open(io.BytesIO(jpeg), mode="r") as container:
        frame = next(container.decode(video=0))
    assert (frame.width, frame.height) == (320, 240)


def test_no_picture_is_none() -> None:
    assert keyframe_jpeg(b"") is None
    assert keyframe_jpeg(b"\x47" + bytes(187)) is None


# made in a worker thread that lives on, as the route's: what libav keeps per thread is freed in
# the child when Python drops the other threads' states after the fork
_FORK_AFTER_THUMBNAILS = """
import gc, subprocess, sys
from concurrent.futures import ThreadPoolExecutor
from hdhr_emulator.playout.ts import GopCache
from hdhr_emulator.server.thumbnails import Thumbnails, keyframe_jpeg
ts = open(sys.argv[1], "rb").read()
with ThreadPoolExecutor(1) as pool:
    assert all(pool.map(keyframe_jpeg, [ts] * 3))
    subprocess.run(["true"], preexec_fn=gc.collect, check=True)
"""


def test_a_child_forked_after_a_thumbnail_does_not_hang(clip: Path) -> None:
    """The server starts ffmpeg with a ``preexec_fn`` (Python runs in the forked child): a
    libav context with worker threads freed there waits forever for threads the child lacks
    (and the server's event loop, which forked it, with it)."""
    # its own session: a hung forked child is in its group, and the group is ours to kill
    process = subprocess.Popen(
        [sys.executable, "-c", _FORK_AFTER_THUMBNAILS, str(clip)], start_new_session=True
    )
    try:
        assert process.wait(timeout=60) == 0
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise AssertionError("forking after a thumbnail hung the child") from None


def test_one_decode_per_cached_keyframe(clip: Path) -> None:
    """Asking again before the cache moves on returns the same JPEG; a new keyframe makes a
    new one; a channel without a picture yet has none."""
    data = clip.read_bytes()
    session = SimpleNamespace(channel_number=1, gop=GopCache())
    thumbnails = Thumbnails()

    async def scenario() -> None:
        assert await thumbnails.jpeg(session) is None  # type: ignore[arg-type]
        session.gop.feed(data)
        first, same = await asyncio.gather(
            thumbnails.jpeg(session),  # type: ignore[arg-type]
            thumbnails.jpeg(session),  # type: ignore[arg-type]
        )
        assert first is not None and first is same
        session.gop.feed(data)  # the clip again: its keyframe is a new one in the cache
        newer = await thumbnails.jpeg(session)  # type: ignore[arg-type]
        assert newer is not None and newer is not first
        thumbnails.forget_stopped(set())
        assert await thumbnails.jpeg(session) is not newer  # type: ignore[arg-type]

    asyncio.run(scenario())

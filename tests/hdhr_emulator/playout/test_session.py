"""A channel session's state changes, without a server: viewers, linger, stop, failed items.

The linger tests drive ``attach``/``detach`` on a session whose producer is not running, since
the linger timer does not depend on it. The playout tests run the real producer (splicer,
pacer, item feeds, process handling) against a stand-in ffmpeg: a Python script that logs its
argv and pid and then writes a real MPEG-TS clip to stdout, part of it, nothing (exit 1), or
part of it and then hangs, depending on the input it is asked to open and how often it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import signal
import stat
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import pytest

from hdhr_emulator.playout.ffmpeg_args import slate_command, transcode_command
from hdhr_emulator.playout.ffmpeg_binary import FFmpeg
from hdhr_emulator.playout.session import ChannelSession, PlayoutContext
from hdhr_emulator.playout.ts import PACKET_SIZE, PesGate
from hdhr_emulator.playout.viewer import Viewer
from lineup.models import Channel, ChannelProfile, ItemKind, MediaInfo, MediaItem, OutputMode
from lineup.schedule import Schedule, ScheduleStore
from tests.support.ts_analysis import TsReport, analyse
from tests.support.ts_clips import remux_warnings

T = TypeVar("T")
T0 = 1_700_000_000.0  # the channel's epoch: item A airs from T0, B from T0 + 2, A from T0 + 4…
PROFILE = ChannelProfile(width=160, height=90, fps=25.0, video_kbps=200, audio_kbps=64)
CLIP_SECONDS = 3.0  # longer than an item's 2 s slot: a whole clip always fills the slot
ITEM_SECONDS = 2.0
A, B = "/media/a.ts", "/media/b.ts"


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


async def until(condition: Callable[[], bool], what: str, within: float = 15.0) -> None:
    """Poll ``condition`` (the session runs in the same loop) until it holds; fail if it does
    not hold ``within`` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        await asyncio.sleep(0.01)


def alive(process_id: int) -> bool:
    """Running (a zombie has exited: it only waits to be reaped)."""
    try:
        status = Path(f"/proc/{process_id}/stat").read_text()
    except FileNotFoundError:
        return False
    return status.rsplit(")", 1)[1].split()[0] != "Z"


# --- the stand-in ffmpeg ----------------------------------------------------------------------

_FAKE = '''\
#!{python}
"""Stand-in ffmpeg: logs argv and pid, then acts the part given for its input (see the test)."""
import fcntl, json, os, sys, time

here = os.path.dirname(os.path.abspath(__file__))
argv = sys.argv[1:]
source = argv[argv.index("-i") + 1]
with open(os.path.join(here, "calls.jsonl"), "a+") as log:
    fcntl.flock(log, fcntl.LOCK_EX)
    log.seek(0)
    count = sum(1 for line in log if json.loads(line)["input"] == source)
    log.write(json.dumps({{"pid": os.getpid(), "input": source, "argv": argv}}) + "\\n")
with open(os.path.join(here, "parts.json")) as parts:
    modes = json.load(parts).get(source, ["ok"])
mode = modes[min(count, len(modes) - 1)]
with open({clip!r}, "rb") as clip:
    data = clip.read()
if mode == "fail":
    sys.stderr.write("fake: cannot open " + source + "\\n")
    sys.exit(1)
if mode in ("part", "hang"):
    data = data[: len(data) // 5 // 188 * 188]  # the first ~0.6 s of the 3 s clip
sys.stdout.buffer.write(data)
sys.stdout.flush()
if mode == "part":
    sys.exit(1)
if mode == "hang":
    time.sleep(600)
'''


@pytest.fixture(scope="module")
def ts_clip(ffmpeg: FFmpeg, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3 s of real MPEG-TS in the channel profile and the fixed layout (rendered once)."""
    out = tmp_path_factory.mktemp("fake-ffmpeg-clip") / "clip.ts"
    argv = slate_command(ffmpeg.path, PROFILE, "clip", CLIP_SECONDS, str(out), None)
    subprocess.run(argv, check=True)
    assert out.stat().st_size > 0
    return out


@dataclass
class FakeFFmpeg:
    """The stand-in's path, what it is told to do, and what it was asked to run."""

    path: Path

    def act(self, parts: dict[str, list[str]]) -> None:
        """Per input: the mode of its 1st, 2nd, … run (the last one repeats); default "ok"."""
        (self.path.parent / "parts.json").write_text(json.dumps(parts))

    def calls(self) -> list[dict[str, Any]]:
        """One entry per run, in order: its pid, input and argv (without argv[0])."""
        log = self.path.parent / "calls.jsonl"
        if not log.exists():
            return []
        with log.open() as lines:
            fcntl.flock(lines, fcntl.LOCK_SH)  # a run may be appending its line right now
            return [json.loads(line) for line in lines]

    def leftover(self) -> list[int]:
        """Stand-ins still running: a session must have stopped every one it started."""
        return [call["pid"] for call in self.calls() if alive(call["pid"])]


@pytest.fixture
def fake_ffmpeg(tmp_path: Path, ts_clip: Path) -> Iterator[FakeFFmpeg]:
    """Written to tmp_path; in teardown any of its processes still running is killed by pid."""
    folder = tmp_path / "fake-ffmpeg"
    folder.mkdir()
    script = folder / "ffmpeg"
    script.write_text(_FAKE.format(python=sys.executable, clip=str(ts_clip)))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    fake = FakeFFmpeg(script)
    fake.act({})
    yield fake
    for process_id in fake.leftover():
        cmdline = Path(f"/proc/{process_id}/cmdline").read_bytes()
        if str(script).encode() in cmdline:  # the pid is still ours, not a reused one
            os.kill(process_id, signal.SIGKILL)


# --- a channel of two 2-second items ------------------------------------------------------------


def media(path: str, number: int) -> MediaItem:
    info = MediaInfo(
        duration=ITEM_SECONDS,
        container="mpegts",
        video_codec="h264",
        width=160,
        height=90,
        fps=25.0,
        audio_codec="aac",
        audio_channels=2,
    )
    return MediaItem(id=number, path=path, kind=ItemKind.EPISODE, title=f"Item {number}", info=info)


ITEM_A, ITEM_B = media(A, 1), media(B, 2)
CHANNEL = Channel(
    number=4,
    name="Test: Four",
    programmes=(ITEM_A, ITEM_B),
    mode=OutputMode.TRANSCODE,
    profile=PROFILE,
)


@pytest.fixture
def schedule(tmp_path: Path) -> Iterator[Schedule]:
    """A, B, A, B… from T0 exactly."""
    with ScheduleStore.open(tmp_path / "schedule.db") as store:
        yield Schedule(store, [CHANNEL], epochs={CHANNEL.number: T0})


@dataclass
class Slates:
    """The context's slate source: the real clip, and a record of each request."""

    clip: bytes
    fake: FakeFFmpeg | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    session: ChannelSession | None = None

    async def __call__(self, title: str, profile: ChannelProfile) -> bytes:
        self.requests.append(
            {
                "title": title,
                "profile": profile,
                "calls": self.fake.calls() if self.fake else [],
                "restarts": self.session.restarts if self.session else None,
            }
        )
        return self.clip


def never() -> NoReturn:
    raise AssertionError("a session that is not started has no use for the schedule")


def idle_session(linger: float) -> ChannelSession:
    """A session whose producer is not running: only its viewers and linger timer move."""
    context = PlayoutContext(
        ffmpeg="/nonexistent/ffmpeg", schedule=never, slate=Slates(b""), linger=linger
    )
    return ChannelSession(CHANNEL.number, 0, context)


class Client:
    """Reads a viewer as the HTTP response would, keeping what it received."""

    def __init__(self, viewer: Viewer):
        self.received = bytearray()
        self.task = asyncio.create_task(self._read(viewer))

    async def _read(self, viewer: Viewer) -> None:
        while chunk := await viewer.next_chunk():
            self.received += chunk

    def video_seconds(self) -> float:
        video = analyse(bytes(self.received)).video
        return video.duration if video is not None else 0.0

    async def stream(self) -> TsReport:
        """The whole response, once it has ended."""
        await self.task
        return analyse(bytes(self.received))


def option(call: dict[str, Any], name: str) -> float:
    """A numeric option of a logged argv (0 when absent, as for a missing ``-ss``)."""
    argv: list[str] = call["argv"]
    return float(argv[argv.index(name) + 1]) if name in argv else 0.0


# --- linger: no producer needed -----------------------------------------------------------------


def test_the_last_viewer_leaving_stops_the_session_after_the_linger() -> None:
    """Kept warm for ``linger`` s for channel surfing, then stopped (its tuner freed)."""

    async def main() -> None:
        session = idle_session(linger=0.3)
        viewer = Viewer("10.0.0.2")
        session.attach(viewer)
        assert session.viewer_count == 1
        session.detach(viewer)
        assert viewer.closed and session.viewer_count == 0
        await asyncio.sleep(0.15)
        assert not session.stopped  # still lingering
        await until(lambda: session.stopped, "the linger ran out", within=1.0)

    run(main())


def test_a_viewer_joining_during_the_linger_keeps_the_session_and_rearms_the_timer() -> None:
    """A returning channel surfer cancels the pending stop; when they leave again the session
    gets a whole new linger period, not what was left of the old one."""

    async def main() -> None:
        session = idle_session(linger=0.3)
        first = Viewer("10.0.0.2")
        session.attach(first)
        session.detach(first)
        await asyncio.sleep(0.2)
        second = Viewer("10.0.0.3")
        session.attach(second)
        await asyncio.sleep(0.3)  # well past the first linger's end
        assert not session.stopped and not second.closed
        session.detach(second)
        await asyncio.sleep(0.2)
        assert not session.stopped
        await until(lambda: session.stopped, "the second linger ran out", within=1.0)

    run(main())


def test_only_the_last_viewer_leaving_starts_the_linger() -> None:
    """A viewer leaving while another watches starts no timer (none that would later keep
    the real one from starting); the last one leaving does."""

    async def main() -> None:
        session = idle_session(linger=0.1)
        stays, leaves = Viewer("10.0.0.2"), Viewer("10.0.0.3")
        session.attach(stays)
        session.attach(leaves)
        session.detach(leaves)
        await asyncio.sleep(0.3)
        assert not session.stopped and session.viewers == [stays] and not stays.closed
        session.detach(stays)
        await until(lambda: session.stopped, "the linger after the last viewer ran out", within=1.0)

    run(main())


def test_stopping_ends_every_viewer_and_is_final() -> None:
    """async_stop closes each viewer's response (the HTTP responses end) and can be called
    again, e.g. by the pool at shutdown after the linger already stopped it."""

    async def main() -> None:
        session = idle_session(linger=0.05)
        viewers = [Viewer(f"10.0.0.{n}") for n in (2, 3)]
        for viewer in viewers:
            session.attach(viewer)
        await session.async_stop()
        assert session.stopped and session.viewer_count == 0
        assert all(v.closed for v in viewers)
        await session.async_stop()
        assert session.stopped

    run(main())


# --- playout against the stand-in ffmpeg ------------------------------------------------------


def playing_session(
    fake: FakeFFmpeg, schedule: Schedule, slates: Slates, clock: float, linger: float = 30.0
) -> ChannelSession:
    context = PlayoutContext(
        ffmpeg=str(fake.path),
        schedule=lambda: schedule,
        slate=slates,
        linger=linger,
        clock=lambda: clock,
    )
    session = ChannelSession(CHANNEL.number, 1, context)
    slates.fake, slates.session = fake, session
    return session


@contextlib.asynccontextmanager
async def started(session: ChannelSession) -> AsyncIterator[ChannelSession]:
    """Start the producer; stop the session (and so its ffmpeg) even if the test fails."""
    session.start()
    try:
        yield session
    finally:
        await session.async_stop()


def test_a_session_plays_from_the_schedule_position_and_primes_late_joiners(
    fake_ffmpeg: FakeFFmpeg, schedule: Schedule, ts_clip: Path
) -> None:
    """Tuned at T0 + 0.5: item A from 0.5 s for the 1.5 s left of its slot, then item B from
    its start; viewers get one valid stream, and a viewer joining later gets PAT, PMT and a
    keyframe at once. Stopping the session stops every ffmpeg it started."""

    slate = ts_clip.read_bytes()  # before the loop: no blocking file I/O inside it

    async def main() -> None:
        slates = Slates(slate)
        session = playing_session(fake_ffmpeg, schedule, slates, clock=T0 + 0.5)
        first, late = Viewer("10.0.0.2"), Viewer("10.0.0.3")
        async with started(session):
            session.attach(first)
            client = Client(first)
            await until(lambda: client.video_seconds() >= 3.4, "A's 1.5 s and B's 2 s arrive")
            session.attach(late)
            assert late.buffered > 0  # the cached GOP, before any new output
            head = await late.next_chunk()
        report = await client.stream()

        a_call, b_call = fake_ffmpeg.calls()[:2]
        assert (
            a_call["argv"]
            == transcode_command(str(fake_ffmpeg.path), ITEM_A, PROFILE, 0.5, 1.5, source=A)[1:]
        )
        assert b_call["input"] == B
        assert option(b_call, "-ss") < 0.04  # within a frame of the slot start
        assert option(b_call, "-ss") + option(b_call, "-t") == pytest.approx(2.0, abs=0.002)
        assert analyse(head).starts_with_pat_pmt_keyframe
        assert report.cc_error_total == 0 and report.pcr_backsteps == 0
        assert report.video is not None and report.video.dts_strictly_increasing
        assert report.video.max_step == pytest.approx(0.04)  # no frame lost at the seam
        assert slates.requests == []
        assert first.closed and late.closed
        assert fake_ffmpeg.leftover() == []

    run(main())


def test_an_item_that_dies_is_restarted_once_where_it_was_then_slated(
    fake_ffmpeg: FakeFFmpeg, schedule: Schedule, ts_clip: Path
) -> None:
    """Item A dies after 0.6 s: ffmpeg is restarted once, at the schedule position, for the
    rest of the slot. It fails again: the slate fills the rest of the slot (no third try),
    then B plays on time. The viewer's stream stays one valid timeline throughout."""

    slate = ts_clip.read_bytes()  # before the loop: no blocking file I/O inside it

    async def main() -> None:
        fake_ffmpeg.act({A: ["part", "fail", "ok"]})
        slates = Slates(slate)
        session = playing_session(fake_ffmpeg, schedule, slates, clock=T0)
        viewer = Viewer("10.0.0.2")
        async with started(session):
            session.attach(viewer)
            client = Client(viewer)
            await until(lambda: len(slates.requests) == 1, "the slate is played")
            await until(lambda: client.video_seconds() >= 3.9, "A, the slate and B arrive")
        report = await client.stream()

        request = slates.requests[0]
        assert (request["title"], request["profile"], request["restarts"]) == (
            "Test: Four",
            PROFILE,
            1,
        )
        first, again = [c for c in request["calls"] if c["input"] == A]
        assert (option(first, "-ss"), option(first, "-t")) == (0.0, ITEM_SECONDS)
        assert 0.3 < option(again, "-ss") < 0.9  # where the first one died (~0.6 s in)
        assert option(again, "-ss") + option(again, "-t") == pytest.approx(ITEM_SECONDS, abs=0.002)
        at_slate = len(request["calls"])
        b_after = next(c for c in fake_ffmpeg.calls()[at_slate:] if c["input"] == B)
        assert option(b_after, "-ss") < 0.04  # on time: the slate filled exactly A's slot
        assert session.restarts == 1
        assert report.cc_error_total == 0 and report.pcr_backsteps == 0
        assert report.video is not None and report.video.dts_strictly_increasing
        assert report.video.max_step == pytest.approx(0.04)  # no hole where A died
        assert fake_ffmpeg.leftover() == []

    run(main())


def test_stopping_during_the_slate_stops_the_next_items_ffmpeg_too(
    fake_ffmpeg: FakeFFmpeg, schedule: Schedule, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stands in for an item whose output ended early, with B's ffmpeg already started for
    the seam: the session covers the rest of A's slot with the slate, and is stopped (SIGTERM
    to the server) meanwhile. B's ffmpeg must be stopped and reaped with it, not left running
    for the event loop's end to find ("Event loop is closed" from the transport's __del__)."""
    original = ChannelSession._play

    async def play_and_prestart(
        self: ChannelSession, planned: Any, feed: Any, pacer: Any, limit: float | None
    ) -> Any:
        played, upcoming = await original(self, planned, feed, pacer, limit)
        if upcoming is None and planned.segment.item.path == A:
            upcoming = await self._prestart(planned)  # as when A's output completed early
        return played, upcoming

    monkeypatch.setattr(ChannelSession, "_play", play_and_prestart)
    slate_asked = asyncio.Event()

    async def slate_that_takes_forever(title: str, profile: ChannelProfile) -> bytes:
        slate_asked.set()
        await asyncio.sleep(3600)  # the session is stopped before this ends
        return b""

    async def main() -> None:
        fake_ffmpeg.act({A: ["part"], B: ["hang"]})
        context = PlayoutContext(
            ffmpeg=str(fake_ffmpeg.path),
            schedule=lambda: schedule,
            slate=slate_that_takes_forever,
            clock=lambda: T0,
        )
        session = ChannelSession(CHANNEL.number, 1, context)
        session.start()
        try:
            await until(slate_asked.is_set, "the slate covers A's second failure")

            def b_running() -> bool:
                calls = [c for c in fake_ffmpeg.calls() if c["input"] == B]
                return bool(calls) and alive(calls[-1]["pid"])

            await until(b_running, "B's ffmpeg runs, waiting for the seam")
        finally:
            await session.async_stop()
        assert fake_ffmpeg.leftover() == []

    run(main())


def test_the_linger_running_out_stops_a_running_ffmpeg(
    fake_ffmpeg: FakeFFmpeg, schedule: Schedule, ts_clip: Path
) -> None:
    """An ffmpeg that is still running (here: stalled mid-item) is terminated when the
    session's last viewer has been gone for the linger period."""

    slate = ts_clip.read_bytes()  # before the loop: no blocking file I/O inside it

    async def main() -> None:
        fake_ffmpeg.act({A: ["hang"]})
        slates = Slates(slate)
        session = playing_session(fake_ffmpeg, schedule, slates, clock=T0, linger=0.2)
        viewer = Viewer("10.0.0.2")
        async with started(session):
            session.attach(viewer)
            await until(lambda: viewer.buffered > 0, "the viewer gets A's first frames")
            (call,) = fake_ffmpeg.calls()
            assert alive(call["pid"])
            session.detach(viewer)
            await until(lambda: session.stopped, "the linger ran out", within=5.0)
            # ``stopped`` is set as the stop begins; ffmpeg gets SIGTERM, then SIGKILL after 2 s
            await until(lambda: not alive(call["pid"]), "the stalled ffmpeg is gone", within=5.0)
        assert slates.requests == []

    run(main())


def test_an_item_that_hangs_is_restarted_without_its_cut_short_frame(
    fake_ffmpeg: FakeFFmpeg, schedule: Schedule, ts_clip: Path, ffmpeg: FFmpeg, tmp_path: Path
) -> None:
    """Item A writes 0.6 s, ending mid-frame, then hangs (as a stopped ffmpeg does): it is
    killed once media is due and nothing went out for LATE_GRACE, restarted at the schedule
    position (not after LATE_SECONDS plus the pacer's lead, 7 s, as it used to be), and what
    the viewer gets decodes without a single error: the access unit it was half-way through
    is dropped (tests/hdhr_emulator/server/test_stall.py shows that with real ffmpeg)."""

    slate = ts_clip.read_bytes()  # before the loop: no blocking file I/O inside it

    async def main() -> bytes:
        fake_ffmpeg.act({A: ["hang", "ok"]})
        slates = Slates(slate)
        session = playing_session(fake_ffmpeg, schedule, slates, clock=T0)
        viewer = Viewer("10.0.0.2")
        async with started(session):
            session.attach(viewer)
            client = Client(viewer)
            await until(lambda: client.received, "A's first 0.6 s arrive")
            # about LATE_GRACE (0.5 s) after A's media ran out; 3 s allows for a loaded machine
            await until(lambda: session.restarts == 1, "the hung item is restarted", within=3.0)
            await until(lambda: client.video_seconds() >= 3.9, "A's restart and B arrive")
        await client.task
        return bytes(client.received)

    data = run(main())  # the checks below block: outside the event loop

    hung, again = [c for c in fake_ffmpeg.calls() if c["input"] == A][:2]
    assert not alive(hung["pid"])
    assert 0.3 < option(again, "-ss") < 1.5  # where it hung (~0.6 s in), plus any slate
    report = analyse(data)
    assert report.cc_error_total == 0 and report.pcr_backsteps == 0
    assert report.video is not None and report.video.dts_strictly_increasing
    # what the viewer got up to its last whole access units (the stop ended it anywhere)
    gate = PesGate()
    aired = gate.feed(data[: len(data) - len(data) % PACKET_SIZE]) + gate.cut()
    path = tmp_path / "aired.ts"
    path.write_bytes(aired)
    assert remux_warnings(ffmpeg.path, path, decode=True) == ""
    assert fake_ffmpeg.leftover() == []

"""Record a channel while its ffmpeg is stopped (SIGSTOP) or killed, and measure what a viewer got.

Shared by the stall tests and ``python -m benchmarks.bench_stall``: the caller starts the server
and says how to find the pid of the channel's on-air ffmpeg (always a process it started itself,
found under its own server's pid); :func:`record_fault` tunes, signals that pid once the stream
is flowing, records, and always sends SIGCONT to a stopped process. :func:`judge` turns the
recording into the numbers the issue asks for: the longest wall-clock wait between received
bytes, the longest hole in media time, decode errors, timestamp backsteps, and whether audio and
video are both present before and after the fault.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from hdhr_emulator.playout.ts.packets import PACKET_SIZE
from hdhr_emulator.playout.ts.pes_gate import PesGate
from tests.support.server_process import RunningServer
from tests.support.streaming import (
    Capture,
    bytes_written,
    fetch,
    ffmpeg_children,
    guide_entries,
    largest_pause,
    pcr_lateness,
    render_noisy_clip,
    wait_for,
    write_config,
)
from tests.support.ts_analysis import TsReport, analyse

FindPid = Callable[[], int | None]  # the channel's on-air ffmpeg now, or None if not (yet) known


@dataclass(frozen=True, slots=True)
class Fault:
    """What was done to which process, when (seconds since the request) and at which byte."""

    action: str  # "stop" (SIGSTOP for ``hold`` s, then SIGCONT) or "kill" (SIGKILL)
    hold: float
    pid: int
    at: float
    at_byte: int


@dataclass(frozen=True, slots=True)
class StallStats:
    """One recording around one fault."""

    fault: Fault | None
    seconds: float  # length of the recording (wall clock)
    byte_gap: float  # longest wall-clock wait between two reads after the first byte
    media_gap: float  # longest hole between frames of one stream, in media time
    lateness: float  # how far the stream fell behind real time at the viewer (PCR vs arrival)
    decode_errors: list[str]  # what ``ffmpeg -v error -i rec.ts -f null -`` printed
    backsteps: int  # video/audio DTS and PCR steps back
    cc_errors: int
    before: tuple[int, int]  # (video, audio) frames received before the fault
    after: tuple[int, int]  # ... and after it was over (the resumed item or its restart)


def record_fault(
    port: int,
    path: str,
    find_pid: FindPid,
    *,
    action: str,
    hold: float = 0.0,
    after: float = 1.5,
    timeout: float = 15.0,
) -> tuple[Capture, Fault | None]:
    """Tune ``path`` (with ``?duration=``, so the body ends by itself) and, once ``after`` s
    of stream have arrived and ``find_pid`` names a process, SIGSTOP it for ``hold`` s (then
    SIGCONT, also on any error) or SIGKILL it. Returns the recording and the fault (None if no
    process was found in time)."""
    if action not in ("stop", "kill"):
        raise ValueError(f"unknown action {action!r}")
    faults: list[Fault] = []
    stopped: list[int] = []
    timers: list[threading.Timer] = []

    def resume(pid: int) -> None:
        if pid in stopped:
            stopped.remove(pid)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)

    def inject(capture: Capture) -> None:
        if faults or capture.arrivals[-1][0] < after:
            return
        pid = find_pid()
        if pid is None:
            return
        if action == "stop":
            os.kill(pid, signal.SIGSTOP)  # a pid the caller found under its own server
            stopped.append(pid)
            timer = threading.Timer(hold, resume, args=(pid,))
            timers.append(timer)
            timer.start()
        else:
            os.kill(pid, signal.SIGKILL)
        faults.append(Fault(action, hold, pid, capture.arrivals[-1][0], len(capture.data)))

    try:
        capture = fetch(port, path, timeout=timeout, on_chunk=inject)
    finally:
        for timer in timers:
            timer.cancel()
        for pid in list(stopped):
            resume(pid)
    return capture, (faults[0] if faults else None)


def decode_errors(ffmpeg: str, data: bytes, scratch: Path) -> list[str]:
    """The lines a strict decode of ``data`` prints (``ffmpeg -v error ... -f null -``)."""
    scratch.write_bytes(data)
    result = subprocess.run(
        [ffmpeg, "-nostdin", "-v", "error", "-i", str(scratch), "-f", "null", "-"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return [line for line in result.stderr.splitlines() if line.strip()]


def _frames(report: TsReport) -> tuple[int, int]:
    video, audio = report.video, report.audio
    return (video.frames if video else 0, audio.frames if audio else 0)


def judge(
    capture: Capture, fault: Fault | None, ffmpeg: str, scratch: Path, settle: float = 2.0
) -> StallStats:
    """Measure a recording; "after" counts frames received from ``settle`` s after the fault
    was over (after SIGCONT, or after the kill)."""
    # the viewer left mid-PES (``?duration`` ends the body wherever it is): judge the
    # recording up to its last complete access units, as the server cuts a dead item
    body = capture.body
    gate = PesGate()
    data = gate.feed(body[: len(body) - len(body) % PACKET_SIZE]) + gate.cut()
    report = analyse(data)
    gaps = [s.max_gap for s in (report.video, report.audio) if s is not None]
    backsteps = report.pcr_backsteps + sum(
        s.dts_backsteps for s in (report.video, report.audio) if s is not None
    )
    before = after = (0, 0)
    if fault is not None:
        before = _frames(analyse(data[: fault.at_byte - fault.at_byte % PACKET_SIZE]))
        over = fault.at + fault.hold + settle
        byte = next((n for t, n in capture.arrivals if t >= over), len(data))
        after = _frames(analyse(data[byte - byte % PACKET_SIZE :]))
    return StallStats(
        fault=fault,
        seconds=capture.elapsed,
        byte_gap=largest_pause(capture),
        media_gap=max(gaps, default=float("inf")),
        lateness=pcr_lateness(capture),
        decode_errors=decode_errors(ffmpeg, data, scratch),
        backsteps=backsteps,
        cc_errors=report.cc_error_total,
        before=before,
        after=after,
    )


def on_air_ffmpeg(server_pid: int, name: str, min_bytes: int = 0) -> FindPid:
    """A :data:`FindPid` for the ffmpeg under ``server_pid`` that plays a file named ``name``
    and has written at least ``min_bytes`` (well into its item, not a next one starting)."""

    def find() -> int | None:
        for pid, argv in ffmpeg_children(server_pid).items():
            if any(name in arg for arg in argv) and (bytes_written(pid) or 0) >= min_bytes:
                return pid
        return None

    return find


# -- the noise channel both the tests and the benchmark fault ----------------------------------
NOISE_ITEM = "Static.mp4"
NOISE_BYTES_PER_SECOND = 2.5e6  # what a noise channel's ffmpeg writes per second of media


def write_noise_channels(root: Path, ffmpeg: str, numbers: Iterable[int]) -> Path:
    """A library of one 10 s noise clip and a config with one 20 Mbit/s channel per number:
    ffmpeg is held mid-item by back-pressure and its read-ahead is under 2 s of stream, so a
    stall reaches the viewer quickly. Returns the config's path."""
    media = root / "media"
    render_noisy_clip(ffmpeg, media / f"TV/Noise/Season 01/Noise - S01E01 - {NOISE_ITEM}", 10.0)
    channels = "\n".join(
        f'[[channel]]\nnumber = {n}\nname = "Noise {n}"\nshows = ["Noise"]\n'
        "profile = { video_kbps = 20000 }\n"
        for n in numbers
    )
    return write_config(root / "retrovue.toml", media, channels)


def fault_noise_channel(
    server: RunningServer, channel: int, action: str, hold: float, timeout: float = 30.0
) -> tuple[Capture, Fault | None, float]:
    """Once no other session runs, tune a noise channel 0.1 s into a slot (so the fault lands
    well inside the 10 s item), fault its on-air ffmpeg 1.5 s in, and record 4.5 s past the
    fault's end. Returns the
    recording, the fault and the recording's planned length."""
    # the previous fault's session must be gone (``--linger``), or its ffmpeg could be the one
    # found and faulted instead of this channel's
    if not wait_for(lambda: not ffmpeg_children(server.process.pid), 30):
        raise AssertionError(f"the server still runs ffmpeg: {ffmpeg_children(server.process.pid)}")
    now = time.time()
    start = min(e.start for e in guide_entries(server.port, channel) if e.start >= now)
    time.sleep(max(0.0, start + 0.1 - time.time()))
    seconds = 1.5 + hold + 4.5
    find = on_air_ffmpeg(server.process.pid, NOISE_ITEM, int(NOISE_BYTES_PER_SECOND))
    capture, fault = record_fault(
        server.port,
        f"/auto/v{channel}?duration={seconds:g}",
        find,
        action=action,
        hold=hold,
        timeout=timeout,
    )
    return capture, fault, seconds

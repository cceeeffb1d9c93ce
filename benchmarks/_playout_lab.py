"""The playout benchmark's bench: a test library, its lineup, a running server, table printing.

The library is 720p30 H.264/AAC test pattern (``testpattern.clip_command`` with a longer GOP),
every clip with its own tone so a capture can be checked against the schedule by ear
(``_tones.py``). The server is a real ``retrovue serve`` subprocess started and stopped by pid
(``tests/hdhr_emulator/server_process.running_server``); the benchmark follows its sessions
through the lines it logs ("tuner N: channel C", "channel C: stopped").
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import math
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from benchmarks._proc_stats import children_of
from hdhr_emulator.cli.clips import ClipSpec, clip_command
from tests.support.server_process import RunningServer, running_server

# -- the library ---------------------------------------------------------------------------------
# (show, tone per episode in Hz, duration per episode in s); every clip has its own tone
SHOWS = (
    ("Alpha", (300, 350), (30, 45)),
    ("Bravo", (450, 500), (40, 60)),
    ("Charlie", (550, 650), (20, 50)),
)
COMMERCIALS = (("Cola", 2400), ("Cereal", 2600), ("Cars", 2800), ("Radio", 3000))
COMMERCIAL_SECONDS = 10
# 4.3 s: its slot (4.3 s + a 3-s ident, rounded up to whole seconds) ends with 0.7 s of slate
SHORTS = ("Shorts", (700, 900, 1100, 1300, 1500), (4, 5, 4.3, 4, 5))
BUMPERS = ((3, 1750), (3, 2000), (3, 2250))
# 4.6 s + a 3-s ident: every slot of its channel ends with 0.4 s of slate
SLIVER = ("Sliver", (3200,), (4.6,))
W, H, FPS = 1280, 720, 30

# -- the lineup ----------------------------------------------------------------------------------
T720 = (1, 2, 3)  # transcode, default profile (1280x720 29.97 veryfast 3000k)
T360 = (11, 12, 13)  # transcode 640x360 ultrafast
COPY = (21, 22, 23)  # copy
SEAM_T, SEAM_C = 31, 32  # shorts + bumpers, transcode / copy
SLIVER_CH = 33  # one 4.6-s episode + a 3-s bumper per 8-s slot
MODES = (
    ("transcode 1280x720 veryfast", T720),
    ("transcode 640x360 ultrafast", T360),
    ("copy", COPY),
)


@dataclass(frozen=True, slots=True)
class Clip:
    relative: str
    spec: ClipSpec

    @property
    def label(self) -> str:
        """What the seam check calls it: "Episode 3", "02 Ident", ..."""
        return Path(self.relative).stem.split(" - ")[-1]


def library_clips() -> list[Clip]:
    clips = []
    for show, tones, durations in (*SHOWS, SHORTS, SLIVER):
        for n, (seconds, tone) in enumerate(zip(durations, tones, strict=True), 1):
            clips.append(
                Clip(
                    f"TV/{show}/Season 01/{show} - S01E{n:02d} - Episode {n}.mp4",
                    ClipSpec(seconds, f"{show} S01E{n:02d}", tone, W, H, FPS),
                )
            )
    for n, (name, tone) in enumerate(COMMERCIALS, 1):
        clips.append(
            Clip(
                f"Commercials/{n:02d} {name}.mp4",
                ClipSpec(COMMERCIAL_SECONDS, f"Buy {name}!", tone, W, H, FPS),
            )
        )
    for n, (seconds, tone) in enumerate(BUMPERS, 1):
        clips.append(
            Clip(f"Bumpers/{n:02d} Ident.mp4", ClipSpec(seconds, f"Ident {n}", tone, W, H, FPS))
        )
    return clips


def render_command(ffmpeg: str, out: Path, spec: ClipSpec, gop: int) -> list[str]:
    """``testpattern.clip_command`` with the GOP length of a typical library file."""
    argv = clip_command(ffmpeg, out, spec)
    argv[argv.index("-g") + 1] = str(gop)
    return argv


def build_library(ffmpeg: str, root: Path, gop: int) -> Path:
    """Render the library into ``root/library-g<gop>-<hash>`` unless it is already complete."""
    clips = library_clips()
    key = hashlib.sha256(repr((clips, gop)).encode()).hexdigest()[:8]
    library = root / f"library-g{gop}-{key}"
    marker = library / ".complete"
    if marker.exists():
        return library
    started = time.perf_counter()
    total = sum(c.spec.duration for c in clips)
    print(
        f"rendering the library ({len(clips)} clips, {total:g} s of {W}x{H}p{FPS}) into "
        f"{library} ...",
        file=sys.stderr,
        flush=True,
    )
    for clip in clips:
        target = library / clip.relative
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".partial-{target.name}")
        subprocess.run(
            render_command(ffmpeg, partial, clip.spec, gop),
            check=True,
            timeout=600,
            capture_output=True,
        )
        partial.replace(target)
    marker.touch()
    print(f"  rendered in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return library


def write_config(path: Path, library: Path) -> Path:
    def channel(number: int, name: str, show: str, filler: str, extra: str) -> str:
        return (
            f'[[channel]]\nnumber = {number}\nname = "{name}"\nshows = ["{show}"]\n{extra}'
            f'filler = {{ items = 1, folders = ["{library / filler}"] }}\n'
        )

    transcode, copy = 'mode = "transcode"\n', 'mode = "copy"\n'
    small = 'profile = { resolution = "640x360", preset = "ultrafast" }\n'
    blocks = [f'media = ["{library}"]\nhorizon_hours = 2\n']
    for i, (show, _, _) in enumerate(SHOWS):
        blocks.append(channel(T720[i], f"{show} 720p", show, "Commercials", transcode))
        blocks.append(channel(T360[i], f"{show} 360p", show, "Commercials", transcode + small))
        blocks.append(channel(COPY[i], f"{show} copy", show, "Commercials", copy))
    blocks.append(channel(SEAM_T, "Shorts transcode", SHORTS[0], "Bumpers", transcode))
    blocks.append(channel(SEAM_C, "Shorts copy", SHORTS[0], "Bumpers", copy))
    blocks.append(channel(SLIVER_CH, "Sliver", SLIVER[0], "Bumpers", transcode))
    path.write_text("\n".join(blocks))
    return path


@dataclass(frozen=True, slots=True)
class Setup:
    """What every phase needs: the ffmpeg, the library, its config and the server's data dir."""

    ffmpeg: str
    library: Path
    config: Path
    data_dir: Path

    def labels(self) -> dict[str, tuple[str, float]]:
        """Absolute clip path → (label, tone Hz)."""
        return {
            str(self.library / c.relative): (c.label, float(c.spec.tone_hz))
            for c in library_clips()
        }


# -- the schedule, read from the server's database -----------------------------------------------
@dataclass(frozen=True, slots=True)
class Aired:
    """A schedule segment: the clip's label ("silence" for the slate), start, duration."""

    label: str
    start: float
    duration: float


@contextlib.contextmanager
def open_schedule(setup: Setup) -> Iterator[object]:
    from lineup.config import load_config
    from lineup.schedule import Schedule
    from lineup.station import Station, StationSettings

    loaded = load_config(setup.config)
    settings = StationSettings(setup.data_dir, loaded.media, loaded, loaded.horizon_hours)
    with Station.open(settings) as station:
        yield Schedule(station.store, station.channels(), horizon=loaded.horizon_hours * 3600)


def schedule_segments(setup: Setup, channel: int, t0: float, t1: float) -> list[Aired]:
    """The segments airing on ``channel`` in [t0, t1)."""
    labels = setup.labels()
    with open_schedule(setup) as schedule:
        airings = schedule.airings(channel, t0, t1)  # type: ignore[attr-defined]
    return [
        Aired(labels.get(s.item.path, ("silence", 0.0))[0], s.start, s.duration)
        for a in airings
        for s in a.segments
        if s.stop > t0 + 0.25 and s.start < t1
    ]


def schedule_offsets(setup: Setup, tunes: Sequence[tuple[int, float]]) -> list[float]:
    """Seconds into the airing item at each (channel, wall time)."""
    with open_schedule(setup) as schedule:
        at = schedule.at  # type: ignore[attr-defined]
        return [at(channel, when).offset for channel, when in tunes]


# -- the server ------------------------------------------------------------------------------------
@dataclass
class Server:
    """A running server and what the benchmark learns about its sessions from its log."""

    running: RunningServer
    lost: dict[int, int] = field(default_factory=dict)  # channel -> sessions that never stopped

    @property
    def pid(self) -> int:
        return self.running.process.pid

    @property
    def port(self) -> int:
        return self.running.port

    @property
    def command(self) -> str:
        return shlex.join(str(a) for a in self.running.process.args)

    def started(self, channel: int) -> int:
        pattern = rf"(^|: )tuner \d+: channel {channel}$"
        return len(re.findall(pattern, self.running.log(), re.MULTILINE))

    def stopped(self, channel: int) -> int:
        pattern = rf"(^|: )channel {channel}: stopped"
        return len(re.findall(pattern, self.running.log(), re.MULTILINE))

    def live(self, channel: int) -> int:
        """Sessions of ``channel`` started and neither stopped nor given up on."""
        return self.started(channel) - self.stopped(channel) - self.lost.get(channel, 0)

    async def wait_stopped(self, channel: int, within: float = 4.0) -> bool:
        """After the last viewer left: wait for the session's stop; False (and counted as lost)
        if it is not logged ``within`` s (--linger is 0.5 s)."""
        deadline = time.monotonic() + within
        while self.live(channel) > 0:
            if time.monotonic() > deadline:
                self.lost[channel] = self.lost.get(channel, 0) + self.live(channel)
                return False
            await asyncio.sleep(0.05)
        return True

    def ffmpeg_children(self) -> int:
        return len(children_of(self.pid))

    def problems(self) -> list[str]:
        """Warnings and errors the server logged (deduplicated, first 12)."""
        pattern = r"warning|error|traceback|dropped|exited with|cannot|slate for|restarting"
        lines = [
            x
            for x in self.running.log().splitlines()
            if re.search(pattern, x, re.IGNORECASE) and "hypercorn.error: Running" not in x
        ]
        seen: dict[str, int] = {}
        for line in lines:
            key = re.sub(r"\d+(\.\d+)?", "N", line)
            seen[key] = seen.get(key, 0) + 1
        return [f"{n}x {k}" for k, n in list(seen.items())[:12]]


@contextlib.contextmanager
def serve(setup: Setup, linger: float, tuners: int) -> Iterator[Server]:
    with running_server(
        "--config",
        setup.config,
        data_dir=setup.data_dir,
        command=("serve", "--linger", str(linger), "--tuners", str(tuners)),
        ready_timeout=120,
    ) as running:
        yield Server(running)


class Bench:
    """The server of one group of phases, replaced by a fresh one when a session's stop is lost:
    its producer would go on transcoding with no viewer and skew every later number."""

    def __init__(self, setup: Setup, linger: float, tuners: int):
        self.setup = setup
        self.linger = linger
        self.tuners = tuners
        self.servers: list[Server] = []
        self._stack = contextlib.ExitStack()

    @property
    def server(self) -> Server:
        return self.servers[-1]

    def __enter__(self) -> Self:
        self.servers.append(self._stack.enter_context(serve(self.setup, self.linger, self.tuners)))
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def restart(self, why: str) -> None:
        self._stack.close()
        self._stack = contextlib.ExitStack()
        self.__enter__()
        print(
            f"- server restarted ({why}): pid {self.server.pid}, log "
            f"{self.server.running.log_path}",
            flush=True,
        )

    async def settle(self, *channels: int) -> bool:
        """Wait for the channels' sessions to stop; restart the server if one never does."""
        lost = [c for c in channels if not await self.server.wait_stopped(c)]
        if lost:
            self.restart(
                f"the session of channel {', '.join(map(str, lost))} did not stop "
                "after its last viewer left"
            )
        return not lost

    @property
    def lost(self) -> dict[int, int]:
        total: dict[int, int] = {}
        for server in self.servers:
            for channel, n in server.lost.items():
                total[channel] = total.get(channel, 0) + n
        return total


# -- statistics and tables -------------------------------------------------------------------------
def pct(values: Sequence[float], q: float) -> float:
    """Percentile with linear interpolation (q in [0, 1]); NaNs ignored."""
    data = sorted(v for v in values if v is not None and not math.isnan(v))
    if not data:
        return float("nan")
    k = (len(data) - 1) * q
    lo = math.floor(k)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


def linear_fit(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float]:
    """Least-squares (slope, intercept); NaN ys ignored."""
    pairs = [(x, y) for x, y in zip(xs, ys, strict=True) if not math.isnan(y)]
    if len(pairs) < 2:
        return float("nan"), float("nan")
    mx = sum(x for x, _ in pairs) / len(pairs)
    my = sum(y for _, y in pairs) / len(pairs)
    sxx = sum((x - mx) ** 2 for x, _ in pairs)
    if not sxx:
        return float("nan"), my
    slope = sum((x - mx) * (y - my) for x, y in pairs) / sxx
    return slope, my - slope * mx


def ms(seconds: float | None) -> float:
    return float("nan") if seconds is None else seconds * 1000


def fmt(value: object, digits: int = 0) -> str:
    if isinstance(value, float):
        return "–" if math.isnan(value) else f"{value:.{digits}f}"
    return str(value)


def verdict(ok: bool | None) -> str:
    return "–" if ok is None else ("ok" if ok else "**MISSED**")


def table(
    title: str, headers: Sequence[str], rows: Sequence[Sequence[object]], notes: Sequence[str] = ()
) -> None:
    print(f"\n### {title}\n")
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join("---" for _ in headers) + "|")
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")
    for note in notes:
        print(f"\n{note}")
    sys.stdout.flush()

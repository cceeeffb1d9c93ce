"""Soak: one channel of 2–5 s items watched for a long time: ``python -m benchmarks.soak``.

Renders a small 640x360 library (eight 2–5 s episodes and two bumpers, each clip with its own
tone; cached under ``--work``), starts a real ``retrovue serve`` subprocess on 127.0.0.1 with
discovery off, and watches its one channel for ``--minutes`` with a real client
(``_live_viewer``: the bytes go through a TS checker and into an ffmpeg that decodes them). It
analyses as it goes and keeps nothing of the stream:

- decode errors (ffmpeg's error lines), CC errors, PTS/DTS backsteps, the longest silence between
  bytes and the longest media hole (video DTS step);
- drift between the schedule and the air: every seam heard (a new tone) is matched with the
  schedule segment of that clip; drift = (media time of the seam − of the first seam) −
  (schedule time of the seam − of the first seam), 20 ms resolution;
- the server's RSS, fds and threads every 10 s, and its children every second (never more than
  two ffmpeg per session: the airing item and the next one's read-ahead).

Prints a line a minute, a report at the end, ``--json`` writes it all; exits 1 if a target is
missed: 0 decode errors, 0 CC errors, 0 backsteps, |drift| ≤ 100 ms, every heard seam in the
schedule, RSS growth ≤ 5 MB after the warm-up, children ≤ 2.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks._live_viewer import LiveViewer
from benchmarks._playout_lab import Setup, open_schedule, render_command
from benchmarks._proc_stats import children_of, rss_bytes
from benchmarks._tones import Run
from hdhr_emulator.cli.clips import ClipSpec
from hdhr_emulator.playout.ffmpeg_binary import find_ffmpeg
from tests.support.server_process import running_server

W, H, FPS, GOP = 640, 360, 25, 25
EPISODES = (
    (2, 700),
    (3, 900),
    (4, 1100),
    (5, 1300),
    (2.5, 1500),
    (3.5, 1700),
    (4.5, 1900),
    (3, 2100),
)
BUMPERS = ((2, 2400), (2.5, 2700))
CHANNEL = 1
CHILDREN_PER_SESSION = 2  # the airing item's ffmpeg and the next one's read-ahead
TARGET_DRIFT = 0.100
JOIN = 1.0
TARGET_RSS_GROWTH = 5 * 1024 * 1024


def clips() -> list[tuple[str, ClipSpec]]:
    out = [
        (
            f"TV/Shorts/Season 01/Shorts - S01E{n:02d} - Episode {n}.mp4",
            ClipSpec(seconds, f"Shorts {n}", tone, W, H, FPS),
        )
        for n, (seconds, tone) in enumerate(EPISODES, 1)
    ]
    out += [
        (f"Bumpers/{n:02d} Ident.mp4", ClipSpec(seconds, f"Ident {n}", tone, W, H, FPS))
        for n, (seconds, tone) in enumerate(BUMPERS, 1)
    ]
    return out


def build_library(ffmpeg: str, root: Path) -> Path:
    """Render the clips into ``root/soak-library`` unless it is already complete."""
    library = root / "soak-library"
    marker = library / ".complete"
    if marker.exists():
        return library
    for relative, spec in clips():
        target = library / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".partial-{target.name}")
        argv = render_command(ffmpeg, partial, spec, GOP)
        subprocess.run(argv, check=True, timeout=600, capture_output=True)
        partial.replace(target)
    marker.touch()
    return library


def write_config(path: Path, library: Path, mode: str) -> Path:
    extra = (
        'mode = "copy"\n'
        if mode == "copy"
        else ('mode = "transcode"\nprofile = { resolution = "640x360", preset = "ultrafast" }\n')
    )
    path.write_text(
        f'media = ["{library}"]\nhorizon_hours = 3\n\n'
        f'[[channel]]\nnumber = {CHANNEL}\nname = "Soak"\nshows = ["Shorts"]\n{extra}'
        f'filler = {{ items = 1, folders = ["{library / "Bumpers"}"] }}\n'
    )
    return path


def labels(library: Path) -> dict[str, tuple[str, float]]:
    """Absolute clip path → (label, tone Hz)."""
    return {str(library / rel): (Path(rel).stem, float(spec.tone_hz)) for rel, spec in clips()}


# -- the server over time ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ProcSample:
    t: float  # seconds since the start
    rss: int
    fds: int
    threads: int
    children: int


def proc_sample(pid: int, t: float) -> ProcSample:
    try:
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        fds = -1
    threads = 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Threads:"):
                threads = int(line.split()[1])
    except OSError:
        pass
    return ProcSample(t, rss_bytes(pid), fds, threads, len(children_of(pid)))


class Sampler:
    """RSS/fds/threads every ``every`` s, the children count every second (seams are short)."""

    def __init__(self, pid: int, t0: float, every: float = 10.0):
        self.pid, self.t0, self.every = pid, t0, every
        self.samples: list[ProcSample] = []
        self.max_children = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="sampler")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        next_full = 0.0
        while not self._stop.is_set():
            now = time.monotonic() - self.t0
            if now >= next_full:
                s = proc_sample(self.pid, now)
                self.samples.append(s)
                self.max_children = max(self.max_children, s.children)
                next_full = now + self.every
            else:
                self.max_children = max(self.max_children, len(children_of(self.pid)))
            self._stop.wait(1.0)


# -- drift against the schedule ----------------------------------------------------------------
@dataclass
class Drift:
    """Seams heard → schedule segments of the same clip; drift relative to the first seam."""

    setup: Setup
    names: dict[str, tuple[str, float]]
    origin: float  # wall time (time.time()) the media clock is compared from
    pending: list[Run] = field(default_factory=list)
    offset: float | None = None  # media − schedule time of the first matched seam
    drifts: list[tuple[float, float]] = field(default_factory=list)  # (media s, drift s)
    unmatched: list[str] = field(default_factory=list)
    first_seam_at: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def heard(self, seam: Run) -> None:
        # the first second is the join (mid-item), not a seam
        if seam.label != "silence" and seam.start >= JOIN:
            with self._lock:
                self.pending.append(seam)

    def settle(self) -> None:
        with self._lock:
            seams, self.pending = self.pending, []
        if not seams:
            return
        t0 = self.origin + min(s.start for s in seams) - 120
        t1 = self.origin + max(s.start for s in seams) + 120
        with open_schedule(self.setup) as schedule:
            airings = schedule.airings(CHANNEL, t0, t1)  # type: ignore[attr-defined]
        starts: dict[str, list[float]] = {}
        for airing in airings:
            for segment in airing.segments:
                label = self.names.get(segment.item.path, ("silence", 0.0))[0]
                starts.setdefault(label, []).append(segment.start - self.origin)
        for seam in seams:
            candidates = starts.get(seam.label, [])
            if self.offset is None:
                if not candidates:
                    self.unmatched.append(f"{seam.label} at {seam.start:.2f}")
                    continue
                first = min(candidates, key=lambda s: abs(s - seam.start))
                self.offset = seam.start - first
                self.first_seam_at = seam.start
                self.drifts.append((seam.start, 0.0))
                continue
            expected = [s + self.offset for s in candidates]
            match = min(expected, key=lambda s: abs(s - seam.start), default=None)
            if match is None or abs(seam.start - match) > 1.0:
                self.unmatched.append(f"{seam.label} at {seam.start:.2f}")
                continue
            self.drifts.append((seam.start, seam.start - match))

    def expected_seams(self, until: float) -> int:
        """Clip segments (not slate) whose start fell between the first seam and ``until``."""
        if self.offset is None or self.first_seam_at is None:
            return 0
        t0 = self.origin + self.first_seam_at - self.offset
        t1 = self.origin + until - self.offset
        with open_schedule(self.setup) as schedule:
            airings = schedule.airings(CHANNEL, t0 - 10, t1 + 10)  # type: ignore[attr-defined]
        n = 0
        previous = None
        for airing in airings:
            for segment in airing.segments:
                label = self.names.get(segment.item.path, ("silence", 0.0))[0]
                if t0 - 0.01 <= segment.start <= t1 and label != "silence" and label != previous:
                    n += 1
                previous = label
        return n

    @property
    def worst(self) -> float:
        return max((abs(d) for _, d in self.drifts), default=float("nan"))


# -- the run -----------------------------------------------------------------------------------
def growth(samples: Sequence[ProcSample], warmup: float, key: str) -> float:
    """Median of the last 3 samples − median of the first 3 after the warm-up."""
    after = [getattr(s, key) for s in samples if s.t >= warmup]
    if len(after) < 2:
        return float("nan")
    head, tail = after[:3], after[-3:]
    return float(statistics.median(tail) - statistics.median(head))


def mb(n: float) -> str:
    return f"{n / 1048576:.1f} MB"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--mode", choices=("transcode", "copy"), default="transcode",
                        help="transcode: 640x360 ultrafast (default); copy")  # fmt: skip
    parser.add_argument("--json", type=Path, help="write the report here")
    parser.add_argument(
        "--work",
        type=Path,
        default=Path(tempfile.gettempdir()) / "retrovue-soak",
        help="library, lineup, server data and log",
    )
    parser.add_argument("--warmup", type=float, help="seconds before RSS growth counts")
    args = parser.parse_args(argv)
    duration = args.minutes * 60
    warmup = args.warmup if args.warmup is not None else max(30.0, min(300.0, duration / 10))

    ffmpeg = find_ffmpeg().path
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    library = build_library(ffmpeg, work)
    run_dir = Path(tempfile.mkdtemp(prefix="run-", dir=work))
    config = write_config(run_dir / "soak.toml", library, args.mode)
    setup = Setup(ffmpeg, library, config, run_dir / "data")
    names = labels(library)
    tones = {label: hz for label, hz in names.values()}
    command = shlex.join(["python", "-m", "benchmarks.soak", *(argv or sys.argv[1:])])
    print(f"## soak ({time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}): `{command}`")
    print(f"- {args.mode}, {len(EPISODES)} episodes + {len(BUMPERS)} bumpers of 2–5 s, {run_dir}")
    sys.stdout.flush()

    with running_server(
        "--config",
        config,
        data_dir=setup.data_dir,
        command=("serve", "--linger", "0.5", "--tuners", "2"),
        ready_timeout=120,
    ) as server:
        pid = server.process.pid
        t0 = time.monotonic()
        drift = Drift(setup, names, time.time())
        sampler = Sampler(pid, t0)
        sampler.start()
        viewer = LiveViewer(server.port, CHANNEL, ffmpeg=ffmpeg, tones=tones, on_seam=drift.heard)
        viewer.start()
        print(f"- server pid {pid}, log {server.log_path}\n", flush=True)
        try:
            next_line = 60.0
            while time.monotonic() - t0 < duration and viewer.state.ended is None:
                time.sleep(1.0)
                elapsed = time.monotonic() - t0
                if elapsed >= next_line or elapsed >= duration:
                    next_line += 60.0
                    drift.settle()
                    tot = viewer.totals()
                    last = sampler.samples[-1] if sampler.samples else None
                    print(
                        f"{elapsed / 60:6.1f} min  media {tot.video_seconds:7.1f} s  seams "
                        f"{len(drift.drifts)}  worst drift {drift.worst * 1000:.0f} ms  decode "
                        f"errors {viewer.state.decode_errors}  CC {tot.cc_errors}  backsteps "
                        f"{tot.pts_backsteps}  gap {viewer.state.max_wall_gap:.2f} s  "
                        + (
                            f"RSS {mb(last.rss)} fds {last.fds} threads {last.threads} "
                            f"children {sampler.max_children}"
                            if last
                            else ""
                        ),
                        flush=True,
                    )
        finally:
            viewer.stop()
            sampler.stop()
        drift.settle()
        log_tail = server.log()[-3000:]
    wall = time.monotonic() - t0
    tot = viewer.totals()
    state = viewer.state
    expected = drift.expected_seams(viewer.audio_seconds - 1.0)
    samples = sampler.samples
    rss_growth = growth(samples, warmup, "rss")
    fd_growth = growth(samples, warmup, "fds")
    thread_growth = growth(samples, warmup, "threads")
    ended_early = state.ended not in (None, "stopped")
    checks = {
        "stream ran to the end": not ended_early,
        "0 decode errors": state.decode_errors == 0,
        "0 CC errors": tot.cc_errors == 0,
        "0 PTS/DTS backsteps": tot.pts_backsteps == 0 and tot.pcr_backsteps == 0,
        "seams heard": len(drift.drifts) > 0,
        "every seam in the schedule": not drift.unmatched,
        "no item missed": len(drift.drifts) >= expected,
        "drift ≤ 100 ms": bool(drift.drifts) and drift.worst <= TARGET_DRIFT,
        "RSS growth ≤ 5 MB": rss_growth == rss_growth and rss_growth <= TARGET_RSS_GROWTH,
        f"children ≤ {CHILDREN_PER_SESSION}": sampler.max_children <= CHILDREN_PER_SESSION,
    }
    last_drift = drift.drifts[-1][1] if drift.drifts else float("nan")
    print(f"\n### soak report ({wall / 60:.1f} min, {args.mode})\n")
    rows = [
        ("wall time", f"{wall:.0f} s"),
        ("media received (video)", f"{tot.video_seconds:.1f} s"),
        ("bytes", f"{state.bytes}"),
        ("seams heard and matched", f"{len(drift.drifts)} of {expected} in the schedule"),
        ("seams not in the schedule", f"{len(drift.unmatched)} {drift.unmatched[:5]}"),
        ("worst |drift|", f"{drift.worst * 1000:.0f} ms"),
        ("last drift", f"{last_drift * 1000:.0f} ms"),
        ("decode errors", f"{state.decode_errors} {state.decode_error_lines[:5]}"),
        ("CC errors", f"{tot.cc_errors}"),
        ("PTS/DTS backsteps / repeats", f"{tot.pts_backsteps} / {tot.dts_repeats}"),
        (
            "PCR backsteps / max interval",
            f"{tot.pcr_backsteps} / {tot.pcr_max_interval * 1000:.0f} ms",
        ),
        ("longest silence between bytes", f"{state.max_wall_gap:.2f} s"),
        (
            "longest video / audio DTS step",
            f"{tot.max_video_step * 1000:.0f} ms / {tot.max_audio_step * 1000:.0f} ms",
        ),
        ("RSS first/last/growth after warm-up", _series(samples, warmup, "rss", mb)),
        ("fds first/last/growth", _series(samples, warmup, "fds", str)),
        ("threads first/last/growth", _series(samples, warmup, "threads", str)),
        ("max children", f"{sampler.max_children} (bound {CHILDREN_PER_SESSION})"),
        ("stream ended", f"{state.ended}"),
    ]
    for name, value in rows:
        print(f"- {name}: {value}")
    print()
    for name, ok in checks.items():
        print(f"- {'ok    ' if ok else 'MISSED'} {name}")
    failed = [name for name, ok in checks.items() if not ok]
    if failed and ended_early:
        print(f"\nserver log (tail):\n{log_tail}")
    if args.json:
        report = {
            "command": command,
            "mode": args.mode,
            "minutes": args.minutes,
            "wall_seconds": wall,
            "warmup_seconds": warmup,
            "totals": asdict(tot),
            "viewer": asdict(state),
            "seams_matched": len(drift.drifts),
            "seams_expected": expected,
            "unmatched": drift.unmatched,
            "worst_drift_ms": drift.worst * 1000,
            "last_drift_ms": last_drift * 1000,
            "drifts": [(round(m, 2), round(d * 1000, 1)) for m, d in drift.drifts],
            "rss_growth_bytes": rss_growth,
            "fd_growth": fd_growth,
            "thread_growth": thread_growth,
            "max_children": sampler.max_children,
            "samples": [asdict(s) for s in samples],
            "checks": checks,
            "failed": failed,
        }
        args.json.write_text(json.dumps(report, indent=1, default=str))
    print(f"\n{'FAILED: ' + ', '.join(failed) if failed else 'all targets met'}", flush=True)
    return 1 if failed else 0


def _series(samples: Sequence[ProcSample], warmup: float, key: str, show: object) -> str:
    after = [s for s in samples if s.t >= warmup] or list(samples)
    if not after:
        return "–"
    fmt = show if callable(show) else str
    return (
        f"{fmt(getattr(after[0], key))} / {fmt(getattr(after[-1], key))} / "
        f"{fmt(growth(samples, warmup, key))}"
    )


if __name__ == "__main__":
    sys.exit(main())

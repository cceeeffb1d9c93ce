"""Faults injected into a real server, one at a time: ``python -m benchmarks.faults``.

Runs inside a private network and mount namespace (as root it re-executes itself under
``unshare -nm``, brings ``lo`` up, and touches no other network; without root it adds ``-r``), so
hostile packets, a read-only bind mount and a full tmpfs stay in the namespace. Every fault gets
a fresh ``retrovue serve`` (640x360 ultrafast transcode, three channels of 2–5 s items from the
soak's library, ``--linger 0.5``) and the same procedure:

1. one 3-s tune and settle, then *before*: the server's fds, threads, RSS and children;
2. a viewer of channel 1 (``_live_viewer``: TS checker + ffmpeg decoding) for 3 s;
3. the fault (``FAULTS``: one small function each, ``--only NAME[,NAME]``);
4. 6 s more of watching, then the viewer leaves; settle; *after*.

For each it prints the longest silence between bytes from the fault on (wall) and the longest
video DTS step (media), decode errors, PTS/DTS backsteps, whether every viewer stayed connected,
and before → after. Exits 1 if a target is missed: gap ≤ 1.0 s (wall and media), 0 decode
errors, 0 backsteps, viewers connected, fds after ≤ before + 2 and no child left (plus the
fault's own checks).
``--short`` (CI, ≤ 3 min on 2 cores) runs fewer and smaller faults.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks._live_viewer import LiveViewer
from benchmarks._playout_lab import Setup, open_schedule
from benchmarks._proc_stats import children_of, rss_bytes
from benchmarks.soak import EPISODES, build_library
from hdhr_emulator.device.packets import (
    HDHR_PORT,
    DiscoverRequest,
    build_discover_request,
)
from hdhr_emulator.playout.ffmpeg_binary import find_ffmpeg
from tests.support.plex_standin import (
    STANDIN_TOKEN,
    Episode,
    Part,
    PlexStandin,
    Season,
    Section,
    Show,
    StandinLibrary,
)
from tests.support.server_process import RunningServer, running_server

NS_ENV = "RETROVUE_FAULTS_NAMESPACE"
CHANNELS = (1, 2, 3)
TARGET_GAP = 1.0
FD_SLACK = 2
LEAD = 3.0  # watch before the fault
RECOVER = 6.0  # watch after it


# -- the server's state ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ProcState:
    fds: int
    threads: int
    rss_mb: float
    children: int

    def __str__(self) -> str:
        return f"fds {self.fds} thr {self.threads} RSS {self.rss_mb:.1f} MB ch {self.children}"


def proc_state(pid: int) -> ProcState:
    try:
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        threads = len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return ProcState(-1, -1, 0.0, -1)
    return ProcState(fds, threads, rss_bytes(pid) / 1048576, len(children_of(pid)))


def settle(pid: int, keep: frozenset[int] = frozenset(), within: float = 5.0) -> None:
    """Wait for the server's children (but ``keep``) to go (--linger 0.5 after the last
    viewer)."""
    deadline = time.monotonic() + within
    while set(children_of(pid)) - keep and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)


def settled_state(pid: int, fds: int, within: float = 5.0) -> ProcState:
    """The server's state once its descriptors are down to ``fds`` (or after ``within`` s):
    a connection or a pipe of the last tune may still be closing when the children are gone,
    but a leak stays."""
    deadline = time.monotonic() + within
    state = proc_state(pid)
    while state.fds > fds and time.monotonic() < deadline:
        time.sleep(0.2)
        state = proc_state(pid)
    return state


def new_ffmpeg(server_pid: int, within: float = 15.0) -> int | None:
    """The next child the server starts: an item's ffmpeg while it is still producing (a 2–5 s
    item is read ahead in well under a second, so an older one may be done already). Found
    through /proc by parent pid, never by name."""
    seen = set(children_of(server_pid))
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        fresh = [kid for kid in set(children_of(server_pid)) - seen if _runs_ffmpeg(kid)]
        if fresh:
            return min(fresh)
        time.sleep(0.01)
    return None


def _runs_ffmpeg(pid: int) -> bool:
    """The child has exec'd ffmpeg. Between fork and exec it is still a copy of the server,
    and the server's spawn waits (synchronously, in the event loop) for that exec: a child
    stopped in that window freezes the whole server, which is not the hung encoder this fault
    is about, so it is not signalled then."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip() == "ffmpeg"
    except OSError:
        return False


def child_states(pid: int, skip: frozenset[int] = frozenset()) -> str:
    """Each child but ``skip`` as pid:state (input file); Z is a zombie nobody reaped."""
    out = []
    for kid in set(children_of(pid)) - skip:
        try:
            text = Path(f"/proc/{kid}/stat").read_text()
            argv = Path(f"/proc/{kid}/cmdline").read_bytes().split(b"\0")
            if b"-i" in argv:
                what = Path(argv[argv.index(b"-i") + 1].decode(errors="replace")).name
            else:  # not an item's ffmpeg: say what it is
                what = b" ".join(argv[:4]).decode(errors="replace")[:80]
            out.append(f"{kid}:{text[text.rindex(')') + 2]} ({what})")
        except OSError:
            pass
    return " ".join(out)


# -- one fault's run ---------------------------------------------------------------------------
@dataclass
class Trial:
    """What a fault function gets: the server, the lab, the main viewer, and where to note."""

    lab: Lab
    server: RunningServer
    viewer: LiveViewer
    short: bool
    folder: Path  # the media copy and the config
    data_dir: Path
    standin: PlexStandin | None = None
    notes: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    others_connected: bool = True

    @property
    def pid(self) -> int:
        return self.server.process.pid

    def check(self, ok: bool, what: str) -> None:
        if not ok:
            self.failed.append(what)

    def watch(self, seconds: float) -> None:
        """Keep watching (the viewer runs in its thread); stop early if it lost the stream."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.viewer.state.ended is None:
            time.sleep(0.1)

    def http_status(self, path: str, timeout: float = 5.0) -> int | str:
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=timeout)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException) as exc:
            return type(exc).__name__
        finally:
            conn.close()


@dataclass(frozen=True, slots=True)
class Outcome:
    name: str
    seconds: float
    wall_gap: float
    media_gap: float
    decode_errors: int
    backsteps: int
    cc_errors: int
    connected: bool
    before: str
    after: str
    notes: list[str]
    failed: list[str]


@dataclass
class Lab:
    """The library, a fresh copy of it per fault, configs and data dirs under ``work``."""

    ffmpeg: str
    library: Path
    work: Path

    def fresh(self, name: str) -> Path:
        folder = self.work / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        shutil.copytree(self.library, folder / "media", ignore=shutil.ignore_patterns(".*"))
        return folder

    def config(self, folder: Path) -> Path:
        media = folder / "media"
        blocks = [f'media = ["{media}"]\nhorizon_hours = 2\n']
        for number in CHANNELS:
            blocks.append(
                f'[[channel]]\nnumber = {number}\nname = "Faults {number}"\nshows = ["Shorts"]\n'
                'mode = "transcode"\nprofile = { resolution = "640x360", preset = "ultrafast" }\n'
                f'filler = {{ items = 1, folders = ["{media / "Bumpers"}"] }}\n'
            )
        path = folder / "faults.toml"
        path.write_text("\n".join(blocks))
        return path

    def setup(self, folder: Path, data_dir: Path) -> Setup:
        return Setup(self.ffmpeg, folder / "media", folder / "faults.toml", data_dir)


Fault = Callable[[Trial], None]


@dataclass(frozen=True, slots=True)
class Spec:
    fault: Fault
    short: bool  # part of --short
    discovery: bool = False
    data_dir: Callable[[Path], Path] | None = None  # where the data dir lives (a tmpfs ...)
    plex: bool = False  # channel 1 comes from a Plex stand-in, its parts proxied by the server


def plex_standin(folder: Path) -> PlexStandin:
    """A stand-in PMS serving the soak's episodes as one show (not started)."""
    season = Season(rating_key=11, index=1)
    media = folder / "media" / "TV" / "Shorts" / "Season 01"
    for n, (seconds, tone) in enumerate(EPISODES, 1):
        local = next(media.glob(f"* - S01E{n:02d} - *"))
        part = Part(id=100 + n, file=f"/data/{local.name}", local_path=local, width=640,
                    height=360, frame_rate=25.0, tone_hz=tone)  # fmt: skip
        season.episodes.append(
            Episode(
                rating_key=20 + n,
                index=n,
                title=f"Episode {n}",
                part=part,
                duration=int(seconds * 1000),
            )  # fmt: skip
        )
    library = StandinLibrary()
    library.sections.append(Section(key=1, title="TV Shows", type="show", location="/data"))
    library.shows.append(Show(rating_key=10, title="Shorts", section_key=1, seasons=[season]))
    return PlexStandin(library)


def plex_config(folder: Path, url: str) -> Path:
    """No path_map: ffmpeg reads each part through the server's proxy from the stand-in."""
    token = folder / "plex.token"
    token.write_text(STANDIN_TOKEN)
    token.chmod(0o600)
    path = folder / "plex.toml"
    path.write_text(f'horizon_hours = 2\n[[plex]]\nurl = "{url}"\ntoken_file = "plex.token"\n')
    return path


def run_fault(lab: Lab, name: str, spec: Spec, short: bool) -> Outcome:
    with contextlib.ExitStack() as stack:
        folder = lab.fresh(name)
        standin = None
        if spec.plex:
            standin = stack.enter_context(plex_standin(folder))
            config = plex_config(folder, standin.url)
        else:
            config = lab.config(folder)
        return _run(lab, name, spec, short, folder, config, standin)


def _run(
    lab: Lab,
    name: str,
    spec: Spec,
    short: bool,
    folder: Path,
    config: Path,
    standin: PlexStandin | None,
) -> Outcome:
    began = time.monotonic()
    data_dir = spec.data_dir(folder) if spec.data_dir else folder / "data"
    # serve would look for break points and measure loudness in a re-scan 10 s after start,
    # and its worker processes would be counted as children the fault left behind
    command: tuple[str, ...] = (
        "serve",
        "--linger",
        "0.5",
        "--tuners",
        "4",
        "--no-detect-breaks",
        "--no-measure-loudness",
    )
    if spec.discovery:
        command += ("--discovery-address", "127.0.0.1", "--no-zeroconf")
    with running_server(
        "--config",
        config,
        data_dir=data_dir,
        command=command,
        ready_timeout=120,
        discovery=spec.discovery,
    ) as server:
        pid = server.process.pid
        with LiveViewer(server.port, CHANNELS[0]) as warm:
            deadline = time.monotonic() + 15
            while warm.totals().video_seconds < 3 and time.monotonic() < deadline:
                time.sleep(0.1)
        settle(pid)
        before = proc_state(pid)
        lingering = child_states(pid)
        old = frozenset(children_of(pid))  # a leak of the warm-up is not this fault's
        viewer = LiveViewer(server.port, CHANNELS[0], ffmpeg=lab.ffmpeg).start()
        trial = Trial(lab, server, viewer, short, folder, data_dir, standin)
        if lingering:
            trial.notes.append(f"children 5 s after the warm-up tune left: {lingering}")
        try:
            deadline = time.monotonic() + 15
            while viewer.state.first_byte_at is None and time.monotonic() < deadline:
                time.sleep(0.05)
            trial.watch(LEAD)
            viewer.state.max_wall_gap = 0.0  # the tune-in's burst and pause are not the fault's
            try:
                spec.fault(trial)
            except Exception as exc:  # a broken fault must not hide the others
                trial.failed.append(f"the fault itself raised {type(exc).__name__}: {exc}")
            trial.watch(RECOVER)
            connected = viewer.state.ended is None and viewer.state.status == 200
        finally:
            viewer.stop()
        settle(pid, old)
        alive = server.process.poll() is None
        after = settled_state(pid, before.fds + FD_SLACK) if alive else ProcState(-1, -1, 0.0, -1)
        left = child_states(pid, old) if alive else ""
        if not alive:
            trial.failed.append(f"the server exited ({server.process.returncode})")
    totals = viewer.totals()
    state = viewer.state
    frame = 1 / 30
    media_gap = max(0.0, totals.max_video_step - frame)
    trial.check(state.max_wall_gap <= TARGET_GAP, f"wall gap {state.max_wall_gap:.2f} s > 1 s")
    trial.check(media_gap <= TARGET_GAP, f"media gap {media_gap:.2f} s > 1 s")
    trial.check(state.decode_errors == 0, f"{state.decode_errors} decode errors")
    trial.check(totals.pts_backsteps == 0, f"{totals.pts_backsteps} PTS/DTS backsteps")
    trial.check(connected, f"the viewer lost the stream ({state.ended})")
    trial.check(trial.others_connected, "another viewer lost the stream")
    if alive:
        trial.check(after.fds <= before.fds + FD_SLACK, f"fds {before.fds} → {after.fds}")
        trial.check(not left, f"children left: {left}")
    if state.decode_error_lines:
        trial.notes.append("decode: " + " | ".join(state.decode_error_lines[:3]))
    return Outcome(
        name,
        time.monotonic() - began,
        state.max_wall_gap,
        media_gap,
        state.decode_errors,
        totals.pts_backsteps,
        totals.cc_errors,
        connected and trial.others_connected,
        str(before),
        str(after),
        trial.notes,
        trial.failed,
    )


# -- the faults --------------------------------------------------------------------------------
def _signal_airing(trial: Trial, sig: signal.Signals, hold: float) -> None:
    target = new_ffmpeg(trial.pid)
    if target is None:
        trial.failed.append("no new ffmpeg child to signal within 15 s")
        return
    os.kill(target, sig)
    trial.notes.append(f"{sig.name} to ffmpeg {target}")
    if sig == signal.SIGSTOP:
        trial.watch(hold)
        if target in children_of(trial.pid):  # still the server's child: let it go on
            os.kill(target, signal.SIGCONT)
            trial.notes.append(f"SIGCONT to {target} after {hold:g} s (the server had not)")


def ffmpeg_kill(trial: Trial) -> None:
    """SIGKILL the airing item's ffmpeg: the next item (or the slate) must follow within 1 s."""
    _signal_airing(trial, signal.SIGKILL, 0)


def ffmpeg_stop(trial: Trial) -> None:
    """SIGSTOP the airing item's ffmpeg for 8 s: a hung encoder, not a dead one."""
    _signal_airing(trial, signal.SIGSTOP, 8.0)


def _on_air(trial: Trial) -> list[Path]:
    """The files airing on channel 1 now, next and after that: the next one's ffmpeg may have
    opened its file already (read-ahead), the one after has not."""
    setup = trial.lab.setup(trial.folder, trial.data_dir)
    now = time.time()
    with open_schedule(setup) as schedule:
        airings = schedule.airings(CHANNELS[0], now, now + 60)  # type: ignore[attr-defined]
    paths = [
        Path(s.item.path)
        for a in airings
        for s in a.segments
        if s.item is not None and s.item.path and s.stop > now
    ]
    return list(dict.fromkeys(paths))[:3]


def file_truncated(trial: Trial) -> None:
    """Truncate the files on air, next and after to a third."""
    for path in _on_air(trial):
        size = path.stat().st_size
        os.truncate(path, size // 3)
        trial.notes.append(f"truncated {path.name} {size} → {size // 3}")
    trial.watch(6.0)


def file_deleted(trial: Trial) -> None:
    """Delete the files on air, next and after."""
    for path in _on_air(trial):
        path.unlink()
        trial.notes.append(f"deleted {path.name}")
    trial.watch(6.0)


def media_renamed(trial: Trial) -> None:
    """Rename the media folder away for 8 s, then back."""
    media = trial.folder / "media"
    away = media.with_name("media.away")
    media.rename(away)
    try:
        trial.watch(8.0)
    finally:
        away.rename(media)


def _probe_api(trial: Trial, label: str) -> None:
    """A tune of another channel and the guide while the fault lasts: no 5xx or hang."""
    for path in ("/lineup.json", "/xmltv.xml", "/discover.json"):
        status = trial.http_status(path)
        trial.notes.append(f"{label} {path} {status}")
        trial.check(status == 200, f"{path} answered {status} ({label})")
    other = LiveViewer(trial.server.port, CHANNELS[1]).start()
    deadline = time.monotonic() + 10
    while other.state.first_byte_at is None and time.monotonic() < deadline:
        if other.state.ended:
            break
        time.sleep(0.05)
    other.stop()
    trial.notes.append(f"{label} tune ch{CHANNELS[1]}: {other.state.status} {other.state.ended}")
    trial.check(other.state.first_byte_at is not None, f"tune ch{CHANNELS[1]} failed ({label})")


def data_dir_readonly(trial: Trial) -> None:
    """Bind-mount the data dir read-only (root ignores chmod) while viewing and tuning."""
    data = trial.data_dir
    subprocess.run(["mount", "--bind", str(data), str(data)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(data)], check=True)
        _probe_api(trial, "read-only")
        trial.watch(4.0)
    finally:
        subprocess.run(["umount", str(data)], check=True)


def _tmpfs_data(folder: Path) -> Path:
    mount = folder / "small"
    mount.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", str(mount)], check=True
    )
    return mount / "data"


def disk_full(trial: Trial) -> None:
    """Fill the data dir's 16 MB tmpfs while viewing and tuning."""
    data = trial.data_dir.parent
    filler = data / "filler"
    try:
        with open(filler, "wb") as out:
            chunk = b"\0" * 65536
            with contextlib.suppress(OSError):
                while True:
                    out.write(chunk)
                    out.flush()
        trial.notes.append(f"filled with {filler.stat().st_size // 1024} KB")
        _probe_api(trial, "disk full")
        trial.watch(4.0)
    finally:
        filler.unlink(missing_ok=True)


def tune_cycles(trial: Trial) -> None:
    """Tune and untune channels 2 and 3 (300 times; 40 with --short), at random moments of
    their sessions' start and stop, while channel 1 is watched."""
    import http.client

    count = 40 if trial.short else 300
    rng = random.Random(10)
    failures = 0
    for i in range(count):
        channel = CHANNELS[1 + i % 2]
        conn = http.client.HTTPConnection("127.0.0.1", trial.server.port, timeout=15)
        try:
            conn.request("GET", f"/auto/v{channel}")
            response = conn.getresponse()
            if response.status != 200 or not response.read1(188):
                failures += 1
        except (OSError, http.client.HTTPException):
            failures += 1
        finally:
            conn.close()
        time.sleep(rng.uniform(0, 0.8))
    trial.notes.append(f"{count} tune/untune cycles, {failures} failed")
    trial.check(failures == 0, f"{failures} of {count} tunes failed")


def _crowd(
    trial: Trial, n: int, seconds: float, rate_limit: float | None = None, read_size: int = 65536
) -> list[LiveViewer]:
    """``n`` more viewers of channel 1 for ``seconds``."""
    viewers = [
        LiveViewer(trial.server.port, CHANNELS[0], rate_limit=rate_limit, read_size=read_size)
        for _ in range(n)
    ]
    for v in viewers:
        v.start()
    trial.watch(seconds)
    for v in viewers:
        v.stop()
    return viewers


def viewers_100(trial: Trial) -> None:
    """100 more viewers of channel 1 (30 with --short) for 10 s."""
    n = 30 if trial.short else 100
    crowd = _crowd(trial, n, 10.0)
    lost = [v.state.ended for v in crowd if v.state.ended != "stopped" or v.state.status != 200]
    worst = max(v.state.max_wall_gap for v in crowd)
    trial.notes.append(f"{n} viewers: {n - len(lost)} stayed, worst gap {worst:.2f} s")
    if lost:
        trial.notes.append(f"lost: {sorted(set(map(str, lost)))[:3]}")
        trial.others_connected = False


def slow_viewer(trial: Trial) -> None:
    """A viewer that reads 1 KB/s for 20 s (10 with --short) beside the main one."""
    seconds = 10.0 if trial.short else 20.0
    rss0 = rss_bytes(trial.pid)
    (slow,) = _crowd(trial, 1, seconds, rate_limit=1024.0, read_size=1024)
    growth = (rss_bytes(trial.pid) - rss0) / 1048576
    trial.notes.append(
        f"slow viewer read {slow.state.bytes} B, ended: {slow.state.ended}; "
        f"server RSS +{growth:.1f} MB"
    )
    trial.check(growth <= 20, f"server RSS grew {growth:.1f} MB with a slow viewer")


def half_open(trial: Trial) -> None:
    """200 connections that send half a request (or nothing) and hold; a new viewer must still
    tune in."""
    socks: list[socket.socket] = []
    try:
        for i in range(200):
            s = socket.create_connection(("127.0.0.1", trial.server.port), timeout=5)
            if i % 2:
                s.sendall(b"GET /auto/v1 HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            socks.append(s)
        trial.notes.append(f"{len(socks)} half-open connections")
        other = LiveViewer(trial.server.port, CHANNELS[1]).start()
        deadline = time.monotonic() + 10
        while other.state.first_byte_at is None and time.monotonic() < deadline:
            time.sleep(0.05)
        trial.check(other.state.first_byte_at is not None, "no tune-in beside 200 half-open")
        trial.notes.append(f"tune beside them: HTTP {other.state.status}")
        trial.watch(5.0)
        other.stop()
    except OSError as exc:
        trial.failed.append(f"connection {len(socks) + 1} failed: {exc}")
    finally:
        for s in socks:
            s.close()


def _discover_reply(timeout: float = 2.0, tries: int = 3) -> bool:
    """A discover answered within ``tries`` attempts, as clients send it: UDP may drop one
    request while the device's socket buffer still holds the attack's datagrams
    (``hdhomerun_config discover`` and Plex repeat theirs too)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        for _ in range(tries):
            s.sendto(build_discover_request(DiscoverRequest()), ("127.0.0.1", HDHR_PORT))
            try:
                return bool(s.recvfrom(2048)[0])
            except OSError:
                continue
        return False


def _hostile_datagrams(rng: random.Random, valid: bytes) -> Iterator[bytes]:
    for _ in range(200):
        yield rng.randbytes(rng.randint(1, 1500))
    for n in range(len(valid)):
        yield valid[:n]  # truncated
    yield valid[:4] + b"\xff" * 8  # a header claiming more than is there
    yield b"\x00\x02\xff\xff" + rng.randbytes(60000)  # huge
    yield rng.randbytes(65507)


def hostile_discovery(trial: Trial) -> None:
    """Random, truncated and huge packets at UDP and TCP 65001 and at SSDP (UDP 1900); the
    device must still answer a real discover and keep streaming."""
    rng = random.Random(65001)
    trial.check(_discover_reply(), "no discover reply before the attack")
    valid = build_discover_request(DiscoverRequest())
    msearch = (
        b'M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\n'
        b"MX: 1\r\nST: ssdp:all\r\n\r\n"
    )
    sent = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        for port, packets in (
            (HDHR_PORT, _hostile_datagrams(rng, valid)),
            (1900, _hostile_datagrams(rng, msearch)),
        ):
            for packet in packets:
                with contextlib.suppress(OSError):
                    udp.sendto(packet, ("127.0.0.1", port))
                    sent += 1
    tcp_sent = 0
    for i in range(60):
        with contextlib.suppress(OSError):
            with socket.create_connection(("127.0.0.1", HDHR_PORT), timeout=2) as conn:
                if i % 3 == 0:
                    conn.sendall(rng.randbytes(rng.randint(1, 4000)))
                elif i % 3 == 1:
                    conn.sendall(b"\x00\x04\x7f\xff" + rng.randbytes(100))  # claims 32 KB
                else:
                    conn.sendall(b"\x00\x04\xff\xff" + rng.randbytes(70000))  # huge
                tcp_sent += 1
    trial.notes.append(f"{sent} hostile datagrams, {tcp_sent} hostile TCP connections")
    trial.check(_discover_reply(), "no discover reply after the attack")
    trial.check(trial.http_status("/discover.json") == 200, "/discover.json failed after")


def plex_stall(trial: Trial) -> None:
    """The Plex stand-in takes 30 s to answer anything, for 10 s."""
    assert trial.standin is not None
    trial.standin.latency = 30.0
    try:
        trial.watch(10.0)
    finally:
        trial.standin.latency = 0.0


def plex_500(trial: Trial) -> None:
    """The Plex stand-in answers 500 to everything, for 10 s."""
    assert trial.standin is not None
    trial.standin.add_fault("/", 500, times=None)
    try:
        trial.watch(10.0)
    finally:
        trial.standin.clear_faults()


FAULTS: dict[str, Spec] = {
    "ffmpeg-kill": Spec(ffmpeg_kill, short=True),
    "ffmpeg-stop": Spec(ffmpeg_stop, short=True),
    "file-truncated": Spec(file_truncated, short=False),
    "file-deleted": Spec(file_deleted, short=True),
    "media-renamed": Spec(media_renamed, short=False),
    "data-readonly": Spec(data_dir_readonly, short=False),
    "disk-full": Spec(disk_full, short=False, data_dir=_tmpfs_data),
    "plex-stall": Spec(plex_stall, short=False, plex=True),
    "plex-500": Spec(plex_500, short=False, plex=True),
    "tune-cycles": Spec(tune_cycles, short=True),
    "viewers-100": Spec(viewers_100, short=True),
    "slow-viewer": Spec(slow_viewer, short=False),
    "half-open-200": Spec(half_open, short=True),
    "hostile-discovery": Spec(hostile_discovery, short=True, discovery=True),
}


# -- the namespace -----------------------------------------------------------------------------
def enter_namespace(argv: Sequence[str]) -> None:
    """Re-execute inside new network and mount namespaces (no return)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        raise SystemExit("faults: needs unshare(1) for a private network namespace")
    flags = ["-nm", "--propagation", "private"] + ([] if os.geteuid() == 0 else ["-r"])
    env = dict(os.environ, **{NS_ENV: "1"})
    os.execve(
        unshare,
        [unshare, *flags, "--", sys.executable, "-m", "benchmarks.faults", *argv],
        env,
    )


def lo_up() -> None:
    """``ip link set lo up`` without iproute2 (SIOCGIFFLAGS/SIOCSIFFLAGS), then check that lo
    is the only link: the network rule."""
    import fcntl
    import struct

    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sH14s", b"lo", 0, b"")
        flags = struct.unpack("16sH", fcntl.ioctl(s, siocgifflags, request)[:18])[1]
        fcntl.ioctl(s, siocsifflags, struct.pack("16sH14s", b"lo", flags | iff_up, b""))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
    names = [name for _, name in socket.if_nameindex()]
    if names != ["lo"]:
        raise SystemExit(f"faults: expected only lo in the namespace, found {names}")


def cleanup_mounts(work: Path) -> None:
    for line in reversed(Path("/proc/self/mounts").read_text().splitlines()):
        target = line.split()[1]
        if target.startswith(str(work)):
            subprocess.run(["umount", "-l", target], check=False)


# -- report --------------------------------------------------------------------------------------
def print_row(o: Outcome) -> None:
    verdict = "ok" if not o.failed else "FAIL"
    print(
        f"| {o.name} | {verdict} | {o.wall_gap:.2f} | {o.media_gap:.2f} | {o.decode_errors} | "
        f"{o.backsteps} | {o.cc_errors} | {'yes' if o.connected else 'NO'} | {o.before} → "
        f"{o.after} | {o.seconds:.0f} |",
        flush=True,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="the CI subset (≤ 3 min)")
    parser.add_argument("--only", help=f"comma-separated: {','.join(FAULTS)}")
    parser.add_argument("--json", type=Path, help="write the outcomes here")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    args = parser.parse_args(args_list)
    names = [n.strip() for n in args.only.split(",")] if args.only else list(FAULTS)
    unknown = [n for n in names if n not in FAULTS]
    if unknown:
        parser.error(f"unknown fault(s): {', '.join(unknown)}")
    if args.short and not args.only:
        names = [n for n in names if FAULTS[n].short]
    if os.environ.get(NS_ENV) != "1":
        enter_namespace(args_list)
    lo_up()
    ffmpeg = find_ffmpeg().path
    cache = Path(tempfile.gettempdir()) / "retrovue-soak"
    work = args.work or Path(tempfile.mkdtemp(prefix="retrovue-faults-"))
    work.mkdir(parents=True, exist_ok=True)
    lab = Lab(ffmpeg, build_library(ffmpeg, cache), work.resolve())
    started = time.monotonic()
    print(f"## faults ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}), {work}\n")
    print(
        "| fault | verdict | wall gap s | media gap s | decode errors | backsteps | CC errors "
        "| viewers stayed | server before → after | s |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---|---|---:|", flush=True)
    outcomes: list[Outcome] = []
    try:
        for name in names:
            outcome = run_fault(lab, name, FAULTS[name], args.short)
            outcomes.append(outcome)
            print_row(outcome)
    finally:
        cleanup_mounts(lab.work)
    print()
    for o in outcomes:
        for note in o.notes:
            print(f"- {o.name}: {note}")
        for failure in o.failed:
            print(f"- {o.name}: MISSED {failure}")
    failed = [o.name for o in outcomes if o.failed]
    print(
        f"\n({time.monotonic() - started:.0f} s) "
        + (f"FAILED: {', '.join(failed)}" if failed else "all faults within the targets")
    )
    if args.json:
        args.json.write_text(json.dumps([asdict(o) for o in outcomes], indent=1))
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

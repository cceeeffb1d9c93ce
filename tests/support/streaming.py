"""Helpers for the end-to-end streaming tests: configs, HTTP clients that time what they read,
what a viewer would see and hear in the bytes (ffprobe, PyAV), and the server's child processes.

Everything talks to 127.0.0.1 only and never signals a process it did not find under the server
it started itself.
"""

from __future__ import annotations

import array
import bisect
import collections
import contextlib
import http.client
import io
import itertools
import json
import os
import socket
import subprocess
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Self

import av

from hdhr_emulator.playout.ts.packets import PACKET_SIZE, PCR_HZ, read_pcr, wrap_delta
from tests.support.ts_analysis import TsReport, analyse

# A cheap stream shape: 2 cores must encode it many times faster than real time.
PROFILE = '[profile]\nresolution = "320x240"\nfps = 25\npreset = "ultrafast"\n'
FRAME = 1 / 25  # one video frame of the profile
AAC_FRAME = 1024 / 48000  # one AAC frame at 48 kHz
SLATE_RGB = (0x1C, 0x2A, 0x4A)  # the slate's background (playout/commands.py slate_command)


def write_config(path: Path, media: Path, channels: str, profile: str = PROFILE) -> Path:
    """A retrovue.toml serving ``media`` with ``channels`` ([[channel]] tables) in ``profile``.

    The guide covers one hour: slots of a few seconds make a 72 h guide tens of megabytes.
    """
    path.write_text(
        f'media = ["{media}"]\nhorizon_hours = 1\n{profile}\n{channels}', encoding="utf-8"
    )
    return path


def render_noisy_clip(ffmpeg: str, out: Path, seconds: float, tone_hz: int = 440) -> Path:
    """A clip whose picture is noise, so the channel's encoder really spends its bitrate
    (testsrc2 re-encodes to ~1.5 Mbit/s whatever the target): for buffers that must fill fast."""
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            ffmpeg,
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size=320x240:rate=25:duration={seconds},noise=alls=60:allf=t",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency={tone_hz}:sample_rate=48000:duration={seconds}",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-qp",
            "20",
            "-g",
            "25",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-ac",
            "2",
            "-shortest",
            str(out),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return out


# -- HTTP ------------------------------------------------------------------------------------
@dataclass
class Capture:
    """One HTTP response as a client saw it; times are seconds since the request was sent."""

    status: int
    headers: dict[str, str]  # lower-case names
    data: bytearray = field(default_factory=bytearray)
    sent_at: float = 0.0  # time.time() when the request went out
    first_byte: float | None = None
    elapsed: float = 0.0  # until the end of the body
    arrivals: list[tuple[float, int]] = field(default_factory=list)  # (time, bytes so far)
    cut: bool = False  # the connection was closed before the body's proper end

    @property
    def body(self) -> bytes:
        return bytes(self.data)


def fetch(
    port: int,
    path: str,
    *,
    method: str = "GET",
    timeout: float = 15.0,
    on_chunk: Callable[[Capture], bool | None] | None = None,
    stop: threading.Event | None = None,
) -> Capture:
    """Request ``path`` from 127.0.0.1:``port`` and read the whole body, timing every read.

    ``on_chunk`` runs after each read and may return True to stop reading (the connection is
    then closed, as a viewer changing channel does); ``stop`` does the same from another thread.
    """
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        start = time.monotonic()
        sent_at = time.time()
        conn.request(method, path)
        response = conn.getresponse()
        capture = Capture(
            response.status, {k.lower(): v for k, v in response.getheaders()}, sent_at=sent_at
        )
        while not (stop is not None and stop.is_set()):
            try:
                chunk = response.read1(1 << 16) if method != "HEAD" else b""
            except (http.client.IncompleteRead, ConnectionError):
                capture.cut = True  # the server closed mid-body (e.g. it was shut down)
                break
            if not chunk:
                break
            now = time.monotonic() - start
            if capture.first_byte is None:
                capture.first_byte = now
            capture.data += chunk
            capture.arrivals.append((now, len(capture.data)))
            if on_chunk is not None and on_chunk(capture):
                break
        capture.elapsed = time.monotonic() - start
        return capture
    finally:
        conn.close()


class BackgroundViewer:
    """A viewer reading a stream on a thread until :meth:`leave` (or the body ends)."""

    def __init__(self, port: int, path: str, timeout: float = 15.0):
        self._stop = threading.Event()
        self.capture: Capture | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(port, path, timeout), daemon=True)

    def _run(self, port: int, path: str, timeout: float) -> None:
        try:
            self.capture = fetch(
                port, path, timeout=timeout, stop=self._stop, on_chunk=self._progress
            )
        except Exception as exc:  # noqa: BLE001 - re-raised by wait(), not a thread crash
            self.error = exc

    def _progress(self, capture: Capture) -> None:
        self.capture = capture  # visible to received() while the body is still arriving

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.leave()

    def received(self) -> int:
        return len(self.capture.data) if self.capture else 0

    def leave(self, timeout: float = 15.0) -> Capture:
        """Close the connection now (a viewer changing channel) and return what it read."""
        self._stop.set()
        return self.wait(timeout)

    def wait(self, timeout: float = 15.0) -> Capture:
        """Wait for the body to end by itself (``?duration=``, or the server closing it)."""
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the viewer thread did not finish"
        if self.error is not None:
            raise self.error
        assert self.capture is not None
        return self.capture


def raw_request(
    port: int, request: bytes, *, timeout: float = 15.0
) -> tuple[str, dict[str, str], bytes]:
    """Send ``request`` verbatim over a plain socket and read until the server closes.

    Returns (status line, headers with lower-case names, body exactly as sent on the wire).
    """
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        raw = bytearray()
        while chunk := sock.recv(1 << 16):
            raw += chunk
    head, _, body = bytes(raw).partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


@contextlib.contextmanager
def stalled_viewer(port: int, path: str, rcvbuf: int = 4096) -> Iterator[socket.socket]:
    """A client that asks for a stream and then never reads (tiny receive buffer)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.settimeout(10)
        sock.connect(("127.0.0.1", port))
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        yield sock
    finally:
        sock.close()


def read_until_closed(sock: socket.socket, timeout: float) -> tuple[int, bool]:
    """Drain ``sock``; (bytes read, whether the server closed it within ``timeout``)."""
    deadline = time.monotonic() + timeout
    got = 0
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            chunk = sock.recv(1 << 16)
        except TimeoutError:
            return got, False
        except ConnectionResetError:
            return got, True
        if not chunk:
            return got, True
        got += len(chunk)
    return got, False


def wait_for(predicate: Callable[[], object], timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


# -- the guide -------------------------------------------------------------------------------
@dataclass(frozen=True)
class GuideEntry:
    start: float
    stop: float
    title: str
    sub_title: str


def guide_entries(port: int, channel_number: int) -> list[GuideEntry]:
    """The programmes the server's XMLTV guide lists for ``channel_number``."""
    body = fetch(port, "/xmltv.xml").body
    tv = ET.fromstring(body)
    ids = [
        c.get("id")
        for c in tv.iter("channel")
        if any(d.text == str(channel_number) for d in c.iter("display-name"))
    ]
    assert len(ids) == 1, f"channel {channel_number} not in the guide"
    stamp = "%Y%m%d%H%M%S %z"
    return [
        GuideEntry(
            datetime.strptime(p.get("start", ""), stamp).timestamp(),
            datetime.strptime(p.get("stop", ""), stamp).timestamp(),
            p.findtext("title") or "",
            p.findtext("sub-title") or "",
        )
        for p in tv.iter("programme")
        if p.get("channel") == ids[0]
    ]


# -- what the viewer sees and hears ---------------------------------------------------------------
def ffprobe_streams(ffprobe: str, data: bytes, scratch: Path) -> list[dict[str, object]]:
    scratch.write_bytes(data)
    done = subprocess.run(
        [
            ffprobe,
            "-v",
            "error",
            "-show_entries",
            "stream=codec_type,codec_name,width,height,sample_rate,channels",
            "-of",
            "json",
            str(scratch),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)["streams"]


def shape(streams: list[dict[str, object]]) -> list[tuple[object, ...]]:
    """(type, codec, size or rate/channels) of each stream, for one-line comparisons."""
    out: list[tuple[object, ...]] = []
    for s in streams:
        if s.get("codec_type") == "video":
            out.append(("video", s.get("codec_name"), s.get("width"), s.get("height")))
        elif s.get("codec_type") == "audio":
            out.append(
                ("audio", s.get("codec_name"), int(str(s.get("sample_rate"))), s.get("channels"))
            )
    return out


def _open_ts(data: bytes) -> Any:
    return av.open(io.BytesIO(data), format="mpegts")


def _decode(data: bytes, kind: str) -> Iterator[Any]:
    """Decoded frames of the first ``kind`` stream; a packet the decoder rejects yields its
    time in seconds instead (the tail of a capture can end in the middle of a frame)."""
    with _open_ts(data) as container:
        stream = next(s for s in container.streams if s.type == kind)
        for packet in container.demux(stream):
            try:
                yield from packet.decode()
            except av.error.InvalidDataError:
                yield float(packet.pts * packet.time_base) if packet.pts is not None else -1.0


def decodable_frames(data: bytes, kind: str) -> Iterator[tuple[Any, Any, Any]]:
    """(packet, frame, stream) for every frame of the first ``kind`` stream, skipping packets
    the decoder rejects (a capture that ends mid-frame)."""
    with _open_ts(data) as container:
        stream = next(s for s in container.streams if s.type == kind)
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.error.InvalidDataError:
                continue
            for frame in frames:
                yield packet, frame, stream


def corner_rgb(frame: Any) -> tuple[int, int, int]:
    """A picture's pixel (4, 4) as RGB: the test clips and cards are flat there."""
    plane = frame.reformat(format="rgb24").planes[0]
    at = 4 * plane.line_size + 4 * 3
    pixel = bytes(plane)[at : at + 3]
    return (pixel[0], pixel[1], pixel[2])


@dataclass(frozen=True)
class Video:
    sizes: collections.Counter[tuple[int, int]]  # decoded picture sizes
    corners: list[tuple[int, int, int]]  # each picture's pixel (4, 4), RGB
    errors: list[float]  # times of packets the decoder rejected


def decoded_video(data: bytes) -> Video:
    sizes: collections.Counter[tuple[int, int]] = collections.Counter()
    corners: list[tuple[int, int, int]] = []
    errors: list[float] = []
    for frame in _decode(data, "video"):
        if isinstance(frame, float):
            errors.append(frame)
            continue
        sizes[(frame.width, frame.height)] += 1
        corners.append(corner_rgb(frame))
    return Video(sizes, corners, errors)


@dataclass(frozen=True)
class Audio:
    rate: int
    channels: int
    samples: array.array  # the first channel, float
    errors: list[float]  # times of packets the decoder rejected

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


def decoded_audio(data: bytes) -> Audio:
    samples = array.array("f")
    rate = channels = 0
    errors: list[float] = []
    for frame in _decode(data, "audio"):
        if isinstance(frame, float):
            errors.append(frame)
            continue
        rate, channels = frame.sample_rate, len(frame.layout.channels)
        if frame.format.name != "fltp":  # AAC decodes to planar float
            raise AssertionError(f"unexpected sample format {frame.format.name}")
        samples.extend(array.array("f", bytes(frame.planes[0]))[: frame.samples])
    return Audio(rate, channels, samples, errors)


def assert_decodes(data: bytes, video: Video, audio: Audio) -> None:
    """Every packet decodes, except perhaps the very last ones (a capture ends mid-frame)."""
    ends = [s.end for s in analyse(data).streams.values()]  # the same 90 kHz clock as PyAV's
    last = min(ends) - 0.5 if ends else 0.0  # a PES holds several AAC frames
    bad = [t for t in video.errors + audio.errors if t < last]
    assert not bad, f"undecodable packets at {bad} s"


def frequency(audio: Audio, start: float, seconds: float) -> float:
    """The pitch of a sine in [start, start+seconds), from its zero crossings (0 = silence)."""
    s = audio.samples[int(start * audio.rate) : int((start + seconds) * audio.rate)]
    if len(s) < 2 or max(abs(min(s)), abs(max(s))) < 1e-3:
        return 0.0
    crossings = sum(1 for a, b in itertools.pairwise(s) if (a < 0) != (b < 0))
    return crossings / 2 / (len(s) / audio.rate)


def nearest_tone(hz: float, tones: dict[int, str], tolerance: float = 0.06) -> str | None:
    if hz <= 0:
        return "silence"
    best = min(tones, key=lambda t: abs(t - hz))
    return tones[best] if abs(best - hz) <= tolerance * best else None


def tone_sequence(
    audio: Audio, tones: dict[int, str], window: float = 0.2, steady: int = 1
) -> list[str]:
    """What is heard, window by window, with repeats and unclear windows (seams) dropped.

    ``steady`` > 1 counts a tone only once it is heard in that many windows in a row: a window
    that straddles a seam (a few ms of silence beside a tone) can read as a neighbouring tone.
    """
    out: list[str] = []
    run: tuple[str | None, int] = (None, 0)
    t = 0.0
    while t + window <= audio.seconds:
        label = nearest_tone(frequency(audio, t, window), tones)
        run = (label, run[1] + 1) if label == run[0] else (label, 1)
        if label is not None and run[1] >= steady and (not out or out[-1] != label):
            out.append(label)
        t += window
    return out


def longest_silence(audio: Audio, window: float = 0.05) -> float:
    best = run = 0.0
    t = 0.0
    while t + window <= audio.seconds:
        s = audio.samples[int(t * audio.rate) : int((t + window) * audio.rate)]
        quiet = max(abs(min(s)), abs(max(s))) < 1e-3
        run = run + window if quiet else 0.0
        best = max(best, run)
        t += window
    return best


def near(rgb: tuple[int, int, int], target: tuple[int, int, int], tolerance: int = 16) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(rgb, target, strict=True))


# -- the TS as a decoder sees it ---------------------------------------------------------------
def assert_continuous(
    report: TsReport, *, video_gap: float = FRAME + 0.001, audio_gap: float = AAC_FRAME + 0.005
) -> None:
    """One clean timeline: whole packets, no CC error, no flagged discontinuity, timestamps
    only forward, and no hole longer than ``video_gap`` / ``audio_gap`` between frames."""
    assert report.packets > 0 and report.sync_errors == 0 and report.trailing_bytes == 0
    assert report.cc_error_total == 0, f"continuity errors: {report.cc_errors}"
    assert report.discontinuity_flags == 0
    assert report.pcr_count > 0 and report.pcr_backsteps == 0
    video, audio = report.video, report.audio
    assert video is not None and audio is not None, f"streams: {report.streams}"
    for stream in (video, audio):
        assert stream.dts_backsteps == 0 and stream.dts_repeats == 0, stream
    assert abs(video.frame_duration - FRAME) < 1e-3, video
    assert video.max_gap <= video_gap, f"video hole of {video.max_gap:.3f} s"
    assert audio.max_gap <= audio_gap, f"audio hole of {audio.max_gap:.3f} s"


def pcr_lateness(capture: Capture) -> float:
    """How far behind real time the stream ever fell at this client: the largest
    (arrival time − media time) over all PCRs, both measured from the first PCR."""
    data = memoryview(capture.data)
    ends = [n for _, n in capture.arrivals]
    first: tuple[float, int] | None = None
    worst = float("-inf")
    for at in range(0, len(data) - len(data) % PACKET_SIZE, PACKET_SIZE):
        pcr = read_pcr(data, at)
        if pcr is None:
            continue
        arrived = capture.arrivals[bisect.bisect_right(ends, at)][0]
        if first is None:
            first = (arrived, pcr)
            continue
        media = wrap_delta(pcr // 300, first[1] // 300) * 300 / PCR_HZ
        worst = max(worst, (arrived - first[0]) - media)
    return worst


def largest_pause(capture: Capture) -> float:
    """The longest wait between two reads after the first byte."""
    times = [t for t, _ in capture.arrivals]
    return max((b - a for a, b in itertools.pairwise(times)), default=0.0)


# -- processes ---------------------------------------------------------------------------------
def descendants(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (from /proc/<pid>/task/*/children, recursively)."""
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found.append(child)
            found.extend(descendants(child))
    return found


def argv_of(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def ffmpeg_children(server_pid: int) -> dict[int, list[str]]:
    """The server's ffmpeg descendants: pid → argv."""
    out = {}
    for pid in descendants(server_pid):
        argv = argv_of(pid)
        if argv and os.path.basename(argv[0]).startswith("ffmpeg"):
            out[pid] = argv
    return out


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie awaiting its reaper does not count)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def bytes_written(pid: int) -> int | None:
    """How much ``pid`` has written so far (/proc/<pid>/io ``wchar``: ffmpeg's output, since
    it runs with ``-loglevel error`` and has nothing to say on stderr)."""
    try:
        text = Path(f"/proc/{pid}/io").read_text()
    except OSError:
        return None
    return next(
        (int(line.split()[1]) for line in text.splitlines() if line.startswith("wchar:")), None
    )

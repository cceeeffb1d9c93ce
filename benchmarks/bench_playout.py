"""Playout against a real ``retrovue serve``: ``python -m benchmarks.bench_playout``.

Builds a small 720p30 H.264/AAC test-pattern library with ffmpeg (three shows of 20–60 s
episodes, 10-s commercials, 3–5-s shorts and bumpers; cached under ``--work``), writes a TOML
lineup, starts the server on 127.0.0.1 (``tests/hdhr_emulator/server_process.running_server``: a
subprocess stopped by its pid) and measures, as HTTP clients on 127.0.0.1, what
docs/protocol/playout.md §9 sets targets for. Phases (``--only tunein,seams`` runs a subset):

  tunein   first viewer of a channel, a NEW session each time (--linger 0.5, and the harness
           waits for the server to log the stop): request → first body byte and → first video
           keyframe, p50/p95, for transcode 1280x720 veryfast (the default profile), transcode
           640x360 ultrafast, and copy; how that depends on the pre-roll before the join point;
           the media delivered in the first 1 s (burst)
  joins    later viewers joining a running session (GOP cache): 1, 10 and 50 at once
  seams    one transcode and one copy channel of 3–5 s items streamed at once across >= 10
           item boundaries: CC errors, timestamp gaps/backsteps, PCR interval, PAT rate; and,
           by ear (every clip has its own tone), whether items air in schedule order and on time
  cpu      (a fresh server) server + ffmpeg CPU seconds per media second, one channel per mode
  memory   (same server) server-only CPU and RSS with 1, 10 and 20 viewers on one channel
  slate    (a fresh server, last) a channel whose slots end with 0.4 s of slate padding

The default run takes about 5 minutes on 2 vCPUs, plus about a minute to render the library
the first time. Each server group ends with a health table: sessions whose stop never came,
ffmpeg processes left running after every viewer left, warnings in the server log.

Source GOP: library files are encoded with ``--source-gop`` frames per GOP (default 250, x264's
default keyint, as in typical library files: a keyframe every 8.3 s). Transcoded tune-in seeks
frame-accurately, so ffmpeg decodes and drops up to one source GOP; ``--source-gop 30`` is the
easy case of a keyframe every second.
"""

from __future__ import annotations

import argparse
import asyncio
import shlex
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks._playout_lab import (
    COPY,
    FPS,
    MODES,
    SEAM_C,
    SEAM_T,
    SLIVER_CH,
    T720,
    Aired,
    Bench,
    Server,
    Setup,
    build_library,
    fmt,
    library_clips,
    linear_fit,
    ms,
    pct,
    render_command,
    schedule_offsets,
    schedule_segments,
    table,
    verdict,
    write_config,
)
from benchmarks._proc_stats import LoadMeter, children_cpu, rss_bytes, sample
from benchmarks._stream_client import Capture, video_pts_index, watch
from benchmarks._tones import tone_runs
from hdhr_emulator.playout.ffmpeg_binary import find_ffmpeg
from hdhr_emulator.playout.ts.packets import is_keyframe_start
from tests.support.ts_analysis import analyse

PHASES = ("tunein", "joins", "seams", "cpu", "memory", "slate")
_PID_NAMES = {0x0000: "PAT", 0x0011: "SDT", 0x1000: "PMT", 0x0100: "V", 0x0101: "A"}


def start_of(body: bytes | bytearray) -> tuple[bool, str]:
    """Whether a decoder can start at byte 0 (PAT and PMT before the first video packet, which
    starts a keyframe), and the packets up to that video packet, e.g. "SDT,PAT,PMT,IDR"."""
    names = []
    seen: set[str] = set()
    for at in range(0, min(len(body), 32 * 188) - 187, 188):
        name = _PID_NAMES.get(((body[at + 1] & 0x1F) << 8) | body[at + 2], "other")
        if name == "V":
            keyframe = is_keyframe_start(body, at)
            names.append("IDR" if keyframe else "V(not a keyframe)")
            return keyframe and {"PAT", "PMT"} <= seen, ",".join(names)
        names.append(name)
        seen.add(name)
    return False, ",".join(names) or "nothing"


def tally(labels: Sequence[str]) -> str:
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    return "; ".join(
        label + (f" ×{n}" if len(counts) > 1 else "")
        for label, n in sorted(counts.items(), key=lambda x: -x[1])
    )


def media_within(capture: Capture, since: float, seconds: float) -> tuple[float, float]:
    """Seconds of (video, audio) in what arrived by ``since + seconds`` (PTS span + 1 frame)."""
    data = bytes(capture.body[: capture.bytes_by(since + seconds)])
    if not data:
        return 0.0, 0.0
    report = analyse(data)
    return (
        report.video.duration if report.video else 0.0,
        report.audio.duration if report.audio else 0.0,
    )


def forever(capture: Capture, now: float) -> bool:
    return False


def load_note(meter: LoadMeter, bench: Bench) -> str:
    cores = meter.foreign_cores(bench.server.pid)
    if cores is None:
        return "Other processes' CPU during this phase: not measured (the server was restarted)."
    flag = " **(a busy machine: these numbers are disturbed)**" if cores > 0.15 else ""
    return f"Other processes on this machine used {cores:.2f} cores during this phase{flag}."


# -- 1 + 3. first viewer: tune-in and burst --------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Tune:
    mode: str
    channel: int
    wall: float  # time.time() at the request
    first_byte: float  # ms from the request
    first_idr: float  # ms
    clean_start: bool  # PAT and PMT before the first video packet, which is a keyframe
    start_label: str
    idr_in_first_read: bool
    video_1s: float  # media s received within 1 s of the request
    audio_1s: float
    video_1s_from_first_byte: float
    new_session: bool
    stopped: bool  # the server logged the session's stop after the viewer left
    error: str | None


async def first_viewer_tunes(
    bench: Bench, mode: str, channels: Sequence[int], n: int, window: float = 1.0
) -> list[Tune]:
    tunes = []
    for i in range(n):
        channel = channels[i % len(channels)]
        await asyncio.sleep(0.3)  # let the previous session's ffmpeg exit before timing a new one
        server = bench.server
        before = server.started(channel)

        def done(c: Capture, now: float) -> bool:
            return now - c.started >= window + 0.05 and c.first_idr_at is not None

        wall = time.time()
        capture = await watch(server.port, f"/auto/v{channel}", done, within=15)
        new_session = server.started(channel) >= before + 1
        stopped = await bench.settle(channel)
        if not stopped:  # a fresh server: warm it up again
            await first_viewer_tunes(bench, "warm-up", channels, 1)
        first = capture.first_byte_at
        video, audio = media_within(capture, capture.started, window)
        idr_first = bool(capture.times) and capture.first_idr_at == capture.times[0]
        tunes.append(
            Tune(
                mode,
                channel,
                wall,
                ms(first and first - capture.started),
                ms(capture.first_idr_at and capture.first_idr_at - capture.started),
                *start_of(capture.body),
                idr_first,
                video,
                audio,
                media_within(capture, first, window)[0] if first else 0.0,
                new_session,
                stopped,
                capture.error,
            )
        )
    return tunes


async def phase_tunein(bench: Bench, n: int, gop: int) -> None:
    setup = bench.setup
    await first_viewer_tunes(bench, "warm-up", T720, 1)  # discarded: first request after start
    meter = LoadMeter(bench.server.pid)
    results = {mode: await first_viewer_tunes(bench, mode, channels, n) for mode, channels in MODES}
    rows = []
    for mode, tunes in results.items():
        fb = [t.first_byte for t in tunes]
        idr = [t.first_idr for t in tunes]
        if mode == "copy":
            (p50t, p95t), label, metric = (150, 300), "first byte ≤150 / ≤300", fb
        else:
            (p50t, p95t), label, metric = (350, 600), "first IDR ≤350 / ≤600 (snapped)", idr
        rows.append(
            [
                mode,
                len(tunes),
                fmt(pct(fb, 0.5)),
                fmt(pct(fb, 0.95)),
                fmt(pct(fb, 1)),
                fmt(pct(idr, 0.5)),
                fmt(pct(idr, 0.95)),
                fmt(pct(idr, 1)),
                (
                    f"{sum(t.clean_start for t in tunes)}/{len(tunes)} "
                    f"({tally([t.start_label for t in tunes])})"
                ),
                f"{sum(t.idr_in_first_read for t in tunes)}/{len(tunes)}",
                f"{sum(t.new_session for t in tunes)}/{len(tunes)}",
                f"{sum(not t.stopped for t in tunes)}",
                label,
                verdict(pct(metric, 0.5) <= p50t and pct(metric, 0.95) <= p95t),
            ]
        )
    errors = [
        f"{t.mode} ch{t.channel}: {t.error}" for ts in results.values() for t in ts if t.error
    ]
    table(
        "1. Tune-in, first viewer (a new session each time), ms from the request",
        [
            "mode",
            "N",
            "first byte p50",
            "p95",
            "max",
            "first IDR p50",
            "p95",
            "max",
            "decodable start (first packets)",
            "IDR in first read",
            "new session",
            "stop never logged",
            "§9 target p50/p95",
            "verdict",
        ],
        rows,
        [
            (
                "Each tune: GET /auto/v<ch> on a channel with no session, read until ≥ 1.05 s and "
                "the first keyframe, close, wait for the server to log the stop (--linger 0.5). "
                f"Channels rotate over {len(T720)} per mode; one discarded warm-up tune first. "
                "'new session': the server logged a tuner start for the request. "
                "'stop never logged': the session did not stop within 4 s of the viewer leaving; "
                "the harness then restarts the server (and warms it up) so that the leftover "
                "session does not skew the next tunes."
            ),
            load_note(meter, bench),
        ]
        + [f"Client errors: {'; '.join(errors)}"] * bool(errors),
    )
    gop_seconds = gop / FPS
    rows = []
    for mode, tunes in results.items():
        offsets = schedule_offsets(setup, [(t.channel, t.wall) for t in tunes])
        preroll = [offset % gop_seconds for offset in offsets]
        idr = [t.first_idr for t in tunes]
        slope, intercept = linear_fit(preroll, idr)
        rows.append(
            [
                mode,
                fmt(pct(preroll, 0.5), 1),
                fmt(max(preroll), 1),
                fmt(intercept),
                fmt(slope),
                ", ".join(f"{p:.1f}→{i:.0f}" for p, i in zip(preroll, idr, strict=True)),
            ]
        )
    table(
        f"1b. First IDR vs the pre-roll before the join point (source GOP {gop_seconds:.2f} s)",
        [
            "mode",
            "pre-roll p50 s",
            "max s",
            "fit: first IDR at 0 s pre-roll, ms",
            "fit: ms per s of pre-roll",
            "each tune: pre-roll s → first IDR ms",
        ],
        rows,
        [
            (
                "Pre-roll = the position in the item at the request − the source keyframe before "
                "it (library keyframes fall every --source-gop frames from each file's start; the "
                "position is read from the server's schedule). Transcode seeks frame-accurately, "
                "so ffmpeg decodes and drops the pre-roll; copy starts at the keyframe before. "
                "The intercept estimates a keyframe-snapped transcode join (§4.2)."
            )
        ],
    )
    rows = []
    for mode, tunes in results.items():
        v = [t.video_1s for t in tunes]
        rows.append(
            [
                mode,
                len(tunes),
                fmt(pct(v, 0.5), 2),
                fmt(min(v), 2),
                fmt(max(v), 2),
                fmt(pct([t.audio_1s for t in tunes], 0.5), 2),
                fmt(pct([t.video_1s_from_first_byte for t in tunes], 0.5), 2),
                "≥ 3.0 s",
                verdict(min(v) >= 3.0),
            ]
        )
    table(
        "3. Media delivered in the first 1 s after tune-in (burst), seconds",
        [
            "mode",
            "N",
            "video p50",
            "min",
            "max",
            "audio p50",
            "video p50 within 1 s of 1st byte",
            "§9 target",
            "verdict (every tune)",
        ],
        rows,
        [
            (
                "Media = PTS span (+1 frame) of the video (audio) frames received within 1.000 s "
                "of the request; the same tunes as table 1."
            )
        ],
    )


# -- 2. later viewers: GOP cache ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Join:
    headers: float  # ms
    first_byte: float
    first_idr: float
    clean_start: bool
    start_label: str
    burst_kib: float  # received within 100 ms of the first byte
    error: str | None


async def joins(server: Server, channel: int, k: int) -> list[Join]:
    def done(c: Capture, now: float) -> bool:
        first = c.first_byte_at
        return c.first_idr_at is not None and first is not None and now - first >= 0.1

    captures = await asyncio.gather(
        *(watch(server.port, f"/auto/v{channel}", done, within=12) for _ in range(k))
    )
    return [
        Join(
            ms(c.headers_at and c.headers_at - c.started),
            ms(c.first_byte_at and c.first_byte_at - c.started),
            ms(c.first_idr_at and c.first_idr_at - c.started),
            *start_of(c.body),
            c.bytes_by(c.first_byte_at + 0.1) / 1024 if c.first_byte_at else 0.0,
            c.error,
        )
        for c in captures
    ]


async def phase_joins(bench: Bench) -> None:
    meter = LoadMeter(bench.server.pid)
    rows = []
    for k in (1, 50):  # the HTTP stack alone: HEAD answers without a tuner or a body
        heads: list[float] = []
        for _ in range(10 if k == 1 else 2):
            captures = await asyncio.gather(
                *(
                    watch(bench.server.port, f"/auto/v{T720[0]}", forever, within=5, method="HEAD")
                    for _ in range(k)
                )
            )
            heads += [ms(c.headers_at and c.headers_at - c.started) for c in captures]
            await asyncio.sleep(0.2)
        rows.append(
            [
                f"baseline: HEAD /auto/v{T720[0]}",
                k,
                len(heads),
                fmt(pct(heads, 0.5), 1),
                fmt(pct(heads, 0.95), 1),
                *[""] * 10,
            ]
        )
    for mode, channel in (("transcode 1280x720 veryfast", T720[0]), ("copy", COPY[0])):
        server = bench.server
        stop = asyncio.Event()
        primary = asyncio.create_task(
            watch(server.port, f"/auto/v{channel}", forever, keep=False, within=600, stop=stop)
        )
        await asyncio.sleep(5.0)  # past the burst: a steady running session
        for k, rounds in ((1, 10), (10, 5), (50, 4)):
            results: list[Join] = []
            for _ in range(rounds):
                results += await joins(server, channel, k)
                await asyncio.sleep(0.5)
            fb = [j.first_byte for j in results]
            idr = [j.first_idr for j in results]
            rows.append(
                [
                    mode,
                    k,
                    len(results),
                    fmt(pct([j.headers for j in results], 0.5), 1),
                    fmt(pct(fb, 0.5), 1),
                    fmt(pct(fb, 0.95), 1),
                    fmt(pct(fb, 1), 1),
                    fmt(pct(idr, 0.5), 1),
                    fmt(pct(idr, 0.95), 1),
                    fmt(pct(idr, 1), 1),
                    (
                        f"{sum(j.clean_start for j in results)}/{len(results)} "
                        f"({tally([j.start_label for j in results])})"
                    ),
                    fmt(statistics.median(j.burst_kib for j in results), 0),
                    sum(1 for j in results if j.error),
                    "≤20 / ≤100" if k == 50 else "",
                    verdict(pct(fb, 0.5) <= 20 and pct(fb, 0.95) <= 100) if k == 50 else "–",
                ]
            )
        stop.set()
        capture = await primary
        await bench.settle(channel)
        if capture.error:
            rows.append([mode, "primary viewer", capture.error, *[""] * 12])
    table(
        "2. Tune-in, later viewers joining a running session (GOP cache), ms from the request",
        [
            "mode",
            "joining at once",
            "samples",
            "headers p50",
            "first byte p50",
            "p95",
            "max",
            "first IDR p50",
            "p95",
            "max",
            "decodable start (first packets)",
            "KiB in 1st 100 ms (median)",
            "client errors",
            "§9 target p50/p95 (50 joins)",
            "verdict",
        ],
        rows,
        [
            (
                "One primary viewer keeps the session running; from 5 s on, K viewers connect at "
                "once (K=1: 10 rounds, K=10: 5, K=50: 4) and read until their first keyframe and "
                "100 ms. The clients run in the benchmark process, on the same 2 vCPUs as the "
                "server. The baseline rows time HEAD requests (headers p50, p95), which the "
                "server answers without a tuner or a body: the HTTP stack and client cost alone."
            ),
            load_note(meter, bench),
        ],
    )


# -- 4. seams and schedule drift -------------------------------------------------------------------
def lead_series(capture: Capture) -> list[tuple[float, float]]:
    """(wall s since the first byte, media s received − that wall time) at each read."""
    index = video_pts_index(capture.body)
    first = capture.first_byte_at or capture.started
    return [
        (t - first, index.media_by(n) - (t - first))
        for t, n in zip(capture.times, capture.totals, strict=True)
    ]


def seam_timing(
    setup: Setup,
    capture: Capture,
    aired: list[Aired],
    origin: float,
) -> tuple[str, list[float], float, str]:
    """Compare the items heard in the capture with the schedule.

    Returns (verdict on the order, seam errors in s relative to the first seam, media time of
    the first seam − its schedule time after ``origin``, what was heard).
    """
    candidates = {
        label: hz
        for path, (label, hz) in setup.labels().items()
        if "/Shorts/" in path or "/Bumpers/" in path
    }
    runs = tone_runs(setup.ffmpeg, bytes(capture.body), candidates)
    heard = [r.label for r in runs]
    expected = [a.label for a in aired]
    note = "heard: " + ", ".join(f"{r.label} {r.start:.2f}–{r.end:.2f}" for r in runs)
    n = min(len(heard), len(expected))  # the capture ends mid-item
    if heard[:n] != expected[:n]:
        differs = f"**order differs** (schedule: {', '.join(expected[: n + 1])})"
        return differs, [], float("nan"), note
    heard_seams = [r.start for r in runs[1:n]]
    expected_seams = [a.start - origin for a in aired[1:n]]
    if not heard_seams:
        return "ok (no seam)", [], float("nan"), note
    offset = heard_seams[0] - expected_seams[0]
    errors = [(h - e) - offset for h, e in zip(heard_seams, expected_seams, strict=True)]
    return f"ok ({n} items)", errors, offset, note


async def phase_seams(bench: Bench, seconds: float, save: bool) -> None:
    server, setup = bench.server, bench.setup
    meter = LoadMeter(server.pid)
    wall0 = time.time()

    def until(c: Capture, now: float) -> bool:
        return now - c.started >= seconds

    captures = await asyncio.gather(
        *(watch(server.port, f"/auto/v{ch}", until, within=seconds + 15) for ch in (SEAM_T, SEAM_C))
    )
    load = load_note(meter, bench)
    await bench.settle(SEAM_T, SEAM_C)
    rows, timing_rows, details = [], [], []
    for mode, channel, capture in zip(
        ("transcode 1280x720", "copy"), (SEAM_T, SEAM_C), captures, strict=True
    ):
        if save:
            saved = setup.data_dir.parent / f"seams-ch{channel}.ts"
            saved.write_bytes(capture.body)
            details.append(f"ch{channel} capture saved to {saved}")
        report = analyse(bytes(capture.body))
        video, audio = report.video, report.audio
        media = video.duration if video else 0.0
        aired = schedule_segments(setup, channel, wall0, wall0 + media)
        frame = video.frame_duration if video else 0.0
        checks = {
            "CC": report.cc_error_total == 0,
            "monotonic": bool(
                video
                and audio
                and not video.dts_backsteps
                and not audio.dts_backsteps
                and not video.dts_repeats
                and not report.pcr_backsteps
            ),
            "video gap": bool(video and video.max_gap <= frame + 1e-4),
            "audio gap": bool(audio and audio.max_gap <= 0.0214),
            "PCR ≤ 40 ms": report.pcr_max_interval <= 0.040,
            "PAT ≥ 10/s": media > 0 and report.pat_count / media >= 10,
        }
        rows.append(
            [
                mode,
                fmt(media, 1),
                max(0, len(aired) - 1),
                report.cc_error_total,
                report.discontinuity_flags,
                fmt(ms(video.max_gap), 1) if video else "–",
                fmt(ms(audio.max_gap), 1) if audio else "–",
                fmt(ms(video.max_step), 1) if video else "–",
                f"{video.dts_backsteps}/{video.dts_repeats}" if video else "–",
                audio.dts_backsteps if audio else "–",
                report.pcr_backsteps,
                fmt(ms(report.pcr_max_interval), 1),
                fmt(report.pat_count / media, 1) if media else "–",
                ", ".join(k for k, ok in checks.items() if not ok) or "none",
            ]
        )
        leads = lead_series(capture)
        steady = [lead for t, lead in leads if t >= 5.0]
        ref = steady[0] if steady else float("nan")
        end = leads[-1][1] if leads else float("nan")
        wall = (capture.times[-1] - capture.first_byte_at) if capture.first_byte_at else 0.0
        order, errors, offset, heard = seam_timing(setup, capture, aired, wall0)
        timing_rows.append(
            [
                mode,
                order,
                len(errors),
                fmt(ms(offset), 0),
                fmt(ms(max(errors, key=abs)), 0) if errors else "–",
                fmt(ms(errors[-1]), 0) if errors else "–",
                fmt(ref, 2),
                fmt(min(steady) if steady else float("nan"), 2),
                fmt(end, 2),
                fmt(ms(end - ref), 0),
                fmt(wall, 1),
            ]
        )
        details.append(
            f"ch{channel} ({mode}) schedule (s from the request + duration): "
            + ", ".join(f"{a.label} {a.start - wall0:+.2f}+{a.duration:g}" for a in aired)
        )
        details.append(f"ch{channel} ({mode}) {heard}")
        if capture.error:
            details.append(f"ch{channel} client error: {capture.error}")
    table(
        f"4. Seams: {seconds:g} s of a channel of 3–5 s items (shorts + bumpers), from tune-in",
        [
            "mode",
            "media s",
            "item boundaries",
            "CC errors",
            "discontinuity flags",
            "max video gap ms",
            "max audio gap ms",
            "max video DTS step ms",
            "video DTS backsteps/repeats",
            "audio DTS backsteps",
            "PCR backsteps",
            "PCR max interval ms",
            "PAT per s",
            "§9 checks missed",
        ],
        rows,
        [
            (
                "Both channels streamed at once; item boundaries from the server's schedule "
                "(slate padding counts as an item). Gaps are holes beyond one frame between "
                "consecutive frames in presentation order. §9: 0 CC errors; PTS/DTS/PCR "
                "monotonic; video gap ≤ 1 frame; audio gap ≤ 1 AAC frame (21 ms); PCR ≤ 40 ms (at "
                "least ≤ 100 ms); PAT ≥ 10/s."
            ),
            load,
        ],
    )
    table(
        "4b. Schedule drift: the items heard in the stream vs the schedule; media vs wall time",
        [
            "mode",
            "items in schedule order",
            "seams timed",
            "first seam vs schedule ms",
            "worst seam error ms",
            "last seam error ms",
            "lead at 5 s",
            "min lead after 5 s",
            "lead at end",
            "lead change ms (end − 5 s)",
            "wall s",
        ],
        timing_rows,
        [
            (
                "Every clip has its own tone: the audio is decoded (8 kHz, timestamp gaps filled) "
                "and each 20 ms labelled with the loudest tone or silence (the slate). Seam "
                "error = (media time of the seam − of the first seam) − (schedule time of the "
                "seam − of the first seam): the stream's drift against the schedule, ±20 ms "
                "resolution. 'first seam vs schedule' = media time of the first seam − (its "
                "schedule time − the wall time of the request); for copy it includes the join at "
                "the keyframe before. lead = media s received − wall s since the first byte (the "
                "pacer keeps 3.0 s); its change is media time elapsed − wall time elapsed. §9: "
                "drift < 0.5 s after 24 h."
            ),
            *details,
        ],
    )


# -- 5 + 6. CPU and memory -------------------------------------------------------------------------
def media_between(capture: Capture, t0: float, t1: float) -> float:
    index = video_pts_index(capture.body)
    return index.media_by(capture.bytes_by(t1)) - index.media_by(capture.bytes_by(t0))


async def channel_cpu(
    bench: Bench,
    channel: int,
    warm: float,
    window: float,
) -> dict[str, float]:
    await asyncio.sleep(0.5)
    server = bench.server
    background = server.ffmpeg_children()
    stop = asyncio.Event()
    viewer = asyncio.create_task(
        watch(server.port, f"/auto/v{channel}", forever, within=warm + window + 30, stop=stop)
    )
    await asyncio.sleep(warm)
    a, ta = sample(server.pid), time.perf_counter()
    await asyncio.sleep(window)
    b, tb = sample(server.pid), time.perf_counter()
    ffmpeg_rss = sum(rss_bytes(pid) for pid in b.live) / 2**20
    stop.set()
    capture = await viewer
    await bench.settle(channel)
    return {
        "wall": tb - ta,
        "media": media_between(capture, ta, tb),
        "own": b.own - a.own,
        "kids": children_cpu(a, b),
        "background": background,
        "mbit": (capture.bytes_by(tb) - capture.bytes_by(ta)) * 8 / (tb - ta) / 1e6,
        "ffmpeg_rss": ffmpeg_rss,
        "ffmpegs": len(b.live),
    }


async def phase_cpu(bench: Bench, warm: float, window: float) -> None:
    meter = LoadMeter(bench.server.pid)
    targets = {
        "transcode 1280x720 veryfast": 0.85,
        "transcode 640x360 ultrafast": 0.4,
        "copy": 0.03,
    }
    rows = []
    for mode, channels in MODES:
        r = await channel_cpu(bench, channels[0], warm, window)
        media = r["media"] or float("nan")
        total = r["own"] + r["kids"]
        rows.append(
            [
                mode,
                fmt(r["wall"], 1),
                fmt(r["media"], 2),
                fmt(r["mbit"], 2),
                fmt(r["kids"] / media, 3),
                fmt(r["own"] / media, 3),
                fmt(total / media, 3),
                fmt(total / r["wall"], 3),
                f"{r['ffmpegs']:.0f} / {r['ffmpeg_rss']:.0f}",
                f"{r['background']:.0f}",
                f"≤ {targets[mode]}",
                verdict(total / media <= targets[mode]),
            ]
        )
    table(
        "5. CPU per channel (1 viewer), CPU-seconds per media second",
        [
            "mode",
            "window s",
            "media s in window",
            "Mbit/s",
            "ffmpeg",
            "server (Python)",
            "total",
            "cores (total / wall)",
            "ffmpegs at end / their RSS MiB",
            "ffmpegs already running",
            "§9 target",
            "verdict",
        ],
        rows,
        [
            (
                f"One viewer; the window starts {warm:g} s after tune-in (past the burst). ffmpeg "
                "CPU = children reaped during the window (the server's cutime+cstime) + live "
                "children's utime+stime at the end − at the start. Targets: copy ≤ 0.03 cores; "
                "transcode 720p veryfast ≤ 0.85 (a 1080p source; ours is 720p, so expect less); "
                "ultrafast ≤ 0.4 (720p output; ours is 360p). 'already running' counts ffmpegs of "
                "other sessions (a leak would inflate the ffmpeg column)."
            ),
            load_note(meter, bench),
        ],
    )


async def phase_memory(bench: Bench, warm: float, window: float) -> None:
    channel = COPY[0]
    await asyncio.sleep(0.5)
    server = bench.server
    meter = LoadMeter(server.pid)
    idle = sample(server.pid)
    stop = asyncio.Event()
    tasks: list[asyncio.Task[Capture]] = []
    measured: dict[int, tuple[float, int]] = {}  # viewers -> (server CPU cores, peak RSS)
    first_window: tuple[float, float] = (0.0, 0.0)
    for count in (1, 10, 20):
        while len(tasks) < count:
            tasks.append(
                asyncio.create_task(
                    watch(
                        server.port,
                        f"/auto/v{channel}",
                        forever,
                        keep=not tasks,
                        within=600,
                        stop=stop,
                    )
                )
            )
        await asyncio.sleep(warm if count == 1 else 3.0)
        a, ta = sample(server.pid), time.perf_counter()
        peak = a.rss
        for _ in range(int(window * 4)):
            await asyncio.sleep(0.25)
            peak = max(peak, rss_bytes(server.pid))
        b, tb = sample(server.pid), time.perf_counter()
        measured[count] = ((b.own - a.own) / (tb - ta), max(peak, b.rss))
        if count == 1:
            first_window = (ta, tb)
    stop.set()
    captures = await asyncio.gather(*tasks)
    await bench.settle(channel)
    first = captures[0]
    mbit = (
        (first.bytes_by(first_window[1]) - first.bytes_by(first_window[0]))
        * 8
        / (first_window[1] - first_window[0])
        / 1e6
    )
    errors = [c.error for c in captures if c.error]
    base_cpu, base_rss = measured[1]
    rows = []
    for count, (cpu, rss) in measured.items():
        extra = count - 1
        per_viewer = (cpu - base_cpu) / extra if extra else float("nan")
        at6 = per_viewer * 6 / mbit if mbit else float("nan")
        rss_per = (rss - base_rss) / extra / 2**20 if extra else float("nan")
        rows.append(
            [
                count,
                fmt(cpu * 100, 2),
                fmt(per_viewer * 100, 3),
                fmt(at6 * 100, 3),
                fmt(rss / 2**20, 1),
                fmt(rss_per, 2),
                "≤ 0.15 % at 6 Mbit/s; ≤ 32 MB" if extra else "",
                verdict(at6 * 100 <= 0.15 and rss_per <= 32) if extra else "–",
            ]
        )
    table(
        f"5b + 6. Python side: server CPU and RSS vs viewers on one copy channel "
        f"({mbit:.2f} Mbit/s)",
        [
            "viewers",
            "server CPU % of a core",
            "per extra viewer %",
            "per viewer % at 6 Mbit/s",
            "server RSS MiB (peak)",
            "RSS per extra viewer MiB",
            "§9 target per client",
            "verdict",
        ],
        rows,
        [
            (
                "Server process only (utime+stime and VmRSS of the Python process, not ffmpeg), "
                f"{window:g}-s windows; viewers join the running session (1 → 10 → 20). Idle "
                f"server before the first tune: RSS {idle.rss / 2**20:.1f} MiB. Client errors: "
                f"{len(errors)}{' (' + '; '.join(errors[:3]) + ')' if errors else ''}."
            ),
            load_note(meter, bench),
        ],
    )


# -- 7. slate padding shorter than half a second ---------------------------------------------------
async def phase_slate(bench: Bench, seconds: float = 16.0) -> None:
    """Stream a channel whose every 8-s slot ends with 0.4 s of slate; is the server still up?"""
    server, setup = bench.server, bench.setup
    wall0 = time.time()
    stop = asyncio.Event()
    viewer = asyncio.create_task(
        watch(server.port, f"/auto/v{SLIVER_CH}", forever, within=seconds, stop=stop)
    )
    a = sample(server.pid)
    await asyncio.sleep(seconds)
    b = sample(server.pid)

    def probe() -> str:
        began = time.perf_counter()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/xmltv.xml", timeout=3):
                return f"answered in {ms(time.perf_counter() - began):.0f} ms"
        except (OSError, TimeoutError) as exc:
            return f"**no answer in 3 s** ({type(exc).__name__})"

    answer = await asyncio.to_thread(probe)
    stop.set()
    capture = await viewer
    media = video_pts_index(capture.body).media_by(len(capture.body))
    quiet = seconds - (capture.times[-1] - capture.started) if capture.times else seconds
    aired = schedule_segments(setup, SLIVER_CH, wall0, wall0 + seconds + 4)
    alive = quiet < 2.0 and answer.startswith("answered")
    table(
        "7. Slot padding: a 0.4-s slate segment on a transcode channel",
        [
            "streamed s",
            "media received s",
            "no data for the last s",
            "server CPU (cores)",
            "GET /xmltv.xml afterwards",
            "verdict",
        ],
        [
            [
                fmt(seconds, 0),
                fmt(media, 1),
                fmt(quiet, 1),
                fmt((b.own - a.own) / seconds, 2),
                answer,
                "ok" if alive else "**server hung**",
            ]
        ],
        [
            "Slots are padded to whole seconds with the slate; this channel's slots are "
            "4.6 s + 3 s of items + 0.4 s of slate. Schedule (s from the request): "
            + ", ".join(f"{x.label} {x.start - wall0:+.1f}" for x in aired)
        ],
    )


# -- main ------------------------------------------------------------------------------------------
def health(bench: Bench, group: Sequence[str]) -> None:
    time.sleep(bench.linger + 1.0)
    server = bench.server
    lost = bench.lost
    problems = [p for s in bench.servers for p in s.problems()]
    table(
        f"Server health after {', '.join(group)}",
        [
            "sessions whose stop never came",
            "server restarts",
            "ffmpeg processes left with no viewer",
            "server RSS MiB",
            "log warnings/errors",
        ],
        [
            [
                f"{sum(lost.values())}" + (f" (channels {sorted(lost)})" if lost else ""),
                len(bench.servers) - 1,
                server.ffmpeg_children(),
                fmt(rss_bytes(server.pid) / 2**20, 1),
                "<br>".join(problems) or "none",
            ]
        ],
        ["Log(s): " + ", ".join(str(s.running.log_path) for s in bench.servers)],
    )


async def run_group(bench: Bench, group: Sequence[str], args: argparse.Namespace) -> None:
    if "tunein" in group:
        await phase_tunein(bench, args.tunes, args.source_gop)
    if "joins" in group:
        await phase_joins(bench)
    if "seams" in group:
        await phase_seams(bench, args.seam_seconds, args.save_captures)
    if "cpu" in group:
        await phase_cpu(bench, 6.0, args.cpu_seconds)
    if "memory" in group:
        await phase_memory(bench, 5.0, args.memory_seconds)
    if "slate" in group:
        await phase_slate(bench)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--work",
        type=Path,
        default=Path(tempfile.gettempdir()) / "retrovue-bench-playout",
        help="library, lineup, server data and logs (reused between runs)",
    )
    parser.add_argument(
        "--only",
        default=",".join(PHASES),
        help=f"comma-separated phases (default: all): {','.join(PHASES)}",
    )
    parser.add_argument("--tunes", type=int, default=10, help="first-viewer tunes per mode")
    parser.add_argument("--seam-seconds", type=float, default=45.0)
    parser.add_argument("--cpu-seconds", type=float, default=20.0, help="CPU window per channel")
    parser.add_argument("--memory-seconds", type=float, default=8.0, help="window per viewer count")
    parser.add_argument(
        "--source-gop",
        type=int,
        default=250,
        help="frames per GOP of the library files (default 250: 8.3 s)",
    )
    parser.add_argument("--linger", type=float, default=0.5)
    parser.add_argument("--tuners", type=int, default=4)
    parser.add_argument(
        "--save-captures",
        action="store_true",
        help="write the seam streams as .ts files beside the server log",
    )
    args = parser.parse_args(argv)
    phases = [p.strip() for p in args.only.split(",") if p.strip()]
    if set(phases) - set(PHASES):
        parser.error(f"unknown phase(s): {', '.join(sorted(set(phases) - set(PHASES)))}")

    started = time.perf_counter()
    ffmpeg = find_ffmpeg()
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    library = build_library(ffmpeg.path, work, args.source_gop)
    run_dir = work / f"run-{library.name}"  # a changed lineup would start a new schedule era
    run_dir.mkdir(exist_ok=True)
    setup = Setup(
        ffmpeg.path, library, write_config(run_dir / "bench.toml", library), run_dir / "data"
    )
    example = render_command("ffmpeg", Path("OUT.mp4"), library_clips()[0].spec, args.source_gop)
    command = shlex.join(["python", "-m", "benchmarks.bench_playout", *sys.argv[1:]])
    print(
        f"## bench_playout ({time.strftime('%Y-%m-%d %H:%M')}, ffmpeg {ffmpeg.version}, "
        f"Python {sys.version.split()[0]})\n"
    )
    print(f"- benchmark: `{command}`")
    print(
        f"- library: {len(library_clips())} clips in {library}, rendered like "
        f"`{shlex.join(example)}`"
    )
    print(f"- lineup: {setup.config}; server data and logs in {run_dir}")
    groups = [
        [p for p in phases if p in ("tunein", "joins", "seams")],
        [p for p in phases if p in ("cpu", "memory")],
        [p for p in phases if p == "slate"],
    ]  # last: it may leave the server hung
    for group in groups:
        if not group:
            continue
        with Bench(setup, args.linger, args.tuners) as bench:
            print(
                f"- server for {', '.join(group)}: `{bench.server.command}` "
                f"(pid {bench.server.pid})"
            )
            asyncio.run(run_group(bench, group, args))
            health(bench, group)
    print(f"\n(total {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()

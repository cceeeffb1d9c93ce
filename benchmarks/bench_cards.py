"""What up-next cards cost: ``python -m benchmarks.bench_cards``.

1. **Render time per card**: ``--renders`` distinct cards (different titles) rendered one after
   another by :class:`CardRenderer` into a fresh cache, per profile (1280x720 at 29.97, the
   default, and 640x360 at 25); wall time and ffmpeg's CPU time per card (min / median / max,
   ms), and the same cards again from the disk cache (a new renderer: no ffmpeg).
2. **Seams with and without cards**: a real session in this process (real ffmpeg, the real
   splicer and pacer, one viewer) plays ``--seconds`` of a hand-built loop of two 3-s tone clips,
   transcoded to 640x360 at 25 fps: without cards (A, B, A, ...), then with a 2-s card between
   them (A, card, B, card, ...), then with cards whose renderer never finishes (the slate covers
   each card). For each run: the longest hole between frames in the stream (video and audio,
   ms: what a decoder would see at a seam), the longest wait between two deliveries to the
   viewer after the first second (ms), the lowest lead of the stream over real time after the
   tune-in burst (s: a card that delayed a seam would eat into it), the lowest lead at each
   kind of seam, the tone seams heard, and how many cards aired as the slate. The variants run
   in interleaved ``--rounds`` (``--rounds 0``: render times only).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import stat
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from hdhr_emulator.cli.clips import ClipSpec, render_clip
from hdhr_emulator.events import EventKind
from hdhr_emulator.playout.cards import CardRenderer
from hdhr_emulator.playout.ffmpeg_binary import find_ffmpeg
from hdhr_emulator.playout.session import ChannelSession, PlayoutContext
from hdhr_emulator.playout.slate import SlateCache
from hdhr_emulator.playout.viewer import Viewer
from lineup.cards import CARD_SECONDS, card_item
from lineup.models import Channel, ChannelProfile, ItemKind, MediaInfo, MediaItem, OutputMode
from tests.support.loop_schedule import LoopSchedule
from tests.support.tone_seams import seams_heard
from tests.support.ts_analysis import analyse

PROFILES = {
    "1280x720 29.97": ChannelProfile(),
    "640x360 25": ChannelProfile(width=640, height=360, fps=25.0, video_kbps=1000),
}
SESSION_PROFILE = PROFILES["640x360 25"]
TONES = (440, 880)
T0 = 1_700_000_000.0


def item(path: Path, number: int) -> MediaItem:
    info = MediaInfo(4.0, "mp4", "h264", 320, 240, 25.0, audio_codec="aac", audio_channels=2)
    return MediaItem(
        id=number,
        path=str(path),
        kind=ItemKind.EPISODE,
        title=f"Episode {number}",
        info=info,
        show=f"Show {number}",
        season=1,
        episode=number,
    )


async def render_times(ffmpeg: str, root: Path, renders: int) -> None:
    a = item(root / "a.mp4", 1)
    for name, profile in PROFILES.items():
        folder = root / f"cards-{profile.width}"
        cards = [
            card_item(
                "Retro Weeknights",
                None,
                MediaItem(**{**_fields(a), "title": f"Episode title number {n}"}),
                a,
                CARD_SECONDS,
            )
            for n in range(renders)
        ]
        fresh, cached, cpu = [], [], []
        renderer = CardRenderer(ffmpeg, folder)
        for card in cards:
            started, before = time.perf_counter(), _children_cpu()
            await renderer.render(card, profile)
            fresh.append((time.perf_counter() - started) * 1000)
            cpu.append((_children_cpu() - before) * 1000)
        await renderer.aclose()
        again = CardRenderer("/nonexistent/ffmpeg", folder)
        for card in cards:
            started = time.perf_counter()
            await again.render(card, profile)
            cached.append((time.perf_counter() - started) * 1000)
        size = sum(p.stat().st_size for p in folder.glob("*.ts")) / len(cards) / 1024
        print(
            f"render {name}: {_spread(fresh)} ms per card (ffmpeg CPU {_spread(cpu)} ms);"
            f" from the disk cache {_spread(cached)} ms;"
            f" {size:.0f} KiB per {CARD_SECONDS:g}-s clip"
        )


def _children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _fields(value: MediaItem) -> dict[str, object]:
    return {name: getattr(value, name) for name in value.__dataclass_fields__}


def _spread(values: list[float]) -> str:
    return f"{min(values):.0f} / {statistics.median(values):.0f} / {max(values):.0f}"


@dataclass
class Run:
    video_hole_ms: float
    audio_hole_ms: float
    pause_ms: float
    lowest_lead: float
    seams: int
    decode_ok: bool
    seam_leads: dict[str, list[float]]  # "into a card", ...: the stream's lead at those seams
    fallbacks: int  # cards that aired as the slate


async def session_run(
    ffmpeg: str,
    card_ffmpeg: str,
    root: Path,
    seconds: float,
    parts: Callable[[MediaItem, MediaItem, MediaItem], list[tuple[MediaItem, float]]],
) -> Run:
    a, b = item(root / "a.mp4", 1), item(root / "b.mp4", 2)
    card = card_item("Bench", None, b, a, 2.0)
    card_back = card_item("Bench", None, a, b, 2.0)
    channel = Channel(7, "Bench", (a, b), mode=OutputMode.TRANSCODE, profile=SESSION_PROFILE)
    order = parts(a, card, b)
    if any(p is card for p, _ in order):
        order = [*order, (card_back, 2.0)]
    schedule = LoopSchedule(channel, order, T0)
    slates = SlateCache(ffmpeg, root / "slates")
    cards = CardRenderer(card_ffmpeg, root / f"cards-run-{time.monotonic_ns()}")
    await slates.get("Bench", SESSION_PROFILE)
    context = PlayoutContext(
        ffmpeg=ffmpeg,
        schedule=lambda: schedule,  # type: ignore[arg-type,return-value]
        slate=slates.get,
        clock=time.time,  # tune wherever the loop is now
        cards=cards,
    )
    seam_leads: dict[str, list[float]] = {}
    fallbacks = 0
    previous = ""

    def publish(kind: EventKind, /, channel: int | None = None, **data: Any) -> None:
        nonlocal previous, fallbacks
        if kind == EventKind.SLATE and data.get("reason") == "card":
            fallbacks += 1
        if kind != EventKind.ITEM_START or session.lead_seconds() is None:
            return
        now = str(data["kind"])
        seam = "into a card" if now == "card" else "out of a card" if previous == "card" else ""
        previous = now
        if time.monotonic() - started > 4.0:  # after the tune-in burst
            lead = session.lead_seconds()
            assert lead is not None
            seam_leads.setdefault(seam or "programme to programme", []).append(lead)

    context = replace(context, publish=publish)
    session = ChannelSession(7, 0, context)
    viewer = Viewer("127.0.0.1")
    received = bytearray()
    arrivals: list[float] = []
    leads: list[float] = []
    session.start()
    session.attach(viewer)
    started = time.monotonic()

    async def read() -> None:
        while chunk := await viewer.next_chunk():
            received.extend(chunk)
            arrivals.append(time.monotonic())

    reader = asyncio.create_task(read())
    try:
        while time.monotonic() - started < seconds:
            await asyncio.sleep(0.05)
            lead = session.lead_seconds()
            if lead is not None and time.monotonic() - started > 4.0:
                leads.append(lead)
    finally:
        await session.async_stop()
        await reader
        await cards.aclose()
        await slates.aclose()
    report = analyse(bytes(received))
    video, audio = report.video, report.audio
    assert video is not None and audio is not None
    later = [t for t in arrivals if t - started > 1.0]
    pause = max((y - x for x, y in zip(later, later[1:], strict=False)), default=0.0)
    ok = report.cc_error_total == 0 and report.pcr_backsteps == 0 and video.dts_backsteps == 0
    return Run(
        video_hole_ms=max(0.0, video.max_gap - video.frame_duration) * 1000,
        audio_hole_ms=max(0.0, audio.max_gap - audio.frame_duration) * 1000,
        pause_ms=pause * 1000,
        lowest_lead=min(leads, default=float("nan")),
        seams=len(seams_heard(bytes(received), TONES)),
        decode_ok=ok,
        seam_leads=seam_leads,
        fallbacks=fallbacks,
    )


async def seams(ffmpeg: str, root: Path, seconds: float, rounds: int) -> None:
    for n, hz in enumerate(TONES, start=1):
        render_clip(ffmpeg, root / ("a.mp4" if n == 1 else "b.mp4"), ClipSpec(4.0, tone_hz=hz))
    hang = root / "hanging-ffmpeg"
    hang.write_text("#!/bin/sh\nexec sleep 600\n")
    hang.chmod(hang.stat().st_mode | stat.S_IXUSR)
    variants: dict[str, tuple[str, Callable[..., list[tuple[MediaItem, float]]]]] = {
        "no cards": (ffmpeg, lambda a, card, b: [(a, 3.0), (b, 3.0)]),
        "cards (rendered ahead)": (ffmpeg, lambda a, card, b: [(a, 3.0), (card, 2.0), (b, 3.0)]),
        "cards never ready (slate)": (
            str(hang),
            lambda a, card, b: [(a, 3.0), (card, 2.0), (b, 3.0)],
        ),
    }
    print(
        "| round | run | video hole ms | audio hole ms | longest wait ms | lowest lead s "
        "| lowest lead at seams: programme→programme / into a card / out of a card, s "
        "| tone seams | cards as slate | CC/PCR/DTS clean |"
    )
    print("|---|---|---:|---:|---:|---:|---|---:|---:|---|")
    for round_ in range(1, rounds + 1):  # interleaved: the machine's load hits every variant
        for name, (card_ffmpeg, parts) in variants.items():
            run = await session_run(ffmpeg, card_ffmpeg, root, seconds, parts)
            at_seams = " / ".join(
                f"{min(run.seam_leads[k]):.2f}" if run.seam_leads.get(k) else "-"
                for k in ("programme to programme", "into a card", "out of a card")
            )
            print(
                f"| {round_} | {name} | {run.video_hole_ms:.0f} | {run.audio_hole_ms:.0f} "
                f"| {run.pause_ms:.0f} | {run.lowest_lead:.2f} | {at_seams} | {run.seams} "
                f"| {run.fallbacks} | {'yes' if run.decode_ok else 'NO'} |"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=10, help="cards per profile")
    parser.add_argument("--seconds", type=float, default=30.0, help="wall seconds per run")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each variant")
    args = parser.parse_args()
    ffmpeg = find_ffmpeg().path
    with tempfile.TemporaryDirectory(prefix="bench-cards-") as tmp:
        root = Path(tmp)
        asyncio.run(render_times(ffmpeg, root, args.renders))
        if args.rounds > 0:
            asyncio.run(seams(ffmpeg, root, args.seconds, args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())

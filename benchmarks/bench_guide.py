"""How fast the XMLTV guide is rendered: ``python -m benchmarks.bench_guide``.

The target is 500 channels x 7 days of half-hour airings (168 000 rich programmes: sub-title,
summary, year, categories, icon, both episode numbers) in at most 2 s. Each channel gets its own
show, and by default as many episodes as the guide has slots, so every programme is a distinct
item, as on a real lineup (``--episodes N`` makes the items repeat, which is cheaper).

Two modes, each timed best of ``--repeat`` (wall clock; CPU time is printed too, the steadier
number on a shared machine):

* default: the writer alone, ``write_xmltv`` to a file from airings built beforehand;
* ``--from-schedule``: what a user waits for. The lineup goes through the real
  :class:`~lineup.schedule.Schedule` over a scratch SQLite file (sitcom lengths, a shared pool of
  ``--filler`` items, the default break, half the channels shuffled) and is published through
  the guide's horizon; then ``render_guide``, the server's own call, is timed: the schedule's
  airings and the XMLTV bytes together. Each repetition is a fresh ``Schedule`` that has just
  published, as the server's hourly refresh is.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from lineup.channels import default_policy
from lineup.models import Airing, Channel, ItemKind, MediaInfo, MediaItem, Order, Segment
from xmltv import write_xmltv

SLOT = 1800
EPOCH = 1_704_067_200  # 2024-01-01T00:00:00Z
NOW = 1_767_225_600.0 + 1234.5  # 2026-01-01T00:20:34.5Z, for --from-schedule
BASE_URL = "http://192.168.1.20:5004"
GENRES = ("Comedy", "Drama", "Sitcom", "Crime", "Western", "Animation", "Family", "Mystery")
_INFO = MediaInfo(
    duration=1320.0,
    container="mkv",
    video_codec="h264",
    width=640,
    height=480,
    fps=29.97,
    audio_codec="aac",
    audio_channels=2,
)


def show_episodes(
    number: int, episodes: int, info: Callable[[int], MediaInfo] = lambda index: _INFO
) -> tuple[MediaItem, ...]:
    """Channel ``number``'s show: ``episodes`` rich episodes, every text different."""
    show = f"Show Number {number} & Friends"
    return tuple(
        MediaItem(
            id=number * 10_000 + index,
            path=f"/media/tv/show{number}/s{index // 20 + 1:02d}e{index % 20 + 1:02d}.mkv",
            kind=ItemKind.EPISODE,
            title=f"The One Where Episode {index + 1} Happens",
            info=info(index),
            show=show,
            season=index // 20 + 1,
            episode=index % 20 + 1,
            year=1970 + number % 30,
            summary=(
                f"In episode {index + 1}, the gang from show {number} gets into trouble "
                "when a misunderstanding about a borrowed car, a surprise party and a "
                "neighbour's <very> loud dog spirals out of control, and only a last-minute "
                "confession can set things right before the landlord finds out."
            ),
            genres=(GENRES[number % len(GENRES)], GENRES[(number + 3) % len(GENRES)]),
            icon=f"http://192.168.1.20:5004/art/{number}/{index}.jpg",
        )
        for index in range(episodes)
    )


def build_guide(
    channels: int, days: int, episodes: int | None = None
) -> tuple[list[Channel], dict[int, list[Airing]]]:
    """Return the lineup and each channel's airings (by channel number), half-hour slots.

    ``episodes=None``: one per slot, so no item airs twice.
    """
    lineup: list[Channel] = []
    airings: dict[int, list[Airing]] = {}
    slots = days * 86_400 // SLOT
    count = episodes or slots
    for number in range(1, channels + 1):
        items = show_episodes(number, count)
        lineup.append(
            Channel(
                number=number,
                name=f"Channel {number}",
                programmes=items,
                logo=f"/config/logos/{number}.png",
            )
        )
        airings[number] = [
            Airing(
                channel=number,
                programme=items[slot % count],
                start=EPOCH + slot * SLOT,
                stop=EPOCH + (slot + 1) * SLOT,
                segments=(Segment(items[slot % count], EPOCH + slot * SLOT, SLOT),),
            )
            for slot in range(slots)
        ]
    return lineup, airings


def build_lineup(
    channels: int, days: int, episodes: int | None, filler: int, seed: int = 1
) -> list[Channel]:
    """A lineup for the real schedule: sitcoms of 21-26 min (as probed), a shared filler pool,
    the default break (2 items, then filler to :00/:30), half the channels shuffled.

    ``episodes=None``: one per half-hour slot of ``days``, so no item airs twice in the guide.
    """
    rng = random.Random(seed)
    pool = tuple(
        MediaItem(
            1_000_000 + i,
            f"/media/filler/ad{i:04d}.mp4",
            ItemKind.FILLER,
            f"Ad {i}",
            MediaInfo(round(rng.uniform(15, 120), 3), "mp4", "h264", 1280, 720, 29.97, "aac", 2),
        )
        for i in range(filler)
    )

    def sitcom_info(index: int) -> MediaInfo:
        return MediaInfo(
            round(22 * 60 + rng.uniform(-60, 240), 3),
            "matroska",
            "h264",
            1280,
            720,
            29.97,
            "aac",
            2,
        )

    count = episodes or days * 86_400 // SLOT
    return [
        Channel(
            number=number,
            name=f"Channel {number}",
            programmes=show_episodes(number, count, sitcom_info),
            filler=pool,
            policy=default_policy(bool(pool)),
            order=Order.SHUFFLE if number % 2 else Order.CHRONOLOGICAL,
            seed=number,
            logo=f"/config/logos/{number}.png",
        )
        for number in range(1, channels + 1)
    ]


class Timing:
    """Best wall and CPU seconds over several runs, and the first run's wall seconds."""

    def __init__(self) -> None:
        self.best = self.best_cpu = float("inf")
        self.first: float | None = None

    def run(self, action: Callable[[], object]) -> None:
        gc.collect()  # each run starts from the same heap, not the last run's garbage
        started, started_cpu = time.perf_counter(), time.process_time()
        action()
        wall = time.perf_counter() - started
        self.best = min(self.best, wall)
        self.best_cpu = min(self.best_cpu, time.process_time() - started_cpu)
        if self.first is None:
            self.first = wall


def writer_only(args: argparse.Namespace) -> tuple[int, int, Timing]:
    lineup, airings = build_guide(args.channels, args.days, args.episodes)
    programmes = sum(len(day) for day in airings.values())
    timing = Timing()
    with tempfile.TemporaryDirectory() as scratch:
        path = args.output or Path(scratch) / "xmltv.xml"

        def render() -> None:
            with open(path, "wb") as out:
                write_xmltv(out, lineup, lambda channel: airings[channel.number], base_url=BASE_URL)

        for _ in range(args.repeat):
            timing.run(render)
        size = os.path.getsize(path)
    return programmes, size, timing


def from_schedule(args: argparse.Namespace) -> tuple[int, int, Timing]:
    # imported here: the writer-only mode needs neither SQLite nor the server
    from hdhr_emulator.server.guide_cache import render_guide
    from lineup.schedule import Schedule, ScheduleStore

    lineup = build_lineup(args.channels, args.days, args.episodes, args.filler)
    hours = args.days * 24
    timing = Timing()
    rendered: list[bytes] = []
    with (
        tempfile.TemporaryDirectory() as scratch,
        ScheduleStore.open(Path(scratch) / "retrovue.db") as store,
    ):
        for _ in range(args.repeat):
            rendered.clear()  # the last guide is freed before the next render, as on a server
            schedule = Schedule(store, lineup, horizon=hours * 3600)
            schedule.publish(NOW)  # not timed: the refresh publishes before it renders

            def render(schedule: Schedule = schedule) -> None:
                rendered.append(render_guide(schedule, NOW, hours).xmltv)

            timing.run(render)
    document = rendered[0]
    if args.output:
        args.output.write_bytes(document)
    return document.count(b"<programme "), len(document), timing


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=500)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument(
        "--episodes",
        type=int,
        default=None,
        help="distinct episodes per channel (default: one per slot, so every "
        "programme is a distinct item)",
    )
    parser.add_argument(
        "--from-schedule",
        action="store_true",
        help="time the schedule's airings and the render together (end to end)",
    )
    parser.add_argument(
        "--filler",
        type=int,
        default=300,
        help="filler items shared by every channel (--from-schedule)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="renders to time; the best counts")
    parser.add_argument("--output", type=Path, help="keep the guide here (default: a temp file)")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.channels < 1 or args.days < 1:
        parser.error("--repeat, --channels and --days must be at least 1")

    measure = from_schedule if args.from_schedule else writer_only
    programmes, size, timing = measure(args)
    what = (
        "end to end: Schedule.airings + XMLTV render (render_guide)"
        if args.from_schedule
        else "XMLTV writer alone (write_xmltv to a file)"
    )
    episodes = args.episodes or "one per slot"
    print(f"{what}; episodes per channel: {episodes}; best of {args.repeat}")
    print()
    print("| channels | days | programmes | seconds | programmes/s | MB |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| {args.channels} | {args.days} | {programmes} | {timing.best:.3f} "
        f"| {programmes / timing.best:,.0f} | {size / 1e6:.1f} |"
    )
    print()
    print(
        f"CPU seconds {timing.best_cpu:.3f} (best; wall differs on a busy host), "
        f"first run {timing.first:.3f} s wall"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

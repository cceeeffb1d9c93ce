"""How fast slotted channels schedule: ``python -m benchmarks.bench_slots``.

50 channels (``--channels``, up-next cards on), each with a base rotation of 100 sitcom
episodes and four slots
like the README's worked example: weeknights 20:00-21:00 (a show, chronological), Saturday
08:00-12:00 (cartoons, shuffled), a 21:00 movie every day (``movies = 1``) and a Christmas Day
marathon. Measured: publishing a week (horizon 7 days, the first publish, which also builds and
simulates every channel), the same after a restart, and ``Schedule.at`` at random instants of the
week (p50 / p99 per call, warm), next to the same lookups on looped channels of the same content
(the ratio is the comparable figure on a shared machine).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from benchmarks.bench_schedule import NOW, build_lineup
from lineup.models import Channel, ItemKind, MediaInfo, MediaItem, Order, SlotPlan
from lineup.schedule import Schedule, ScheduleStore

WEEK = 7 * 86400.0
ZONE = "America/New_York"


def _programmes(
    prefix: str, count: int, minutes: float, kind: ItemKind, base_id: int
) -> tuple[MediaItem, ...]:
    return tuple(
        MediaItem(
            base_id + n,
            f"/media/{prefix}/{n:03d}.mkv",
            kind,
            f"{prefix} {n}",
            MediaInfo(minutes * 60 + n % 7, "matroska", "h264", 1280, 720, 29.97, "aac", 2),
            show=prefix if kind == ItemKind.EPISODE else None,
            season=1 if kind == ItemKind.EPISODE else None,
            episode=n + 1 if kind == ItemKind.EPISODE else None,
        )
        for n in range(count)
    )


def slotted_lineup(channels: int) -> list[Channel]:
    lineup = []
    for channel in build_lineup(channels, 100, 300):
        n = channel.number
        prime = _programmes(f"Prime {n}", 40, 22, ItemKind.EPISODE, 2_000_000 + n * 1000)
        cartoons = _programmes(f"Toons {n}", 60, 11, ItemKind.EPISODE, 3_000_000 + n * 1000)
        movies = _programmes(f"Film {n}", 30, 100, ItemKind.MOVIE, 4_000_000 + n * 1000)
        slots = (
            SlotPlan("prime", "bench", frozenset(range(5)), frozenset(), 1200, 1260, None, prime),
            SlotPlan(
                "toons",
                "bench",
                frozenset({5}),
                frozenset(),
                480,
                720,
                None,
                cartoons,
                Order.SHUFFLE,
            ),
            SlotPlan("movie", "bench", frozenset(range(7)), frozenset(), 1260, None, 1, movies),
            SlotPlan(
                "xmas",
                "bench",
                frozenset(),
                frozenset({"2026-12-25"}),
                480,
                None,
                None,
                prime,
                Order.MARATHON,
            ),
        )
        lineup.append(replace(channel, slots=slots, timezone=ZONE, up_next=True))
    return lineup


def _lookups(schedule: Schedule, numbers: list[int], count: int) -> list[float]:
    rng = random.Random(7)
    samples = []
    for _ in range(count):
        number = rng.choice(numbers)
        t = NOW + rng.uniform(0, WEEK)
        started = time.perf_counter()
        schedule.at(number, t)
        samples.append(time.perf_counter() - started)
    return samples


def _quantile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=50)
    parser.add_argument("--lookups", type=int, default=20_000)
    args = parser.parse_args()
    slotted = slotted_lineup(args.channels)
    looped = [replace(c, slots=()) for c in slotted]
    numbers = [c.number for c in slotted]
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.db"
        store = ScheduleStore.open(db)
        schedule = Schedule(store, slotted, horizon=WEEK)
        cpu, wall = time.process_time(), time.perf_counter()
        schedule.publish(NOW)
        print(
            f"first publish of a week, {args.channels} slotted channels: "
            f"{time.perf_counter() - wall:.2f} s wall, {time.process_time() - cpu:.2f} s CPU"
        )
        _lookups(schedule, numbers, 2000)  # warm: every channel simulated through the week
        samples = _lookups(schedule, numbers, args.lookups)
        store.close()
        store = ScheduleStore.open(db)
        again = Schedule(store, slotted, horizon=WEEK)
        cpu, wall = time.perf_counter(), time.perf_counter()
        again.publish(NOW + 3600)
        print(f"publish after a restart (+1 h): {time.perf_counter() - wall:.2f} s wall")
        store.close()
        loop_store = ScheduleStore.open(Path(folder) / "looped.db")
        loop_schedule = Schedule(loop_store, looped, horizon=WEEK)
        loop_schedule.publish(NOW)
        _lookups(loop_schedule, numbers, 2000)
        loop_samples = _lookups(loop_schedule, numbers, args.lookups)
        loop_store.close()
    for label, found in (("slotted", samples), ("looped", loop_samples)):
        print(
            f"Schedule.at() {label}: p50 {statistics.median(found) * 1e6:.1f} µs, "
            f"p99 {_quantile(found, 0.99) * 1e6:.1f} µs over {len(found)} calls"
        )
    ratio = _quantile(samples, 0.99) / _quantile(loop_samples, 0.99)
    print(f"p99 ratio slotted / looped: {ratio:.2f}")


if __name__ == "__main__":
    main()

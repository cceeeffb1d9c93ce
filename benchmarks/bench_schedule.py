"""How fast the schedule is at lineup scale: ``python -m benchmarks.bench_schedule``.

The lineup is synthetic but shaped like a real one: 500 channels of 100 episodes each, half of
them shuffled, all sharing a pool of 300 filler items of 15 s to 2 min with the default break
(2 items, then filler up to the next :00/:30). By default every show is a sitcom (episodes of
21 to 26 minutes, fractional seconds as probed), so 7 days are the guide's target of 168 000
half-hour airings; ``--mixed`` makes half the shows hour-long dramas instead.

Measured: the first publish of 72 h (which also builds every channel), publishes after it and
after a restart, the guide query (``airings`` for every channel over 7 days, warm and after a
restart; also as the XMLTV guide asks for it, ``segments=False``: the same slots without their
segments) and ``at`` per call up to a year ahead. Wall and CPU time are both printed: on a
shared machine the CPU time is the steadier figure.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from lineup.channels import default_policy
from lineup.models import Channel, ItemKind, MediaInfo, MediaItem, Order
from lineup.schedule import Schedule, ScheduleStore

T = TypeVar("T")
NOW = 1_767_225_600.0 + 1234.5  # 2026-01-01T00:20:34.5Z


def _info(duration: float) -> MediaInfo:
    return MediaInfo(duration, "matroska", "h264", 1280, 720, 29.97, "aac", 2)


def build_lineup(
    channels: int, episodes: int, filler: int, *, mixed: bool = False, seed: int = 1
) -> list[Channel]:
    rng = random.Random(seed)
    pool = tuple(
        MediaItem(
            1_000_000 + i,
            f"/media/filler/ad{i:04d}.mp4",
            ItemKind.FILLER,
            f"Ad {i}",
            _info(round(rng.uniform(15, 120), 3)),
        )
        for i in range(filler)
    )
    lineup = []
    for number in range(1, channels + 1):
        show = f"Show {number}"
        minutes = 44 if mixed and number % 4 < 2 else 22
        programmes = tuple(
            MediaItem(
                number * 10_000 + e,
                f"/media/tv/{show}/S01E{e:03d}.mkv",
                ItemKind.EPISODE,
                f"Episode {e}",
                _info(round(minutes * 60 + rng.uniform(-60, 240), 3)),
                show=show,
                season=1 + e // 25,
                episode=e,
            )
            for e in range(episodes)
        )
        lineup.append(
            Channel(
                number=number,
                name=show,
                programmes=programmes,
                filler=pool,
                policy=default_policy(True),
                order=Order.SHUFFLE if number % 2 else Order.CHRONOLOGICAL,
                seed=number,
            )
        )
    return lineup


def timed(label: str, action: Callable[[], T]) -> T:
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<50} {wall:6.3f} s wall {cpu:6.3f} s CPU")
    return result


def guide(schedule: Schedule, days: float, *, segments: bool = True) -> tuple[int, int]:
    """(airings, segments) of every channel from NOW over ``days``."""
    airings = parts = 0
    for channel in schedule.channels:
        found = schedule.airings(channel.number, NOW, NOW + days * 86400, segments=segments)
        airings += len(found)
        parts += sum(len(airing.segments) for airing in found)
    return airings, parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=500)
    parser.add_argument("--episodes", type=int, default=100)
    parser.add_argument("--filler", type=int, default=300)
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--mixed", action="store_true", help="half the shows an hour long")
    args = parser.parse_args()

    lineup = build_lineup(args.channels, args.episodes, args.filler, mixed=args.mixed)
    shape = "mixed 30/60 min" if args.mixed else "half-hour"
    print(f"{args.channels} channels x {args.episodes} {shape} episodes, {args.filler} filler")
    days = f"{args.days:g} days"
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "retrovue.db"
        with ScheduleStore.open(db) as store:
            schedule = Schedule(store, lineup)
            timed("first publish, 72 h (builds every channel)", lambda: schedule.publish(NOW))
            timed("publish 1 h later", lambda: schedule.publish(NOW + 3600))
            airings, segments = timed(
                f"guide: airings, every channel x {days}", lambda: guide(schedule, args.days)
            )
            print(f"{'':<50} {airings} airings, {segments} segments")
            timed(f"guide again, {days}", lambda: guide(schedule, args.days))
            timed(
                f"guide, segments=False, {days}", lambda: guide(schedule, args.days, segments=False)
            )
        with ScheduleStore.open(db) as store:
            schedule = Schedule(store, lineup)
            timed(
                "restart: publish 2 h later (builds channels)", lambda: schedule.publish(NOW + 7200)
            )
        with ScheduleStore.open(db) as store:
            schedule = Schedule(store, lineup)
            timed(
                "restart: guide, segments=False (builds channels)",
                lambda: guide(schedule, args.days, segments=False),
            )
            timed(f"restart: guide, {days}", lambda: guide(schedule, args.days))
            rng = random.Random(2)
            instants = [
                (rng.randint(1, args.channels), NOW + rng.uniform(0, 365 * 86400))
                for _ in range(20_000)
            ]
            costs = []
            for number, t in instants:
                started = time.perf_counter_ns()
                schedule.at(number, t)
                costs.append(time.perf_counter_ns() - started)
            costs.sort()
            print(
                f"{'at(), random channel and instant up to +1 year':<50} "
                f"{statistics.median(costs) / 1000:6.1f} us median, "
                f"{costs[len(costs) * 99 // 100] / 1000:.1f} us p99"
            )


if __name__ == "__main__":
    main()

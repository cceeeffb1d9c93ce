"""What mid-roll breaks, roles and decorate cost: ``python -m benchmarks.bench_breaks``.

The lineup is bench_schedule's (sitcoms, a shared pool of filler, the default break), with
every episode given three natural break points and the pool split into roles (bumpers,
commercials, station IDs). Measured: building every channel's cycle (the length pass the
schedule runs for every programme) without and with mid-rolls, laying every slot out, and
:func:`lineup.schedule.decorate.decorate` per airing over a week of airings (as the timelines
would call it), for a channel with nothing to do, with up-next cards, and with cards and IDs.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace

from benchmarks.bench_schedule import NOW, build_lineup, timed
from lineup.cycle import Cycle, ItemDigests
from lineup.models import BreakPolicy, BreakSource, Channel, FillerKind
from lineup.schedule.decorate import decorate

ROLES = (FillerKind.BUMPER, FillerKind.COMMERCIAL, FillerKind.COMMERCIAL, FillerKind.STATION_ID)


def with_breaks(lineup: list[Channel]) -> list[Channel]:
    """Every episode cut-able at a third, half and two thirds; the pool split into roles."""
    pool = tuple(
        replace(item, filler_kind=ROLES[n % len(ROLES)]) for n, item in enumerate(lineup[0].filler)
    )
    out = []
    for channel in lineup:
        programmes = tuple(
            replace(p, breaks=tuple(round(p.duration * k / 6, 3) for k in (2, 3, 4)))
            for p in channel.programmes
        )
        out.append(
            replace(
                channel,
                programmes=programmes,
                filler=pool,
                breaks=BreakPolicy(BreakSource.CHAPTERS),
                filler_kinds=tuple(FillerKind),
                up_next=True,
            )
        )
    return out


def decorate_costs(channel: Channel, days: float) -> list[int]:
    """ns per decorate call over ``days`` of the channel's airings, back to back."""
    cycle = Cycle(channel)
    slots = [cycle.slot(n) for n in range(cycle.size)]
    costs: list[int] = []
    start = int(NOW)
    index = 0
    while start < NOW + days * 86400:
        slot = slots[index % len(slots)]
        upcoming = (
            slots[(index + 1) % len(slots)].programme,
            slots[(index + 2) % len(slots)].programme,
        )
        began = time.perf_counter_ns()
        decorate(channel, slot.parts, start, upcoming)
        costs.append(time.perf_counter_ns() - began)
        start += slot.length
        index += 1
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=500)
    parser.add_argument("--episodes", type=int, default=100)
    parser.add_argument("--filler", type=int, default=300)
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--decorated", type=int, default=50, help="channels timed in decorate")
    args = parser.parse_args()
    plain = build_lineup(args.channels, args.episodes, args.filler)
    cut = with_breaks(plain)
    print(f"{args.channels} channels x {args.episodes} episodes, {args.filler} filler")
    timed("cycles, no mid-rolls", lambda: [Cycle(c, ItemDigests()) for c in plain])
    cycles = timed(
        "cycles, mid-rolls (1 per sitcom) and roles", lambda: [Cycle(c, ItemDigests()) for c in cut]
    )
    timed(
        "lay out every slot (mid-rolls)",
        lambda: [y.lay_out(n) for y in cycles for n in range(y.size)],
    )
    sample = cut[: args.decorated]
    cases = (
        ("decorate, nothing to do", [replace(c, up_next=False, filler_kinds=()) for c in sample]),
        (
            "decorate, up-next cards",
            [replace(c, filler_kinds=(FillerKind.COMMERCIAL,)) for c in sample],
        ),
        ("decorate, cards and station IDs", sample),
    )
    for label, channels in cases:
        costs = sorted(cost for c in channels for cost in decorate_costs(c, args.days))
        print(
            f"{label:<50} {statistics.median(costs) / 1000:6.1f} us median, "
            f"{costs[len(costs) * 99 // 100] / 1000:.1f} us p99 ({len(costs)} airings)"
        )


if __name__ == "__main__":
    main()

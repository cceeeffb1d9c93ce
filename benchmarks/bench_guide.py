"""How fast the XMLTV writer renders a big guide: ``python -m benchmarks.bench_guide``.

The target is 500 channels x 7 days of half-hour airings (168 000 rich programmes: sub-title,
summary, year, categories, icon, both episode numbers) in at most 2 s. Each channel gets its own
show with ``--episodes`` episodes, so items repeat a few times a week as on a real rerun channel,
and every channel is different. Building the value objects is not timed; the render to a file
is, best of ``--repeat`` (wall clock, plus the process's CPU time, which is the steadier number
on a shared machine).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from lineup.models import Airing, Channel, ItemKind, MediaInfo, MediaItem, Segment
from xmltv import write_xmltv

SLOT = 1800
EPOCH = 1_704_067_200  # 2024-01-01T00:00:00Z
GENRES = ("Comedy", "Drama", "Sitcom", "Crime", "Western", "Animation", "Family", "Mystery")
_INFO = MediaInfo(duration=1320.0, container="mkv", video_codec="h264", width=640, height=480,
                  fps=29.97, audio_codec="aac", audio_channels=2)


def build_guide(
    channels: int, days: int, episodes: int
) -> tuple[list[Channel], dict[int, list[Airing]]]:
    """Return the lineup and each channel's airings (by channel number)."""
    lineup: list[Channel] = []
    airings: dict[int, list[Airing]] = {}
    slots = days * 86_400 // SLOT
    for number in range(1, channels + 1):
        show = f"Show Number {number} & Friends"
        items = tuple(
            MediaItem(
                id=number * 10_000 + index,
                path=f"/media/tv/show{number}/s{index // 20 + 1:02d}e{index % 20 + 1:02d}.mkv",
                kind=ItemKind.EPISODE,
                title=f"The One Where Episode {index + 1} Happens",
                info=_INFO,
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
        lineup.append(Channel(number=number, name=f"Channel {number}", programmes=items,
                              logo=f"/config/logos/{number}.png"))
        airings[number] = [
            Airing(
                channel=number,
                programme=items[slot % episodes],
                start=EPOCH + slot * SLOT,
                stop=EPOCH + (slot + 1) * SLOT,
                segments=(Segment(items[slot % episodes], EPOCH + slot * SLOT, SLOT),),
            )
            for slot in range(slots)
        ]
    return lineup, airings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=500)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--episodes", type=int, default=100, help="distinct episodes per channel")
    parser.add_argument("--repeat", type=int, default=3, help="renders to time; the best counts")
    parser.add_argument("--output", type=Path, help="keep the guide here (default: a temp file)")
    args = parser.parse_args(argv)

    lineup, airings = build_guide(args.channels, args.days, args.episodes)
    programmes = sum(len(day) for day in airings.values())
    with tempfile.TemporaryDirectory() as scratch:
        path = args.output or Path(scratch) / "xmltv.xml"
        best, best_cpu = float("inf"), float("inf")
        for _ in range(args.repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            with open(path, "wb") as out:
                write_xmltv(out, lineup, lambda channel: airings[channel.number],
                            base_url="http://192.168.1.20:5004")
            best = min(best, time.perf_counter() - started)
            best_cpu = min(best_cpu, time.process_time() - started_cpu)
        size = os.path.getsize(path)
    print(f"channels      {args.channels}")
    print(f"days          {args.days}")
    print(f"programmes    {programmes}")
    print(f"seconds       {best:.3f}  (best of {args.repeat})")
    print(f"cpu seconds   {best_cpu:.3f}  (best of {args.repeat}; wall differs on a busy host)")
    print(f"programmes/s  {programmes / best:,.0f}")
    print(f"MB            {size / 1e6:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

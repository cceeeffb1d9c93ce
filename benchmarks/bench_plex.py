"""Benchmark the Plex import: requests and seconds per 1 000 items, first import and re-scan.

    python -m benchmarks.bench_plex --shows 200 --episodes 50 --movies 1000   # 11 000 items
    python -m benchmarks.bench_plex --latency 0.02                            # a LAN-ish PMS

A stand-in PMS (``tests/plex_standin.py``, the same one the tests use) serves a generated
library on 127.0.0.1; every item shares one real clip. The import goes through plexapi exactly
as against a real server; the stand-in counts the requests it answered. Three runs: the first
import into an empty catalog, a re-scan with nothing changed, and a re-scan after 1 % of the
episodes were edited in Plex. ``--omit-total-size`` leaves ``totalSize`` out of paged lists (the
trap that makes plexapi stop at 100 items) to show that the import still gets everything.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

from hdhr_emulator.cli.clips import ClipSpec, render_clip
from hdhr_emulator.playout.ffmpeg_binary import find_ffmpeg
from lineup.catalog import Catalog
from lineup.plex.importer import PlexSummary, import_plex
from lineup.plex.path_map import PathMap
from lineup.plex.secret import Secret
from lineup.plex.settings import PlexSettings
from tests.support.plex_standin import STANDIN_TOKEN, PlexStandin, build_big_library


def _row(label: str, summary: PlexSummary, items: int, requests: int) -> str:
    per_k = requests * 1000 / max(items, 1)
    return (
        f"| {label} | {items:,} | {summary.seconds:.2f} | {items / summary.seconds:,.0f} | "
        f"{requests} | {per_k:.1f} | {summary.added}/{summary.updated}/{summary.removed}/"
        f"{summary.unchanged} |"
    )


def _naive_walk(url: str) -> tuple[float, int]:
    """What a first attempt with plexapi looks like: one request per show, and a reload per
    item for every attribute Plex left out (here: episode summaries and ratings)."""
    from plexapi.server import PlexServer

    started = time.perf_counter()
    count = 0
    plex = PlexServer(url, STANDIN_TOKEN)
    for section in plex.library.sections():
        for entry in section.all():
            videos = entry.episodes() if section.type == "show" else [entry]
            for video in videos:
                _ = (
                    video.title,
                    video.summary,
                    video.contentRating,
                    video.originallyAvailableAt,
                    video.duration,
                    video.media[0].parts[0].file,
                )
                count += 1
    return time.perf_counter() - started, count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shows", type=int, default=200)
    parser.add_argument("--episodes", type=int, default=50, help="episodes per show")
    parser.add_argument("--movies", type=int, default=1000)
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds the stand-in waits before each answer"
    )
    parser.add_argument("--omit-total-size", action="store_true")
    parser.add_argument(
        "--naive",
        action="store_true",
        help="also time the obvious plexapi loop (show.episodes(), attributes "
        "read with auto-reload on) for comparison",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    with tempfile.TemporaryDirectory(prefix="bench-plex-") as tmp:
        folder = Path(tmp)
        clip = render_clip(
            find_ffmpeg().path, folder / "clip.mp4", ClipSpec(duration=1.0, width=160, height=120)
        )
        started = time.perf_counter()
        library = build_big_library(clip, args.shows, args.episodes, args.movies)
        built = time.perf_counter() - started
        items = args.shows * args.episodes + args.movies
        print(
            f"library: {items:,} items ({args.shows} shows x {args.episodes} episodes + "
            f"{args.movies} movies), built in {built:.2f} s; latency {args.latency * 1000:g} ms"
            f"{'; no totalSize' if args.omit_total_size else ''}",
            file=sys.stderr,
        )
        with (
            PlexStandin(
                library, latency=args.latency, omit_total_size=args.omit_total_size
            ) as standin,
            Catalog.open(folder / "retrovue.db") as catalog,
        ):
            settings = PlexSettings(standin.url, Secret(STANDIN_TOKEN), path_map=PathMap())
            print(
                "| run | items | seconds | items/s | requests | requests per 1 000 items "
                "| added/updated/removed/unchanged |"
            )
            print("|---|---:|---:|---:|---:|---:|---|")
            for label in ("first import", "re-scan, nothing changed", "re-scan, 1 % edited"):
                if label.endswith("edited"):
                    episodes = library.episodes()
                    for episode in episodes[::100]:
                        library.update(episode, title=f"{episode.title} (edited)")
                standin.requests.clear()
                summary = import_plex(settings, catalog)
                print(_row(label, summary, items, len(standin.requests.snapshot())))
            if args.naive:
                standin.requests.clear()
                took, count = _naive_walk(standin.url)
                print(
                    f"| naive plexapi walk | {count:,} | {took:.2f} | {count / took:,.0f} | "
                    f"{len(standin.requests.snapshot())} | "
                    f"{len(standin.requests.snapshot()) * 1000 / max(count, 1):.1f} | - |"
                )
            reloads = [
                r for r in standin.requests.snapshot() if r.path.startswith("/library/metadata/")
            ]
            print(
                f"\nper-item requests (/library/metadata/<id>) in the last run: {len(reloads)}",
                file=sys.stderr,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

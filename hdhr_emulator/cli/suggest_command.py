"""``retrovue channels --suggest [--write FILE]``: channels proposed from the library's metadata,
printed as a table and, with ``--write``, appended to the config as ``[[channel]]`` tables.

The file is the user's own, hand-edited config, so it is never rewritten in place: the new
text is appended to a copy beside it, the copy must load (:func:`lineup.config.load_config`)
and is then renamed over the original, keeping its permissions. A failure at any step leaves
the original byte for byte as it was.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from hdhr_emulator.cli.progress import catch_up
from hdhr_emulator.cli.settings import open_station
from lineup.config import RetrovueConfig, load_config
from lineup.errors import ConfigError, RetrovueError
from lineup.suggest import (
    Suggestion,
    channel_tables,
    free_numbers,
    not_yet_in,
    suggest_channels,
)

NO_SUGGESTIONS = (
    "No channels to suggest: no network, genre or decade has enough programmes. Retrovue "
    "reads them from Plex, and for local folders from the tvshow.nfo / movie.nfo files that "
    "Kodi, Jellyfin and tinyMediaManager write."
)

ALL_THERE = "Every channel there is to suggest is already in the config."


def run_suggest(args: argparse.Namespace) -> int:
    target: Path | None = args.write
    target_config = None
    if target is not None:
        target_config = load_config(target)  # unknown or unreadable: one line, exit 2
        if getattr(args, "config", None) is None:  # the library is the one that file describes
            args.config = target
    with open_station(args, demo=True) as station:
        if not args.no_scan:
            catch_up(station)
        found = suggest_channels(station.catalog.items())
        configs = [c for c in (station.settings.config, target_config) if c is not None]
        specs = [spec for config in configs for spec in config.channels]
        suggestions = not_yet_in(found, (spec.metadata for spec in specs))
        if not suggestions:
            print(ALL_THERE if found else NO_SUGGESTIONS)
            return 0
        used = set(station.numbers.all().values()) | {spec.number for spec in specs}
        numbers = free_numbers(used, len(suggestions))
    print(render_table(suggestions, numbers))
    if target is None or target_config is None:
        print("\nAppend them to your config with --write FILE, then edit them as you like.")
        return 0
    origin = f"`retrovue channels --suggest` on {time.strftime('%Y-%m-%d %H:%M')}"
    append_to_config(target, channel_tables(suggestions, numbers, origin))
    print(f"\nAppended {len(suggestions)} [[channel]] table(s) to {target}.")
    if not target_config.channels:
        print(
            f"note: {target} had no [[channel]] tables before, so from now on it is the "
            "whole lineup: the automatic one-channel-per-show lineup is no longer made",
            file=sys.stderr,
        )
    return 0


def render_table(suggestions: list[Suggestion], numbers: list[int]) -> str:
    """The suggestions as a table: number, name, filter, shows, movies, hours."""
    name_width = max(len("Channel"), *(len(s.name) for s in suggestions))
    filters = [s.filter.describe() for s in suggestions]
    filter_width = max(len("Filter"), *(len(text) for text in filters))
    rows = [
        f"{'#':>4}  {'Channel':<{name_width}}  {'Filter':<{filter_width}}  "
        f"{'Shows':>5}  {'Movies':>6}  {'Hours':>6}"
    ]
    for suggestion, number, text in zip(suggestions, numbers, filters, strict=True):
        rows.append(
            f"{number:>4}  {suggestion.name:<{name_width}}  {text:<{filter_width}}  "
            f"{suggestion.shows:>5}  {suggestion.movies:>6}  {suggestion.hours:>6.1f}"
        )
    return "\n".join(rows)


def append_to_config(path: Path, text: str) -> RetrovueConfig:
    """Append ``text`` to the config at ``path`` atomically; the result must load.

    The copy is a new file beside the original (same folder, so relative paths in it resolve
    alike when it is checked, and the rename is atomic), removed on any failure.
    """
    partial: Path | None = None
    try:
        original = path.read_bytes()
        mode = path.stat().st_mode & 0o7777
        glue = b"" if not original or original.endswith(b"\n") else b"\n"
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".toml", dir=path.parent)
        partial = Path(name)
        with os.fdopen(handle, "wb") as out:
            out.write(original + glue + b"\n" + text.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(partial, mode)
        try:
            loaded = load_config(partial)
        except ConfigError as exc:  # our own text must load; if not, say so and keep the file
            raise RetrovueError(
                f"not writing {path}: the new channels would not load: {exc.message}"
            ) from exc
        os.replace(partial, path)
        partial = None
    except OSError as exc:
        raise RetrovueError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        if partial is not None:
            partial.unlink(missing_ok=True)
    return loaded

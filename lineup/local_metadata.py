"""Keep local files' network, genres, year and rating in step with their ``.nfo`` files.

Why a stamp rather than re-reading every ``.nfo`` at every scan: the stamp (the ``.nfo``'s
path, size and mtime, stored with each file's row) costs nothing to compare, because the walk
has already listed and stat-ed every ``.nfo``; so a re-scan reads only the ``.nfo`` files that
changed, appeared or disappeared, and rewrites only the rows they describe. It is kept apart
from the video's own fingerprint on purpose: editing a ``tvshow.nfo`` must not re-probe the
show's hundreds of episodes, only update their metadata. A file probed this scan is always
refreshed, since probing rewrites the year its name gives.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from lineup.catalog import Catalog, LocalMetadata
from lineup.models import ItemKind
from lineup.naming import ParsedName
from lineup.nfo import NfoInfo, nfo_for, read_nfo

log = logging.getLogger(__name__)

NfoFiles = Mapping[str, tuple[int, int]]  # .nfo path -> (size, mtime_ns), from the walk


def refresh_metadata(
    catalog: Catalog,
    roots: Sequence[Path],
    names: Mapping[str, ParsedName],
    nfos: NfoFiles,
    probed: Collection[str],
) -> int:
    """Update the metadata of every catalogued file under ``roots`` whose ``.nfo`` changed
    (or that was ``probed`` this scan); returns how many rows were updated.

    ``names`` are the files the walk found (a file not in it is gone, or under a folder that
    could not be read, and is left alone).
    """
    read: dict[str, NfoInfo | None] = {}  # one read per .nfo per scan: a show's episodes share it
    show_nfo: dict[str, str | None] = {}  # folder -> its episodes' tvshow.nfo (one walk up each)
    shared = _shared_movie_folders(names)
    updates: list[LocalMetadata] = []
    for root in roots:
        for path, stored in catalog.nfo_stamps(root).items():
            name = names.get(path)
            if name is None:
                continue
            if name.kind == ItemKind.EPISODE:
                folder = os.path.dirname(path)
                if folder not in show_nfo:
                    show_nfo[folder] = nfo_for(path, name.kind, str(root), nfos)
                nfo = show_nfo[folder]
            else:
                nfo = nfo_for(path, name.kind, str(root), nfos, shared)
            stamp = "" if nfo is None else _stamp(nfo, nfos[nfo])
            if stamp == stored and path not in probed:
                continue
            if nfo is not None and nfo not in read:
                read[nfo] = read_nfo(nfo)
            info = (read[nfo] if nfo is not None else None) or NfoInfo()
            updates.append(
                LocalMetadata(
                    path=path,
                    stamp=stamp,
                    studio=info.studio,
                    genres=info.genres,
                    content_rating=info.content_rating,
                    year=name.year if name.year is not None else info.year,
                )
            )
    catalog.apply_metadata(updates)
    if read:
        log.info("scan: read %d .nfo file(s), updated %d item(s)", len(read), len(updates))
    return len(updates)


def _shared_movie_folders(names: Mapping[str, ParsedName]) -> set[str]:
    """Folders holding more than one movie (the parts of one stacked movie count once)."""
    movies: dict[str, set[tuple[str, int | None]]] = {}
    for path, name in names.items():
        if name.kind == ItemKind.MOVIE:
            movies.setdefault(os.path.dirname(path), set()).add((name.title.casefold(), name.year))
    return {folder for folder, titles in movies.items() if len(titles) > 1}


def _stamp(path: str, fingerprint: tuple[int, int]) -> str:
    size, mtime_ns = fingerprint
    return f"{size}:{mtime_ns}:{path}"

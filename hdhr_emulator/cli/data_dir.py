"""Keep the data dir private: the folder 0700, everything Retrovue keeps in it 0600.

The catalog names every file of the library, the schedule what will air, ``device.json`` the
device's identity, the demo and slates are ours too: none of it is for other local users. New
files are private because the CLI runs with umask 0o077 (:func:`private_umask`); a data dir an
older version left world-readable (755/644) is tightened once at start, and said so once.

Only Retrovue's own entries are touched (by name), never the rest of a folder the user may have
pointed ``--data-dir`` at, such as their home.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077
# Retrovue's entries in the data dir, by name or name prefix: the database files (with their
# -wal/-shm and the damaged copies ``scan --rebuild`` moves aside), the device's files, and the
# folders of rendered media. Spelled out rather than imported from the modules that write them
# (server.identity_file, server.lineup_documents, ...): the CLI imports this module at start and
# those pull in the whole HTTP stack.
_OWN_PREFIXES = ("retrovue.db", "play.db")
_OWN_NAMES = frozenset(
    {"device.json", "favorites.json", "api_token", "demo", "slates", "cards", "artwork"}
)


def private_umask() -> int:
    """Make every file this process (and its ffmpeg children) creates owner-only; returns the
    umask before, for files written for the user elsewhere (``guide -o``)."""
    return os.umask(PRIVATE_UMASK)


def secure_data_dir(data_dir: Path) -> int:
    """Create ``data_dir`` 0700 if needed and take group/other access away from it and from
    Retrovue's entries in it; returns how many entries changed (logged once, when any did)."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    changed = sum(_make_private(path) for path in _own_entries(data_dir))
    if changed:
        log.warning(
            "made %d entr%s in the data dir %s owner-only (0700 folders, 0600 files); "
            "an older Retrovue left them readable by other users",
            changed,
            "y" if changed == 1 else "ies",
            data_dir,
        )
    return changed


def _own_entries(data_dir: Path) -> Iterator[Path]:
    yield data_dir
    with os.scandir(data_dir) as entries:
        mine = [
            Path(entry.path)
            for entry in entries
            if entry.name in _OWN_NAMES or entry.name.startswith(_OWN_PREFIXES)
        ]
    for path in mine:
        yield path
        if path.is_dir() and not path.is_symlink():
            yield from path.rglob("*")


def _make_private(path: Path) -> bool:
    """Drop the group and other bits (the owner's stay); symlinks are left alone."""
    try:
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode) or not mode & 0o077:
            return False
        path.chmod(stat.S_IMODE(mode) & 0o700)
    except OSError as exc:  # gone meanwhile, or not ours: say so, keep going
        log.debug("cannot make %s private: %s", path, exc)
        return False
    return True

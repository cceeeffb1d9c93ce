"""Plex's file paths → paths this machine can read, by configured prefix replacement.

Plex reports where *it* sees a file (``/data/TV/Cheers/S01E01.mkv``, or ``D:\\TV\\…`` on a
Windows server); Retrovue often runs elsewhere with the same share mounted at another place.
Reading the file directly is cheaper and more robust than fetching it from Plex over HTTP, so
``path_map = { "/data" = "/mnt/nas" }`` maps prefixes, longest first, on whole path components
only (``/data`` never matches ``/database``).
"""

from __future__ import annotations

import ntpath
import os
from collections.abc import Mapping
from dataclasses import dataclass


def _is_windows_path(path: str) -> bool:
    return "\\" in path or (len(path) > 1 and path[1] == ":")


def _normal(path: str) -> str:
    """Forward slashes, no trailing slash (except the root), case kept."""
    if _is_windows_path(path):
        path = ntpath.normpath(path).replace("\\", "/")
    stripped = path.rstrip("/")
    return stripped or "/"


@dataclass(frozen=True, slots=True)
class PathMap:
    """Ordered ``(plex prefix, local prefix)`` pairs, longest Plex prefix first."""

    pairs: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, str]) -> PathMap:
        pairs = [(_normal(plex), local.rstrip("/\\") or "/") for plex, local in mapping.items()]
        pairs.sort(key=lambda pair: len(pair[0]), reverse=True)
        return cls(tuple(pairs))

    def local(self, plex_path: str) -> str | None:
        """The local path for ``plex_path``, or None when no prefix applies."""
        if not plex_path:
            return None
        path = _normal(plex_path)
        windows = _is_windows_path(plex_path)
        for prefix, local in self.pairs:
            matches = (
                path.casefold().startswith(prefix.casefold())
                if windows
                else path.startswith(prefix)
            )
            if not matches:
                continue
            rest = path[len(prefix) :]
            if rest and not rest.startswith("/") and prefix != "/":
                continue  # /data must not match /database
            return os.path.join(local, *[part for part in rest.split("/") if part])
        return None

    def readable(self, plex_path: str) -> str | None:
        """Where this machine can read ``plex_path``, or None (then it is fetched from Plex).

        The mapped path when a prefix applies; otherwise Plex's own path, which is readable
        as it is when Retrovue runs beside Plex with the same mounts.
        """
        local = self.local(plex_path)
        candidate = local if local is not None else plex_path
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.R_OK):
            return candidate
        return None

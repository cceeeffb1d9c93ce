"""The console's files, read once when the app is built and answered from memory.

They are small (about 330 kB, most of it the vendored player) and fixed for the life of the
process, so reading them up front keeps file I/O and ``mimetypes``' first-use table read off
the event loop, makes every answer a dictionary lookup (no path from a request ever reaches the
filesystem) and gives each file a content hash as its ETag for cheap revalidation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",  # module scripts are refused under other types
}
OTHER_TYPE = "text/plain; charset=utf-8"  # the licence texts


@dataclass(frozen=True, slots=True)
class StaticFile:
    body: bytes
    content_type: str
    etag: str


def load_static_files(root: Path) -> Mapping[str, StaticFile]:
    """Every file under ``root`` by its ``/``-separated path relative to it."""
    files = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        body = path.read_bytes()
        files[path.relative_to(root).as_posix()] = StaticFile(
            body,
            CONTENT_TYPES.get(path.suffix, OTHER_TYPE),
            hashlib.sha256(body).hexdigest()[:20],
        )
    return files

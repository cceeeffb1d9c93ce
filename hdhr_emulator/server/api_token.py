"""The API token kept in a file (``api_token`` in the data dir, or ``--api-token-file``).

Changes through the API from another machine need this token (:mod:`.api.auth`). It is made at
first start, 32 random bytes spelled URL-safe, in a file only its owner can read (0600: anyone
who can read it may steer the station), and reused afterwards so scripts keep working across
restarts. ``retrovue token`` prints it; ``retrovue token --rotate`` replaces it, and a running
server notices the new file at the next request that needs it, without a restart.

No HTTP here: the CLI's client commands read the same file to send the token.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from lineup.errors import RetrovueError

log = logging.getLogger(__name__)

TOKEN_FILE = "api_token"  # in the data dir
TOKEN_BYTES = 32
_OWNER_ONLY = 0o600


class TokenFileError(RetrovueError):
    """Raised when the API token file cannot be read or written (permissions, a folder in the
    way, ...): one line naming the file, exit 1 (``retrovue token``, ``serve``)."""


def token_path(data_dir: Path, override: Path | None = None) -> Path:
    """Where the token lives: ``--api-token-file`` when given, else the data dir's file."""
    return override.expanduser() if override is not None else data_dir / TOKEN_FILE


def read_token(path: Path) -> str | None:
    """The token in ``path``, or None when there is no file (or it is empty)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise TokenFileError(f"cannot read the API token file {path}: {_reason(exc)}") from exc
    return text.strip() or None


def load_or_create_token(path: Path) -> str:
    """The token in ``path``, made (owner-only) when there is none yet; a file other users may
    read is made owner-only first, and said so."""
    token = read_token(path)
    if token is not None:
        _make_owner_only(path)
        return token
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _OWNER_ONLY)
    except FileExistsError:  # another process made it meanwhile (or an empty file is there)
        return _existing_or_new(path)
    except OSError as exc:
        raise TokenFileError(f"cannot create the API token file {path}: {_reason(exc)}") from exc
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(token + "\n")
    log.info("created the API token in %s (`retrovue token` prints it)", path)
    return token


def rotate_token(path: Path) -> str:
    """Replace the token with a new one (atomically, owner-only) and return it."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    _write_owner_only(path, token)
    log.info("replaced the API token in %s", path)
    return token


@dataclass(frozen=True, slots=True)
class _Stamp:
    inode: int
    mtime_ns: int
    size: int


class TokenSource:
    """The current token of a file, re-read only when the file changed (a rotation), so that a
    running server takes a new token without a restart and without reading per request."""

    def __init__(self, path: Path):
        self.path = path
        self._token = load_or_create_token(path)
        self._stamp = self._stamp_now()

    def current(self) -> str:
        stamp = self._stamp_now()
        if stamp is not None and stamp != self._stamp:
            try:
                token = read_token(self.path)
            except TokenFileError as exc:
                log.warning("%s; keeping the token read before", exc)
                return self._token
            if token is not None:
                self._token = token
            self._stamp = stamp
        return self._token

    def _stamp_now(self) -> _Stamp | None:
        try:
            found = self.path.stat()
        except OSError:
            return None
        return _Stamp(found.st_ino, found.st_mtime_ns, found.st_size)


def _existing_or_new(path: Path) -> str:
    token = read_token(path)
    if token is not None:
        return token
    log.warning("the API token file %s was empty: writing a new token", path)
    return rotate_token(path)


def _write_owner_only(path: Path, token: str) -> None:
    partial = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial.unlink(missing_ok=True)
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _OWNER_ONLY)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(token + "\n")
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise TokenFileError(f"cannot write the API token file {path}: {_reason(exc)}") from exc


def _make_owner_only(path: Path) -> None:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            path.chmod(mode & 0o700)
            log.warning(
                "made the API token file %s owner-only (it was readable by other users)", path
            )
    except OSError as exc:
        log.warning("cannot make the API token file %s owner-only: %s", path, _reason(exc))


def _reason(exc: OSError | UnicodeDecodeError) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return "not text"

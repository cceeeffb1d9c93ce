"""``[[plex]]`` tables: which Plex servers to import, how to authenticate, how to map paths.

::

    [[plex]]
    url = "http://192.168.1.10:32400"
    token_env = "PLEX_TOKEN"          # or: token_file = "/etc/retrovue/plex.token" (mode 0600)
    sections = ["TV Shows", "Movies"] # default: every show and movie section
    path_map = { "/data/media" = "/mnt/nas/media" }
    reload_guide = false              # ask this server's DVR to reload our guide after refreshes
    verify_tls = true                 # false for https://<LAN IP>:32400 (Plex's certificate
                                      # names its *.plex.direct host, not the IP)

The token is read when the config is loaded, so a missing variable or an unsafe file stops
start-up with ``retrovue.toml:3: …`` rather than failing an hour later. There is deliberately
no ``token = "…"`` key: a config file is shared, pasted into bug reports and committed to
dotfile repositories; a token belongs in the environment or in a file only its owner can read.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from lineup.errors import ConfigError
from lineup.plex.path_map import PathMap
from lineup.plex.secret import Secret

PLEX_KEYS = (
    "url",
    "token_env",
    "token_file",
    "sections",
    "path_map",
    "reload_guide",
    "timeout",
    "verify_tls",
)
DEFAULT_TIMEOUT = 30.0

ErrorAt = Callable[..., ConfigError]  # (message, *where) -> ConfigError with file:line


@dataclass(frozen=True, slots=True)
class PlexSettings:
    """One Plex server to import from. ``url`` never carries the token."""

    url: str
    token: Secret
    sections: tuple[str, ...] = ()  # empty: every show and movie section
    path_map: PathMap = field(default_factory=PathMap)
    reload_guide: bool = False
    timeout: float = DEFAULT_TIMEOUT
    token_env: str | None = field(default=None, compare=False)  # the variable it came from
    verify_tls: bool = True  # false: accept any certificate (https://<LAN IP>:32400)


def parse_plex(
    table: Mapping[str, Any],
    index: int,
    base: Path,
    error: ErrorAt,
    environ: Mapping[str, str] = os.environ,
) -> PlexSettings:
    """Validate one ``[[plex]]`` table; ``error(message, *where)`` builds the ConfigError."""
    at = ("plex", index)
    for key in table:
        if key not in PLEX_KEYS:
            tail = " (put the token in token_env or token_file)" if key == "token" else ""
            raise error(f"unknown key '{key}' in [[plex]]{tail}", *at, key)
    if "url" not in table:
        raise error("[[plex]] is missing required key 'url'", *at)
    url = _url(table["url"], error, *at, "url")

    sources = [key for key in ("token_env", "token_file") if key in table]
    if len(sources) != 1:
        message = (
            "set either token_env or token_file in [[plex]], not both"
            if sources
            else "[[plex]] needs token_env or token_file (the Plex token)"
        )
        raise error(message, *at, *sources[1:2])
    if sources[0] == "token_env":
        token = _token_from_env(table["token_env"], environ, error, *at, "token_env")
    else:
        token = _token_from_file(table["token_file"], base, error, *at, "token_file")

    sections = _sections(table, error, *at)
    path_map = _path_map(table, error, *at)
    reload_guide = table.get("reload_guide", False)
    if not isinstance(reload_guide, bool):
        raise error("'reload_guide' must be true or false", *at, "reload_guide")
    timeout = table.get("timeout", DEFAULT_TIMEOUT)
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or not 1 <= timeout <= 600
    ):
        raise error("'timeout' must be a number of seconds between 1 and 600", *at, "timeout")
    verify_tls = table.get("verify_tls", True)
    if not isinstance(verify_tls, bool):
        raise error("'verify_tls' must be true or false", *at, "verify_tls")
    token_env = table["token_env"].strip() if sources[0] == "token_env" else None
    return PlexSettings(
        url, token, sections, path_map, reload_guide, float(timeout), token_env, verify_tls
    )


def _sections(table: Mapping[str, Any], error: ErrorAt, *at: Any) -> tuple[str, ...]:
    if "sections" not in table:
        return ()
    value = table["sections"]
    if not isinstance(value, list) or not all(isinstance(s, str) and s.strip() for s in value):
        raise error("'sections' must be an array of section names", *at, "sections")
    return tuple(s.strip() for s in value)


def _path_map(table: Mapping[str, Any], error: ErrorAt, *at: Any) -> PathMap:
    if "path_map" not in table:
        return PathMap()
    value = table["path_map"]
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and k.strip() and isinstance(v, str) and v.strip()
        for k, v in value.items()
    ):
        raise error(
            '\'path_map\' must be a table of "plex prefix" = "local prefix"', *at, "path_map"
        )
    return PathMap.from_mapping(value)


def _url(value: object, error: ErrorAt, *where: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise error(
            "'url' must be the Plex server's address, like \"http://192.168.1.10:32400\"", *where
        )
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise error(
            f"'url' must be an http(s) address like \"http://192.168.1.10:32400\", not {value!r}",
            *where,
        )
    if any(name.lower() == "x-plex-token" for name, _ in parse_qsl(parts.query)):
        raise error("'url' must not contain the token: put it in token_env or token_file", *where)
    if parts.query or parts.fragment:
        raise error("'url' must be the server's address only, without ?query or #fragment", *where)
    return f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")


def _token_from_env(
    name: object, environ: Mapping[str, str], error: ErrorAt, *where: Any
) -> Secret:
    if not isinstance(name, str) or not name.strip():
        raise error("'token_env' must name an environment variable, like \"PLEX_TOKEN\"", *where)
    value = environ.get(name.strip(), "").strip()
    if not value:
        raise error(
            f"environment variable {name.strip()} is not set (it should hold the Plex token)",
            *where,
        )
    return Secret(value)


def _token_from_file(value: object, base: Path, error: ErrorAt, *where: Any) -> Secret:
    if not isinstance(value, str) or not value.strip():
        raise error("'token_file' must be a path to a file holding the Plex token", *where)
    path = Path(value.strip()).expanduser()
    path = path if path.is_absolute() else base / path
    try:
        info = path.stat()
    except FileNotFoundError:
        raise error(f"token file not found: {path}", *where) from None
    except OSError as exc:
        raise error(f"cannot read token file {path}: {exc.strerror or exc}", *where) from None
    if not stat.S_ISREG(info.st_mode):
        raise error(f"token file is not a file: {path}", *where)
    if info.st_mode & 0o077:
        raise error(
            f"token file {path} is readable by other users (mode "
            f"{stat.S_IMODE(info.st_mode):04o}): run chmod 600 {path}",
            *where,
        )
    try:
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise error(f"cannot read token file {path}: {reason}", *where) from None
    if not token:
        raise error(f"token file {path} is empty", *where)
    return Secret(token)

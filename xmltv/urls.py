"""URLs the guide and playlist hand to clients, which fetch them themselves (so: absolute)."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import quote, urlsplit

from lineup.models import Channel

__all__ = ["is_web_url", "logo_url", "normalise_base_url", "quote_url"]

# Scheme and a non-empty host; the rest of the URL is the server's business.
_WEB_URL = re.compile(r"https?://[^/?#\s]", re.IGNORECASE)

# Characters a URL keeps as they are, beyond letters, digits and "_.-~": RFC 3986's reserved set
# and "%" (so existing escapes survive). Everything else (spaces, '"', ',', non-ASCII) is escaped.
_URL_SAFE = ":/?#[]@!$&'()*+;=%"
_NEEDS_QUOTING = re.compile(r"[^A-Za-z0-9_.~\-:/?#\[\]@!$&'()*+;=%]")

# A suffix we are willing to put in a URL unescaped; anything else is dropped.
_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,8}")


def is_web_url(url: str | None) -> bool:
    """True for an absolute ``http``/``https`` URL with a host: the only kind PMS can fetch."""
    if not url:
        return False
    return _WEB_URL.match(url) is not None


def normalise_base_url(base_url: str) -> str:
    """Return ``base_url`` without trailing slashes; raise ``ValueError`` unless it is absolute
    http(s), since every URL built from it must be fetchable by another machine."""
    base = base_url.strip().rstrip("/")
    if not is_web_url(base):
        raise ValueError(f"base URL must be an absolute http(s) URL, not {base_url!r}")
    return base


def logo_url(base_url: str, channel: Channel) -> str | None:
    """Return where the server publishes ``channel``'s logo, or ``None`` if it has none.

    The shape is ``{base_url}/logos/{number}{suffix}``, the suffix taken from the logo file (or
    URL path), so clients that sniff the type from the extension see ``.png``/``.jpg``.
    ``base_url`` must already be normalised (see :func:`normalise_base_url`).
    """
    if not channel.logo:
        return None
    path = urlsplit(channel.logo).path if is_web_url(channel.logo) else channel.logo
    suffix = PurePosixPath(path.replace("\\", "/")).suffix
    if not _SUFFIX.fullmatch(suffix):
        suffix = ""
    return quote_url(f"{base_url}/logos/{channel.number}{suffix}")


def quote_url(url: str) -> str:
    """Percent-escape what does not belong in a URL (spaces, quotes, commas, non-ASCII), keeping
    its structure and any escapes already there; so the URL survives naive M3U parsers and
    clients that do not escape for themselves."""
    if _NEEDS_QUOTING.search(url) is None:  # the usual case, and quote() is slow
        return url
    return quote(url, safe=_URL_SAFE)

"""The M3U playlist: one ``#EXTINF`` entry per channel, keyed to the guide by ``tvg-id``.

Parsers are naive: Jellyfin reads attributes with ``([a-z0-9\\-_]+)="([^"]+)"`` (a ``"`` inside a
value breaks it, an empty value is dropped) and takes the name after the *last* comma; Kodi
finds values by substring search. So no value or name here contains ``"``, a comma, a newline or
nothing at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from lineup.models import Channel
from xmltv.ids import channel_id
from xmltv.text import clean_line
from xmltv.urls import logo_url, normalise_base_url, quote_url

__all__ = ["DEFAULT_GROUP", "render_m3u"]

DEFAULT_GROUP = "Retrovue"

_COMMA = re.compile(r"\s*,\s*")


def render_m3u(
    channels: Sequence[Channel],
    *,
    base_url: str,
    stream_url: Callable[[Channel], str] | None = None,
) -> str:
    """Return the playlist text (``\\n`` line endings, ending in a newline).

    ``base_url`` is the server's absolute http(s) root; the header points at
    ``{base_url}/xmltv.xml`` and each channel streams from ``stream_url(channel)``, by default
    ``{base_url}/auto/v{number}`` (the HDHomeRun tuning URL). Raises ``ValueError`` for a bad
    ``base_url`` or a duplicate or non-positive channel number.
    """
    base = normalise_base_url(base_url)
    guide = _url(f"{base}/xmltv.xml")
    lines = [f'#EXTM3U url-tvg="{guide}" x-tvg-url="{guide}"']
    seen: set[int] = set()
    for channel in channels:
        if channel.number in seen:
            raise ValueError(f"channel number {channel.number} appears twice in the lineup")
        seen.add(channel.number)
        lines.append(_extinf(channel, base))
        url = stream_url(channel) if stream_url is not None else f"{base}/auto/v{channel.number}"
        lines.append(_url(url))
    return "\n".join(lines) + "\n"


def _extinf(channel: Channel, base: str) -> str:
    cid = channel_id(channel.number)
    number = str(channel.number)
    name = _text(channel.name) or number
    attrs = [
        ("tvg-id", cid),
        ("channel-id", cid),
        ("tvg-chno", number),
        ("channel-number", number),
        ("tvg-name", name),
    ]
    logo = logo_url(base, channel)
    if logo is not None:
        attrs.append(("tvg-logo", _url(logo)))
    attrs.append(("group-title", _text(channel.group) or DEFAULT_GROUP))
    rendered = " ".join(f'{key}="{value}"' for key, value in attrs)
    return f"#EXTINF:-1 {rendered},{name}"


def _text(value: str | None) -> str:
    """One line with no ``"`` (becomes ``'``) and no comma (becomes a space)."""
    return clean_line(_COMMA.sub(" ", clean_line(value).replace('"', "'")))


def _url(url: str) -> str:
    """One line, percent-escaped: nothing that would break the line or the quoting."""
    return quote_url(clean_line(url))

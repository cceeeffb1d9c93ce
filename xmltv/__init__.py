"""The guide side of Retrovue: XMLTV for Plex/Jellyfin/Kodi and the M3U playlist.

Pure functions over :mod:`lineup.models` values; the only I/O is writing to the stream or path
the caller hands in. Both outputs name channels by :func:`channel_id`, so a client can join the
playlist, the guide and the tuner lineup on it.
"""

from __future__ import annotations

from xmltv.ids import channel_id
from xmltv.m3u import render_m3u
from xmltv.urls import logo_url
from xmltv.writer import DEFAULT_GENERATOR, render_xmltv, write_xmltv

__all__ = [
    "DEFAULT_GENERATOR",
    "channel_id",
    "logo_url",
    "render_m3u",
    "render_xmltv",
    "write_xmltv",
]

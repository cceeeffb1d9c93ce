"""Write the XMLTV guide as a stream: channels first, then each channel's airings in order.

The document goes out one channel at a time, so a week of hundreds of channels never exists as
one tree in memory. ``<channel>`` elements are built and serialised by lxml; ``<programme>``
elements, the hot path, are written as the very bytes lxml would write for them, each item's
body serialised once per render (see :mod:`xmltv._elements`).

Output passes ``tv_validate_file`` and ``tv_sort --duplicate-error`` cleanly: all ``<channel>``
before any ``<programme>``, children in DTD order, dotted ids, ``YYYYMMDDhhmmss +0000`` times,
no empty texts or attributes.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from typing import BinaryIO

from lxml import etree

from lineup.models import Airing, Channel
from xmltv._elements import ProgrammeBodies, escape_attribute
from xmltv.channel import channel_element
from xmltv.ids import channel_id
from xmltv.text import clean_line
from xmltv.timestamps import TimestampFormatter
from xmltv.urls import normalise_base_url

__all__ = ["DEFAULT_GENERATOR", "DOCTYPE", "render_xmltv", "write_xmltv"]

log = logging.getLogger(__name__)

DEFAULT_GENERATOR = "retrovue/0.1.0"
DOCTYPE = '<!DOCTYPE tv SYSTEM "xmltv.dtd">'
_DECLARATION = b"<?xml version='1.0' encoding='utf-8'?>\n"
_ROOT_END = b"</tv>"

AiringsFor = Callable[[Channel], Iterable[Airing]]


def write_xmltv(
    out: BinaryIO | str | os.PathLike[str],
    channels: Sequence[Channel],
    airings_for: AiringsFor,
    *,
    base_url: str | None = None,
    generator: str = DEFAULT_GENERATOR,
) -> None:
    """Write the guide for ``channels`` to ``out`` (a binary stream or a file path), UTF-8.

    ``airings_for(channel)`` is called once per channel, in order, after every ``<channel>`` has
    been written, and should yield that channel's airings by start time; each becomes one
    ``<programme>`` from ``airing.start`` to ``airing.stop`` (the break is part of the airing).
    Airings that end at or before their start are skipped; gaps, overlaps and channels without
    airings (which ``tv_validate_file`` rejects) are logged as warnings, not repaired: the
    schedule owns contiguity and coverage.

    With ``base_url`` (the server's absolute http(s) root), channels with a logo get an
    ``<icon>`` at ``{base_url}/logos/{number}{suffix}``; without it no channel icon is written.

    Raises ``ValueError`` for a duplicate or non-positive channel number or a bad ``base_url``.
    """
    base = normalise_base_url(base_url) if base_url is not None else None
    ids = _channel_ids(channels)
    root_attrib: dict[str, str] = {}
    generator_name = clean_line(generator)
    if generator_name:
        root_attrib["generator-info-name"] = generator_name
    if isinstance(out, (str, os.PathLike)):
        with open(out, "wb") as stream:
            _write_document(stream.write, channels, ids, airings_for, base, root_attrib)
    else:
        _write_document(out.write, channels, ids, airings_for, base, root_attrib)


def render_xmltv(
    channels: Sequence[Channel],
    airings_for: AiringsFor,
    *,
    base_url: str | None = None,
    generator: str = DEFAULT_GENERATOR,
) -> bytes:
    """Return the guide :func:`write_xmltv` would write, as bytes."""
    buffer = io.BytesIO()
    write_xmltv(buffer, channels, airings_for, base_url=base_url, generator=generator)
    return buffer.getvalue()


def _channel_ids(channels: Sequence[Channel]) -> list[str]:
    seen: set[int] = set()
    for channel in channels:
        if channel.number in seen:
            raise ValueError(f"channel number {channel.number} appears twice in the lineup")
        seen.add(channel.number)
    return [channel_id(channel.number) for channel in channels]


def _write_document(
    write: Callable[[bytes], object],
    channels: Sequence[Channel],
    ids: Sequence[str],
    airings_for: AiringsFor,
    base: str | None,
    root_attrib: dict[str, str],
) -> None:
    root = etree.Element("tv", root_attrib)
    root.text = "\n"
    # lxml writes the root's start tag (escaping the generator name) and its end tag
    head = etree.tostring(root, encoding="utf-8").removesuffix(_ROOT_END)
    write(b"".join([_DECLARATION, DOCTYPE.encode(), b"\n", head]))
    write(
        b"".join(
            etree.tostring(channel_element(channel, cid, base), encoding="utf-8")
            for channel, cid in zip(channels, ids, strict=True)
        )
    )
    # What grows with the guide (bodies, stamps) is bytes the garbage collector does not
    # track, and each channel's airings are dropped once written, so a render leaves it
    # nearly nothing to scan.
    bodies = ProgrammeBodies(base)
    stamps = _Stamps()
    total = 0
    for channel, cid in zip(channels, ids, strict=True):
        written = _write_programmes(write, cid, airings_for(channel), bodies, stamps)
        if written == 0:
            log.warning("channel %d (%s) has no airings in the guide", channel.number, cid)
        total += written
    write(_ROOT_END)
    log.debug("wrote XMLTV guide: %d channels, %d programmes", len(channels), total)


class _Stamps:
    """Per instant, the bytes around it in a programme's start tag, for one render.

    A guide repeats the same few boundaries thousands of times (every channel changes
    programme on the half hour), so each is formatted once.
    """

    __slots__ = ("_format", "starts", "stops")

    def __init__(self) -> None:
        self._format = TimestampFormatter()
        #: ts → ``<programme start="{ts}" stop="`` and ts → ``{ts}" channel="``
        self.starts: dict[int, bytes] = {}
        self.stops: dict[int, bytes] = {}

    def start(self, ts: int) -> bytes:
        text = self.starts[ts] = f'<programme start="{self._format(ts)}" stop="'.encode()
        return text

    def stop(self, ts: int) -> bytes:
        text = self.stops[ts] = f'{self._format(ts)}" channel="'.encode()
        return text


def _write_programmes(
    write: Callable[[bytes], object],
    cid: str,
    airings: Iterable[Airing],
    bodies: ProgrammeBodies,
    stamps: _Stamps,
) -> int:
    """Write one channel's programmes; return how many. This loop is the hot path: keep it flat."""
    channel_attribute = f'{escape_attribute(cid)}">'.encode()
    chunks: list[bytes] = []
    append = chunks.append
    body = bodies.cache.get
    add = bodies.add
    starts = stamps.starts.get
    stops = stamps.stops.get
    new_start = stamps.start
    new_stop = stamps.stop
    written = empty = breaks = 0
    previous_stop: int | None = None
    for airing in airings:
        start = airing.start
        stop = airing.stop
        if stop <= start:
            empty += 1
            continue
        if start != previous_stop and previous_stop is not None:
            breaks += 1
        previous_stop = stop
        programme = airing.programme
        append(starts(start) or new_start(start))
        append(stops(stop) or new_stop(stop))
        append(channel_attribute)
        append(body(id(programme)) or add(programme))
        written += 1
    if chunks:
        write(b"".join(chunks))
    if empty:
        log.warning(
            "channel %s: skipped %d airings that end before they start or last no time", cid, empty
        )
    if breaks:
        log.warning("channel %s: %d gaps or overlaps between airings", cid, breaks)
    return written

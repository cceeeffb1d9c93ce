"""Write the XMLTV guide as a stream: channels first, then each channel's airings in order.

The document is written with ``lxml.etree.xmlfile`` one element at a time, so a week of hundreds
of channels never exists as one tree in memory, and every text goes through lxml's escaping.
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
from xmltv._elements import ProgrammeElements
from xmltv.channel import channel_element
from xmltv.ids import channel_id
from xmltv.text import clean_line
from xmltv.timestamps import TimestampFormatter
from xmltv.urls import normalise_base_url

__all__ = ["DEFAULT_GENERATOR", "DOCTYPE", "render_xmltv", "write_xmltv"]

log = logging.getLogger(__name__)

DEFAULT_GENERATOR = "retrovue/0.1.0"
DOCTYPE = '<!DOCTYPE tv SYSTEM "xmltv.dtd">'

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
    target = os.fspath(out) if isinstance(out, (str, os.PathLike)) else out

    elements = ProgrammeElements()
    times = TimestampFormatter()
    total = 0
    with etree.xmlfile(target, encoding="utf-8") as xf:
        xf.write_declaration()
        xf.write_doctype(DOCTYPE)
        with xf.element("tv", root_attrib):
            xf.write("\n")
            for channel, cid in zip(channels, ids):
                xf.write(channel_element(channel, cid, base))
            for channel, cid in zip(channels, ids):
                written = _write_programmes(xf, cid, airings_for(channel), elements, times)
                if written == 0:
                    log.warning("channel %d (%s) has no airings in the guide", channel.number, cid)
                total += written
    log.debug("wrote XMLTV guide: %d channels, %d programmes", len(channels), total)


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


def _write_programmes(
    xf: etree.xmlfile,
    cid: str,
    airings: Iterable[Airing],
    elements: ProgrammeElements,
    times: TimestampFormatter,
) -> int:
    """Write one channel's programmes; return how many. This loop is the hot path: keep it flat."""
    load = elements.load
    write = xf.write
    cached = times.cache.get
    miss = times.miss
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
        element = load(airing.programme, cid)
        element.set("start", cached(start) or miss(start))
        element.set("stop", cached(stop) or miss(stop))
        write(element)
        written += 1
    if empty:
        log.warning(
            "channel %s: skipped %d airings that end before they start or last no time", cid, empty
        )
    if breaks:
        log.warning("channel %s: %d gaps or overlaps between airings", cid, breaks)
    return written

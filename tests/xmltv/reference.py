"""A plain lxml rendering of the guide: the slow, obvious writer the fast one must equal.

Every ``<programme>`` is a fresh tree built from :func:`xmltv.programme.programme_fields` in DTD
order and serialised by ``lxml.etree.xmlfile``, as the writer did before it wrote bytes itself.
The tests hold :func:`xmltv.render_xmltv` byte for byte to this.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from lxml import etree

from lineup.models import Channel, MediaItem
from xmltv.channel import channel_element
from xmltv.ids import channel_id
from xmltv.programme import programme_fields
from xmltv.text import clean_line
from xmltv.timestamps import format_timestamp
from xmltv.urls import normalise_base_url
from xmltv.writer import DEFAULT_GENERATOR, DOCTYPE, AiringsFor

_EN = {"lang": "en"}


def programme_element(
    item: MediaItem, start: int, stop: int, cid: str, base_url: str | None = None
) -> etree._Element:
    fields = programme_fields(item, base_url)
    element = etree.Element(
        "programme",
        {"start": format_timestamp(start), "stop": format_timestamp(stop), "channel": cid},
    )
    etree.SubElement(element, "title", _EN).text = fields.title
    if fields.sub_title is not None:
        etree.SubElement(element, "sub-title", _EN).text = fields.sub_title
    if fields.desc is not None:
        etree.SubElement(element, "desc", _EN).text = fields.desc
    if fields.date is not None:
        etree.SubElement(element, "date").text = fields.date
    for category in fields.categories:
        etree.SubElement(element, "category", _EN).text = category
    if fields.icon is not None:
        etree.SubElement(element, "icon", {"src": fields.icon})
    if fields.xmltv_ns is not None:
        etree.SubElement(element, "episode-num", {"system": "xmltv_ns"}).text = fields.xmltv_ns
    if fields.onscreen is not None:
        etree.SubElement(element, "episode-num", {"system": "onscreen"}).text = fields.onscreen
    if fields.previously_shown:
        etree.SubElement(element, "previously-shown")
    if fields.rating is not None:
        system, value = fields.rating
        rated = etree.SubElement(element, "rating", {"system": system} if system else {})
        etree.SubElement(rated, "value").text = value
    element.tail = "\n"
    return element


def serialise(element: etree._Element) -> bytes:
    """``element`` (and its tail) as ``xmlfile`` writes it into a UTF-8 document."""
    buffer = io.BytesIO()
    with etree.xmlfile(buffer, encoding="utf-8") as xf:
        xf.write(element)
    return buffer.getvalue()


def render_reference(
    channels: Sequence[Channel],
    airings_for: AiringsFor,
    *,
    base_url: str | None = None,
    generator: str = DEFAULT_GENERATOR,
) -> bytes:
    base = normalise_base_url(base_url) if base_url is not None else None
    ids = [channel_id(channel.number) for channel in channels]
    name = clean_line(generator)
    buffer = io.BytesIO()
    with etree.xmlfile(buffer, encoding="utf-8") as xf:
        xf.write_declaration()
        xf.write_doctype(DOCTYPE)
        with xf.element("tv", {"generator-info-name": name} if name else {}):
            xf.write("\n")
            for channel, cid in zip(channels, ids, strict=True):
                xf.write(channel_element(channel, cid, base))
            for channel, cid in zip(channels, ids, strict=True):
                for airing in airings_for(channel):
                    if airing.stop > airing.start:
                        xf.write(
                            programme_element(
                                airing.programme, airing.start, airing.stop, cid, base
                            )
                        )
    return buffer.getvalue()

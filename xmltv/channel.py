"""The ``<channel>`` element: id, the three display-names clients match on, and the logo."""

from __future__ import annotations

from lxml import etree

from lineup.models import Channel
from xmltv.text import clean_line
from xmltv.urls import logo_url

__all__ = ["channel_element", "display_names"]


def display_names(channel: Channel) -> tuple[str, ...]:
    """Return ``("7 Cheers", "7", "Cheers")``, most specific first.

    Plex shows the number instead of the id when several names are given, and Jellyfin takes the
    channel number from the last numeric display-name, so ``"7"`` must be there and must equal
    the lineup's ``GuideNumber``. A channel without a usable name gets just ``("7",)``.
    """
    number = str(channel.number)
    name = clean_line(channel.name)
    names = (f"{number} {name}", number, name) if name else (number,)
    return tuple(dict.fromkeys(names))  # drop repeats, keep order ("7" named "7")


def channel_element(channel: Channel, channel_id: str, base_url: str | None) -> etree._Element:
    """Build ``<channel>`` with children in DTD order (display-name+, icon*).

    The icon is written only with a ``base_url`` (normalised), because a logo URL is useless to a
    client unless it is absolute.
    """
    element = etree.Element("channel", id=channel_id)
    for name in display_names(channel):
        etree.SubElement(element, "display-name").text = name
    if base_url is not None:
        src = logo_url(base_url, channel)
        if src is not None:
            etree.SubElement(element, "icon", src=src)
    element.tail = "\n"
    return element

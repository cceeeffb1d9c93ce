"""Reusable ``<programme>`` elements: how the writer renders a week of 500 channels in time.

Building the ~10 lxml elements of a programme costs about 14 µs, and a week of 500 half-hour
channels is 168 000 programmes. Since ``xmlfile.write`` serialises an element the moment it is
given, the same element can be handed over again and again: we keep one ``<programme>`` per
*shape* (which optional children it has), and per airing rewrite only what changed since that
element was last written: the item's own texts, the show's texts when the show changed, and
``start``/``stop``. The text of each item is worked out once
(:func:`xmltv.programme.programme_fields`) however often it airs, and memory stays flat: a
handful of elements, not one tree per programme.
"""

from __future__ import annotations

from lxml import etree

from lineup.models import MediaItem
from xmltv.programme import ProgrammeFields, programme_fields

__all__ = ["ProgrammeElements"]

# (sub-title, desc, date, number of categories, icon, xmltv_ns, onscreen, previously-shown)
Shape = tuple[bool, bool, bool, int, bool, bool, bool, bool]

_EN = {"lang": "en"}


# One distinct item of the render: (index of its template, shared texts, own texts, icon URL).
# ``shared`` holds the texts every episode of a show tends to repeat (title, date, categories),
# interned per render so "same as the last programme" is an identity test; ``own`` holds the
# texts of this item alone (sub-title, desc, episode numbers), in document order. A plain tuple of
# strings and an int, on purpose: CPython stops tracking such tuples in the garbage collector, so
# tens of thousands of entries do not provoke full collections of the caller's (large) heap.
_Entry = tuple[int, tuple[str, ...], tuple[str, ...], str | None]


def _prepare(fields: ProgrammeFields) -> tuple[Shape, tuple[str, ...], tuple[str, ...]]:
    sub_title, desc, date = fields.sub_title, fields.desc, fields.date
    ns, onscreen, categories = fields.xmltv_ns, fields.onscreen, fields.categories
    shape = (
        sub_title is not None,
        desc is not None,
        date is not None,
        len(categories),
        fields.icon is not None,
        ns is not None,
        onscreen is not None,
        fields.previously_shown,
    )
    shared = (fields.title, date, *categories) if date is not None else (fields.title, *categories)
    own = tuple([text for text in (sub_title, desc, ns, onscreen) if text is not None])
    return shape, shared, own


class _Template:
    """The one ``<programme>`` element of a shape, children in DTD order, refilled per airing."""

    __slots__ = ("channel", "current", "element", "icon", "own_kids", "shared", "shared_kids")

    def __init__(self, shape: Shape) -> None:
        has_sub, has_desc, has_date, n_categories, has_icon, has_ns, has_onscreen, shown = shape
        element = etree.Element("programme", {"start": "", "stop": "", "channel": ""})
        sub = etree.SubElement
        shared = [sub(element, "title", _EN)]
        own = []
        if has_sub:
            own.append(sub(element, "sub-title", _EN))
        if has_desc:
            own.append(sub(element, "desc", _EN))
        if has_date:
            shared.append(sub(element, "date"))
        shared.extend(sub(element, "category", _EN) for _ in range(n_categories))
        self.icon = sub(element, "icon", {"src": ""}) if has_icon else None
        if has_ns:
            own.append(sub(element, "episode-num", {"system": "xmltv_ns"}))
        if has_onscreen:
            own.append(sub(element, "episode-num", {"system": "onscreen"}))
        if shown:
            sub(element, "previously-shown")
        element.tail = "\n"  # one programme per line: Kodi parses huge single lines slowly
        self.element = element
        self.shared_kids = tuple(shared)
        self.own_kids = tuple(own)
        self.shared: tuple[str, ...] | None = None  # the shared texts the element shows now
        self.current: _Entry | None = None  # the entry the element shows now
        self.channel = ""


class ProgrammeElements:
    """Hands out a filled ``<programme>`` element per item, for the length of one render.

    The element returned is shared by every item of its shape: write it before asking for the
    next one. Items are looked up by identity first (schedules reuse the channel's item objects,
    and hashing a dataclass costs more than the lookup), then by value.
    """

    __slots__ = ("_by_id", "_by_value", "_items", "_shapes", "_shared", "_templates")

    def __init__(self) -> None:
        self._by_id: dict[int, _Entry] = {}
        self._by_value: dict[MediaItem, _Entry] = {}
        self._items: list[MediaItem] = []  # keeps every id in _by_id from being reused
        self._shared: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._shapes: dict[Shape, int] = {}
        self._templates: list[_Template] = []

    def load(self, item: MediaItem, channel_id: str) -> etree._Element:
        """Return the ``<programme>`` element showing ``item`` on ``channel_id``; its ``start``
        and ``stop`` are the caller's to set. Called once per airing, so kept flat."""
        entry = self._by_id.get(id(item))
        if entry is None:
            entry = self._add(item)
        index, shared, own, icon = entry
        template = self._templates[index]
        if entry is not template.current:
            if shared is not template.shared:
                for kid, text in zip(template.shared_kids, shared):
                    kid.text = text
                template.shared = shared
            for kid, text in zip(template.own_kids, own):
                kid.text = text
            if icon is not None:
                template.icon.set("src", icon)  # type: ignore[union-attr]  # shape has one
            template.current = entry
        if channel_id != template.channel:
            template.element.set("channel", channel_id)
            template.channel = channel_id
        return template.element

    def _add(self, item: MediaItem) -> _Entry:
        entry = self._by_value.get(item)
        if entry is None:
            fields = programme_fields(item)
            shape, shared, own = _prepare(fields)
            index = self._shapes.get(shape)
            if index is None:
                index = self._shapes[shape] = len(self._templates)
                self._templates.append(_Template(shape))
            shared = self._shared.setdefault(shared, shared)
            entry = self._by_value[item] = (index, shared, own, fields.icon)
        self._items.append(item)
        self._by_id[id(item)] = entry
        return entry

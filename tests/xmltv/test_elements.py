"""The writer's reusable elements: shared per shape, refilled exactly, cheap for the GC."""

from __future__ import annotations

import dataclasses
import gc

from lxml import etree

from tests.xmltv.builders import episode, movie
from xmltv._elements import ProgrammeElements


def test_items_of_one_shape_share_an_element_and_each_shows_its_own_text() -> None:
    elements = ProgrammeElements()
    first = episode("Cheers", 1, 1, "Pilot", summary="One.")
    second = episode("Cheers", 1, 2, "Sam's Women", summary="Two.")
    a = elements.load(first, "C1.x.retrovue")
    a_text = etree.tostring(a)
    b = elements.load(second, "C1.x.retrovue")
    assert a is b
    assert b"Pilot" in a_text and b"One." in a_text
    expected = (a_text.replace(b"Pilot", b"Sam's Women").replace(b"One.", b"Two.")
                .replace(b"0.0.0/1", b"0.1.0/1").replace(b"S01E01", b"S01E02"))
    assert etree.tostring(b) == expected
    assert etree.tostring(elements.load(first, "C2.y.retrovue")) == a_text.replace(
        b"C1.x.retrovue", b"C2.y.retrovue")


def test_different_shapes_get_different_elements() -> None:
    elements = ProgrammeElements()
    assert elements.load(movie("A"), "C1.x.retrovue") is not elements.load(
        episode("S", 1, 1, "E"), "C1.x.retrovue")


def test_equal_copies_share_one_entry() -> None:
    elements = ProgrammeElements()
    original = movie("A", summary="Same.")
    elements.load(original, "C1.x.retrovue")
    elements.load(dataclasses.replace(original), "C1.x.retrovue")
    assert len(elements._by_value) == 1
    assert len(set(map(id, elements._by_id.values()))) == 1


def test_entries_drop_out_of_the_garbage_collector() -> None:
    # Tens of thousands of tracked survivors would trigger full collections of the caller's heap
    # in the middle of a render; entries are built so CPython untracks them.
    elements = ProgrammeElements()
    for n in range(50):
        elements.load(episode("Show", 1, n + 1, f"Episode {n}", summary="S.", genres=("Comedy",),
                              icon=f"http://a/{n}.jpg"), "C1.x.retrovue")
    gc.collect()
    gc.collect()  # a tuple is untracked once the tuples inside it are: may take two passes
    entries = list(elements._by_value.values())
    assert entries and not any(gc.is_tracked(entry) for entry in entries)

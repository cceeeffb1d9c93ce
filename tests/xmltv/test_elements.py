"""The writer's serialised programme bodies: exactly lxml's bytes, once per item, cheap for the
GC."""

from __future__ import annotations

import dataclasses
import gc
import random
from typing import TypeVar

import pytest
from lxml import etree

from lineup.models import ItemKind, MediaItem
from tests.xmltv.builders import BASE, NASTY, back_to_back, channel, episode, movie, sample_guide
from tests.xmltv.reference import programme_element, render_reference, serialise
from tests.xmltv.test_writer import random_item
from xmltv import render_xmltv
from xmltv._elements import ProgrammeBodies, escape_attribute, escape_text
from xmltv.programme import icon, programme_fields
from xmltv.text import clean_block, clean_line
from xmltv.urls import is_web_url, quote_url

T = TypeVar("T")
CID = "C7.f7c205.retrovue"
START, STOP = 1_704_067_200, 1_704_069_000


def fast(bodies: ProgrammeBodies, item: MediaItem) -> bytes:
    return (
        b'<programme start="20240101000000 +0000" stop="20240101003000 +0000" channel="'
        + CID.encode()
        + b'">'
        + bodies.body(item)
    )


def hostile_text(rng: random.Random, length: int) -> str:
    """Text with everything metadata can throw at us: markup, controls, odd spaces, emoji."""
    alphabet = [
        "a",
        "B",
        " ",
        "  ",
        "&",
        "<",
        ">",
        '"',
        "'",
        "\n",
        "\r\n",
        "\t",
        "\x00",
        "\x1b",
        "\x85",
        "\xa0",
        "\u2028",
        "\u202e",
        "\ufffd",
        "\ufffe",
        "\ud800",
        "é",
        "😀",
        "שלום",
        "&amp;",
        "]]>",
    ]
    return "".join(rng.choice(alphabet) for _ in range(length))


def hostile_item(rng: random.Random, n: int) -> MediaItem:
    def maybe(value: T) -> T | None:
        return value if rng.random() < 0.7 else None

    fields = {
        "year": maybe(rng.choice([1982, 800, 0, 10_000])),
        "summary": maybe(hostile_text(rng, rng.randint(0, 80))),
        "genres": tuple(hostile_text(rng, 4) for _ in range(rng.randint(0, 3))),
        "content_rating": maybe(rng.choice(["TV-14", "R", hostile_text(rng, 4)])),
        "icon": maybe(
            rng.choice(
                [
                    f"/artwork/{n}",
                    f"http://art.example/{n}.jpg",
                    f"HTTPS://art.example/{n}.jpg?w=1&h=2",
                    "http://art.example/" + hostile_text(rng, 6),
                    hostile_text(rng, 8),
                ]
            )
        ),
    }
    kind = rng.choice(list(ItemKind))
    if kind == ItemKind.EPISODE:
        return episode(
            hostile_text(rng, 5),
            maybe(rng.randint(0, 3)),
            maybe(rng.randint(0, 12)),
            hostile_text(rng, 8),
            episode_end=maybe(rng.randint(0, 13)),
            **fields,
        )
    return dataclasses.replace(movie(hostile_text(rng, 8), **fields), kind=kind)


# -- exact bytes ----------------------------------------------------------------------------


def test_body_is_what_lxml_writes_for_the_programme_fields() -> None:
    rng = random.Random(7)
    items = [random_item(rng, n) for n in range(300)] + [hostile_item(rng, n) for n in range(600)]
    bodies = ProgrammeBodies()
    for item in items:
        expected = serialise(programme_element(item, START, STOP, CID))
        assert fast(bodies, item) == expected, item


@pytest.mark.parametrize("base_url", [BASE, None])
def test_sample_guide_equals_the_plain_lxml_rendering(base_url: str | None) -> None:
    channels, airings = sample_guide()
    for generator in ("retrovue/0.1.0", NASTY, " ", 'a "b" & <c>\n'):
        args = (channels, lambda ch: airings[ch.number])
        assert render_xmltv(*args, base_url=base_url, generator=generator) == render_reference(
            *args, base_url=base_url, generator=generator
        )


def test_random_hostile_guide_equals_the_plain_lxml_rendering() -> None:
    rng = random.Random(20240101)
    items = [hostile_item(rng, n) for n in range(200)] + [random_item(rng, n) for n in range(60)]
    channels = [
        channel(n, hostile_text(rng, 6), logo=rng.choice([None, "/c/l.png"])) for n in range(1, 12)
    ]
    schedule = {
        ch.number: back_to_back(
            ch.number,
            [(rng.choice(items), rng.choice((1, 59, 1800, 3600))) for _ in range(60)],
            start=rng.randint(0, 4_000_000_000),
        )
        for ch in channels
    }
    args = (channels, lambda ch: schedule[ch.number])
    assert render_xmltv(*args, base_url=BASE) == render_reference(*args, base_url=BASE)


def test_empty_lineup_equals_the_plain_lxml_rendering() -> None:
    assert render_xmltv([], lambda ch: []) == render_reference([], lambda ch: [])


def kept_by_cleaning() -> list[str]:
    """Every code point that clean_line or clean_block can leave in a text."""
    kept = []
    for code in range(0x110000):
        text = f"a{chr(code)}b"
        if clean_line(text) == text or clean_block(text) == text:
            kept.append(chr(code))
    return kept


def test_escaping_equals_lxml_for_every_character_cleaning_keeps() -> None:
    kept = kept_by_cleaning()
    assert "\n" in kept and "<" in kept and "\x00" not in kept and "\ufffd" not in kept
    for i in range(0, len(kept), 8192):
        text = "x" + "".join(kept[i : i + 8192]) + "x"
        element = etree.Element("t")
        element.text = text
        assert serialise(element) == f"<t>{escape_text(text)}</t>".encode()
        element = etree.Element("t", a=text)
        assert serialise(element) == f'<t a="{escape_attribute(text)}"/>'.encode()


def test_escaping_the_characters_that_need_it() -> None:
    assert escape_text('Tom & Jerry <3> "x"\n') == 'Tom &amp; Jerry &lt;3&gt; "x"\n'
    assert escape_attribute('a&b<c>"d\ne\tf\rg') == "a&amp;b&lt;c&gt;&quot;d&#10;e&#9;f&#13;g"
    plain = "Nothing to escape here 😀"
    assert escape_text(plain) is plain and escape_attribute(plain) is plain


@pytest.mark.parametrize(
    "url",
    [
        "http://art.example/a.jpg",
        "HTTPS://art.example/a.jpg?w=1&h=2",
        "http://[::1]:8080/a%20b",
        "http://a/b c",
        "http://a/é",
        "http://a/\x00x",
        " http://a/b",
        "http://a/b ",
        "http:///a",
        "http://?a",
        "ftp://a/b",
        'http://a/"q"',
        "http://a/b,c",
        "https://a/<b>",
        "",
    ],
)
def test_icon_fast_path_agrees_with_cleaning_and_quoting(url: str) -> None:
    cleaned = clean_line(url)
    assert icon(url) == (quote_url(cleaned) if is_web_url(cleaned) else None)


# -- one body per item ----------------------------------------------------------------------


def test_an_item_is_serialised_once_and_equal_copies_alike() -> None:
    bodies = ProgrammeBodies()
    first = episode("Cheers", 1, 1, "Pilot", summary="One.", genres=("Comedy",))
    body = bodies.body(first)
    assert bodies.body(first) is body
    assert bodies.body(dataclasses.replace(first)) == body
    second = episode("Cheers", 1, 2, "Sam's Women", summary="Two.", genres=("Comedy",))
    assert bodies.body(second) == (
        body.replace(b"Pilot", b"Sam's Women")
        .replace(b"One.", b"Two.")
        .replace(b"0.0.0/1", b"0.1.0/1")
        .replace(b"S01E01", b"S01E02")
    )


def test_items_keep_their_fields_whatever_came_before() -> None:
    # the memos are keyed by what they are made of: no text leaks from one item to the next
    rng = random.Random(3)
    items = [random_item(rng, n) for n in range(200)]
    bodies = ProgrammeBodies()
    for item in rng.choices(items, k=600):
        expected = serialise(programme_element(item, START, STOP, CID))
        assert fast(bodies, item) == expected
        assert programme_fields(item).title.encode() in bodies.body(item) or b"&" in expected


def test_bodies_stay_out_of_the_garbage_collector() -> None:
    # Tens of thousands of tracked survivors would trigger full collections of the caller's heap
    # in the middle of a render; what grows with the items holds only untracked str and bytes
    # (the memos by kind, year and numbers stay a few hundred entries).
    bodies = ProgrammeBodies()
    for n in range(50):
        bodies.body(
            episode(
                "Show",
                1,
                n + 1,
                f"Episode {n}",
                summary="S.",
                genres=("Comedy",),
                icon=f"http://a/{n}.jpg",
            )
        )
    gc.collect()
    gc.collect()  # a tuple is untracked once the tuples inside it are: may take two passes
    assert bodies.cache and not gc.is_tracked(bodies.cache)
    assert not any(gc.is_tracked(body) for body in bodies.cache.values())
    for memo in (bodies._shows, bodies._heads):
        assert memo and not gc.is_tracked(memo)
